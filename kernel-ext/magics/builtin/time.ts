/**
 * `%time` / `%%time`: CPU and wall time of one run, in IPython's format.
 */
import { formatDuration } from "../../../src/display/format";
import { MagicError, ReportedError, type MagicSpec } from "../types";

/** The timings of one run, in seconds. */
export interface TimeResult {
  user: number;
  sys: number;
  total: number;
  wall: number;
}

/** IPython's two lines: "CPU times: user …, sys: …, total: …" and "Wall time: …". */
export function formatTimeResult(t: TimeResult): string {
  return (
    `CPU times: user ${formatDuration(t.user)}, sys: ${formatDuration(t.sys)}, total: ${formatDuration(t.total)}\n` +
    `Wall time: ${formatDuration(t.wall)}\n`
  );
}

export const timeMagic: MagicSpec = {
  name: "time",
  mode: "both",
  summary: "Time one run of a statement (%time) or of the cell (%%time): CPU user/sys and wall time.",
  takesCode: true,
  async run(call, ctx) {
    if (!call.code.trim()) {
      throw new MagicError(`%${call.isCell ? "%" : ""}time: nothing to time. Write the code after it, e.g. %time await model.fit(x, y)`);
    }
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const ok = await ctx.runCell(call.code);
    const wall = (performance.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const result: TimeResult = { user: cpu.user / 1e6, sys: cpu.system / 1e6, total: (cpu.user + cpu.system) / 1e6, wall };
    ctx.print(formatTimeResult(result));
    if (!ok) throw new ReportedError();
    return result;
  },
};
