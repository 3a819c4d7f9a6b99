/**
 * Coalesces a cell's stdout/stderr writes into few `stream` messages, as ipykernel does.
 *
 * A loop of 10,000 `console.log` calls is one or a few messages instead of 10,000 (which would
 * also overflow the iopub socket's high-water mark, where ZeroMQ drops messages). Text is sent
 * after `intervalMs`, when a buffer passes `maxChars`, or on {@link StreamBuffer.flush}, which the
 * server calls before any other output of the cell (so order is kept) and before the reply.
 */
export type StreamName = "stdout" | "stderr";

export class StreamBuffer {
  private parts: { name: StreamName; text: string }[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param send  sends one `stream` message
   * @param intervalMs  longest time text waits (ms)
   * @param maxChars  a buffer this large is sent at once (UTF-16 code units)
   */
  constructor(
    private readonly send: (name: StreamName, text: string) => void,
    private readonly intervalMs = 50,
    private readonly maxChars = 1 << 20,
  ) {}

  /** Queues text for one stream. */
  write(name: StreamName, text: string): void {
    if (!text) return;
    const last = this.parts[this.parts.length - 1];
    if (last && last.name === name) last.text += text;
    else this.parts.push({ name, text });
    this.chars += text.length;
    if (this.chars >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends everything queued, in order (stdout and stderr interleaved as written). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const parts = this.parts;
    this.parts = [];
    this.chars = 0;
    for (const p of parts) this.send(p.name, p.text);
  }
}
