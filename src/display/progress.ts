/**
 * A progress bar that updates in place (Jupyter update_display_data), with rate and ETA.
 */
import { DisplayHandle } from "./display";
import { displaySink } from "./sink";
import { JUPYTER_DISPLAY, escapeHtml, type MimeBundle } from "./mime";
import { formatClock, formatRate } from "./format";

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Text before the bar, e.g. "epoch 1". */
  label?: string;
  /** Unit of work for the rate, e.g. "batch" (default "it"). */
  unit?: string;
  /** Minimum time between two redraws in ms (default 100); the final state is always drawn. */
  minIntervalMs?: number;
  /** Clock in ms (tests inject a fake one). */
  now?: () => number;
}

/** The state of a progress bar at one moment. */
export interface ProgressState {
  done: number;
  total: number;
  elapsedSeconds: number;
  /** Items per second so far (NaN before the first item). */
  rate: number;
  /** Seconds left at the current rate (NaN when unknown). */
  etaSeconds: number;
  postfix: Record<string, string | number>;
  closed: boolean;
}

/** A progress bar for `total` items. Call {@link tick} or {@link update}; {@link close} at the end. */
export class ProgressBar {
  readonly total: number;
  private done = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private postfix: Record<string, string | number> = {};
  private closed = false;
  private readonly handle = new DisplayHandle();
  private shown = false;
  private readonly opts: Required<Omit<ProgressOptions, "label">> & { label: string };

  constructor(total: number, opts: ProgressOptions = {}) {
    if (!Number.isFinite(total) || total <= 0) {
      throw new RangeError(`ProgressBar: total must be a positive number, got ${total}`);
    }
    this.total = total;
    this.opts = {
      label: opts.label ?? "",
      unit: opts.unit ?? "it",
      minIntervalMs: opts.minIntervalMs ?? 100,
      now: opts.now ?? (() => performance.now()),
    };
    this.start = this.opts.now();
    this.draw(true);
  }

  /** Advances by `k` items. */
  tick(k = 1, postfix?: Record<string, string | number>): void {
    this.update(this.done + k, postfix);
  }

  /** Sets the number of finished items (and optional key/value notes shown after the bar). */
  update(done: number, postfix?: Record<string, string | number>): void {
    this.done = Math.min(Math.max(0, done), this.total);
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    this.draw(this.done >= this.total);
  }

  /** Draws the final state and stops updating. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.draw(true);
  }

  /** The current state (for tests and for callers that log progress). */
  state(): ProgressState {
    const elapsed = (this.opts.now() - this.start) / 1000;
    const rate = this.done > 0 && elapsed > 0 ? this.done / elapsed : NaN;
    const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
    return { done: this.done, total: this.total, elapsedSeconds: elapsed, rate, etaSeconds: eta, postfix: { ...this.postfix }, closed: this.closed };
  }

  /** Counts, times and rate after the bar: "4/10 [00:02<00:03, 2.00 it/s, loss=0.3]". */
  private summary(s: ProgressState): string {
    const post = Object.entries(s.postfix).map(([k, v]) => `${k}=${v}`).join(", ");
    const timing = `${formatClock(s.elapsedSeconds)}<${formatClock(s.etaSeconds)}, ${formatRate(s.rate, this.opts.unit)}`;
    return `${s.done}/${s.total} [${timing}${post ? ", " + post : ""}]`;
  }

  /** The bar as plain text, tqdm style: "label:  40%|████      | 4/10 [00:02<00:03, 2.00 it/s]". */
  text(): string {
    const s = this.state();
    const width = 20;
    const filled = Math.round((s.done / s.total) * width);
    const bar = "█".repeat(filled) + " ".repeat(width - filled);
    const pct = `${Math.floor((100 * s.done) / s.total)}`.padStart(3);
    const label = this.opts.label ? `${this.opts.label}: ` : "";
    return `${label}${pct}%|${bar}| ${this.summary(s)}`;
  }

  /** The bar as a MIME bundle (HTML progress element + text). */
  bundle(): MimeBundle {
    const s = this.state();
    const label = this.opts.label ? `<b>${escapeHtml(this.opts.label)}</b> ` : "";
    const color = s.closed && s.done < s.total ? "#c0392b" : "#2e86de";
    return {
      "text/html":
        `<div class="reslab-progress" style="font-family:monospace;font-size:90%">${label}` +
        `<progress value="${s.done}" max="${s.total}" style="width:40%;accent-color:${color}"></progress> ` +
        `${Math.floor((100 * s.done) / s.total)}% ${escapeHtml(this.summary(s))}</div>`,
      "text/plain": this.text(),
    };
  }

  private draw(force: boolean): void {
    const now = this.opts.now();
    if (!force && now - this.lastDraw < this.opts.minIntervalMs) return;
    this.lastDraw = now;
    const bundle = this.bundle();
    const value = { [JUPYTER_DISPLAY]: () => bundle };
    if (!this.shown) {
      this.shown = true;
      displaySink().send({ data: bundle, metadata: {}, displayId: this.handle.id }, false);
    } else {
      this.handle.update(value);
    }
  }
}
