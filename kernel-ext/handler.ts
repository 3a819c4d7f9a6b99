/**
 * The Jupyter side of a cell: execution counts, output routing, replies.
 *
 * Completion, inspection and is_complete are tslab's own (delegated); execution goes through
 * {@link CellExecutor} so cells can hold magics and rich results.
 */
import { inspect } from "util";
import * as tslabJupyter from "tslab/dist/jupyter";
import { TaskQueue, TaskCanceledError } from "tslab/dist/util";
import { toMimeBundle } from "../src/display/display";
import type { MimeBundle } from "../src/display/mime";
import { setDisplaySink, type DisplayMessage } from "../src/display/sink";
import { clearInterrupt } from "../src/runtime/interrupt";
import { failureOf, type CellExecutor, type CellFailure } from "./cell-executor";
import { History } from "./history";

/** What the handler may send for a cell (the server binds these to iopub messages). */
export interface CellIO {
  input(code: string, count: number): void;
  stream(name: "stdout" | "stderr", text: string): void;
  display(message: DisplayMessage, update: boolean): void;
  result(data: MimeBundle, count: number): void;
  error(failure: CellFailure): void;
}

/** An execute_request's content (the fields we use). */
export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

/** The execute_reply content. */
export type ExecuteReply =
  | { status: "ok"; execution_count: number; payload: unknown[]; user_expressions: Record<string, unknown> }
  | ({ status: "error"; execution_count: number } & CellFailure)
  | { status: "aborted"; execution_count: number };

/** The value of a cell's last expression as a MIME bundle (strings quoted, like Node's REPL). */
export function resultBundle(value: unknown): MimeBundle {
  if (typeof value === "string") return { "text/plain": inspect(value) };
  return toMimeBundle(value);
}

export class ExecuteHandler {
  private count = 0;
  private readonly queue = new TaskQueue();
  /** The inputs (and text results) of this session's cells, for history_request. */
  readonly history = new History();

  constructor(private readonly cells: CellExecutor) {}

  /**
   * Runs one execute_request; requests are queued and run one at a time. Always answers: a
   * failure of the kernel's own output path becomes an error reply, and the queue goes on.
   */
  async execute(req: ExecuteRequest, io: CellIO): Promise<ExecuteReply> {
    try {
      return await this.queue.add(() => this.run(req, io).catch((e) => this.internalFailure(e, io)));
    } catch (e) {
      if (e instanceof TaskCanceledError) return { status: "aborted", execution_count: this.count };
      throw e;
    }
  }

  private internalFailure(e: unknown, io: CellIO): ExecuteReply {
    const f = failureOf(e);
    const error = { ...f, evalue: `the kernel could not deliver this cell's output: ${f.evalue}` };
    try {
      io.error(error);
    } catch {
      // the reply below still carries the error
    }
    return { status: "error", execution_count: this.count, ...error };
  }

  private async run(req: ExecuteRequest, io: CellIO): Promise<ExecuteReply> {
    const silent = !!req.silent;
    const stored = !silent && req.store_history !== false;
    const count = stored ? ++this.count : this.count;
    if (stored) this.history.add(count, req.code);
    if (!silent) io.input(req.code, count);
    clearInterrupt();
    const writer = (name: "stdout" | "stderr") => (chunk: string | Uint8Array) => {
      if (!silent) io.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    };
    // Like tslab (and IPython), output written after the cell ends still goes to its cell.
    process.stdout.write = writer("stdout") as typeof process.stdout.write;
    process.stderr.write = writer("stderr") as typeof process.stderr.write;
    const sink = { send: (m: DisplayMessage, update: boolean) => !silent && io.display(m, update) };
    setDisplaySink(sink);
    // tslab's own `display` API writes through this hook; keep it pointed at the running cell.
    (tslabJupyter as { lastWriteDisplayData: unknown }).lastWriteDisplayData = (
      data: { data: MimeBundle; metadata: Record<string, unknown>; transient?: { display_id?: string } },
      update: boolean,
    ) => sink.send({ data: data.data, metadata: data.metadata, displayId: data.transient?.display_id }, update);

    const outcome = await this.cells.execute(req.code, {
      stdout: (text) => process.stdout.write(text),
      result: (value) => {
        if (silent || value === undefined) return;
        const bundle = resultBundle(value);
        if (stored) this.history.add(count, req.code, typeof bundle["text/plain"] === "string" ? bundle["text/plain"] : null);
        io.result(bundle, count);
      },
    });
    if (outcome.ok) return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
    io.error(outcome.error);
    if (req.stop_on_error !== false) this.queue.reset(200);
    return { status: "error", execution_count: count, ...outcome.error };
  }
}
