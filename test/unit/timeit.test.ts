import { TimeitResult, autoLoops, timeit } from "../../kernel-ext/magics/builtin/timeit";
import { formatTimeResult } from "../../kernel-ext/magics/builtin/time";

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
}

describe("%timeit statistics and format", () => {
  test("mean and population std over runs, IPython's summary line", () => {
    // timings 1, 2, 3 ms: mean 2 ms, population std sqrt(2/3) ms = 0.816 ms
    const r = new TimeitResult(1000, 3, [0.001, 0.002, 0.003]);
    expect(r.average).toBeCloseTo(0.002, 12);
    expect(r.stdev).toBeCloseTo(Math.sqrt(2 / 3) * 1e-3, 12);
    expect(r.toString()).toBe("2 ms ± 816 µs per loop (mean ± std. dev. of 3 runs, 1,000 loops each)");
    expect(new TimeitResult(1, 1, [0.5]).toString()).toBe("500 ms ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)");
  });

  test("loop calibration stops at the first power of ten that takes ≥ 0.2 s", async () => {
    // one call takes ≥ 30 ms: 1 loop < 0.2 s, 10 loops ≥ 0.3 s
    expect(await autoLoops(() => busyWait(30))).toBe(10);
    // one call takes ≥ 250 ms: a single loop is enough
    expect(await autoLoops(() => busyWait(250))).toBe(1);
  });

  test("timeit measures what it runs (async functions are awaited)", async () => {
    const r = await timeit(() => new Promise((res) => setTimeout(res, 20)), 2, 2);
    expect(r.loops).toBe(2);
    expect(r.timings).toHaveLength(2);
    for (const t of r.timings) expect(t).toBeGreaterThanOrEqual(0.019);
  });

  test("%time prints IPython's two lines", () => {
    expect(formatTimeResult({ user: 0.0012, sys: 0, total: 0.0012, wall: 1.5 })).toBe(
      "CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms\nWall time: 1.5 s\n",
    );
  });
});
