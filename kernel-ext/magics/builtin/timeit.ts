/**
 * `%timeit` / `%%timeit`: mean ± std of many runs, IPython's format and loop calibration.
 */
import { formatCount, formatDuration } from "../../../src/display/format";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../../src/display/mime";
import { MagicError, type MagicSpec } from "../types";

/** The result of %timeit; displays as IPython's summary line. */
export class TimeitResult {
  /** Seconds per loop, one entry per run. */
  readonly timings: number[];
  constructor(
    readonly loops: number,
    readonly repeat: number,
    timings: number[],
  ) {
    this.timings = timings;
  }
  /** Mean seconds per loop. */
  get average(): number {
    return this.timings.reduce((a, b) => a + b, 0) / this.timings.length;
  }
  /** Population standard deviation of seconds per loop (as IPython). */
  get stdev(): number {
    const m = this.average;
    return Math.sqrt(this.timings.reduce((a, t) => a + (t - m) ** 2, 0) / this.timings.length);
  }
  get best(): number {
    return Math.min(...this.timings);
  }
  get worst(): number {
    return Math.max(...this.timings);
  }
  toString(): string {
    const runs = `${this.repeat} run${this.repeat === 1 ? "" : "s"}`;
    const loops = `${formatCount(this.loops)} loop${this.loops === 1 ? "" : "s"}`;
    return `${formatDuration(this.average)} ± ${formatDuration(this.stdev)} per loop (mean ± std. dev. of ${runs}, ${loops} each)`;
  }
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/plain": this.toString() };
  }
}

/** Times `loops` calls of `fn`; returns total seconds. */
async function timeLoops(fn: () => unknown, loops: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < loops; i++) {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === "function") await r;
  }
  return (performance.now() - t0) / 1000;
}

/**
 * IPython's calibration: try 1, 10, 100… loops until one run takes at least 0.2 s.
 */
export async function autoLoops(fn: () => unknown, target = 0.2): Promise<number> {
  for (let i = 0; i < 10; i++) {
    const n = 10 ** i;
    if ((await timeLoops(fn, n)) >= target) return n;
  }
  return 10 ** 9;
}

/** Runs the benchmark: `repeat` runs of `loops` calls each (loops calibrated when 0). */
export async function timeit(fn: () => unknown, loops = 0, repeat = 7): Promise<TimeitResult> {
  const n = loops > 0 ? loops : await autoLoops(fn);
  const timings: number[] = [];
  for (let r = 0; r < repeat; r++) timings.push((await timeLoops(fn, n)) / n);
  return new TimeitResult(n, repeat, timings);
}

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new MagicError(`%timeit: ${name} must be a positive whole number, got "${v}"`);
    return n;
  };
}

export const timeitMagic: MagicSpec = {
  name: "timeit",
  mode: "both",
  summary: "Time a statement (%timeit) or the cell (%%timeit) over many loops: mean ± std. dev.",
  takesCode: true,
  options(cmd) {
    cmd.option("-n, --number <N>", "loops per run (default: calibrated so a run takes ≥ 0.2 s)", positiveInt("-n"));
    cmd.option("-r, --repeat <R>", "number of runs", positiveInt("-r"), 7);
    cmd.option("-q, --quiet", "do not print the result");
  },
  async run(call, ctx) {
    if (!call.code.trim()) throw new MagicError("%timeit: nothing to time. Write the code after it, e.g. %timeit tf.matMul(a, b).dispose()");
    const fn = await ctx.compileFunction(call.code);
    const result = await timeit(fn, (call.opts.number as number) ?? 0, call.opts.repeat as number);
    if (!call.opts.quiet) {
      let text = result.toString();
      if (result.worst > 4 * result.best && result.best > 0 && result.worst > 1e-6) {
        text =
          `The slowest run took ${(result.worst / result.best).toFixed(2)} times longer than the fastest. ` +
          `This could mean that an intermediate result is being cached.\n` +
          text;
      }
      ctx.print(text + "\n");
    }
    return result;
  },
};
