/**
 * Figures' axes as JSON: count axes (epochs, L) have whole-number ticks, the training curves'
 * right axis has its own automatic ticks (not synced to the left grid, which printed "0.0932" or
 * "0.3" twice), and legends sit above the plot. The drawn result is checked in Chromium by
 * test/browser/plotly-render.js for every notebook figure.
 */
import { integerAxis, integerLogAxis, secondaryAxis, TOP_LEGEND } from "../../src/display/axes";
import { trainingCurves } from "../../src/train/train";

const ticksOf = (axis: Record<string, unknown>, lo: number, hi: number) => {
  const out: number[] = [];
  for (let t = axis.tick0 as number; t <= hi; t += axis.dtick as number) if (t >= lo) out.push(t);
  return out;
};

test("integer axes: whole-number steps from 1, 2, 5 × 10^k, at most about ten ticks", () => {
  for (const [lo, hi] of [[1, 2], [1, 5], [1, 30], [2, 100], [1, 160]]) {
    const a = integerAxis("epoch", [lo, hi]);
    expect(a).toMatchObject({ tickmode: "linear", tickformat: "d" });
    const ticks = ticksOf(a, lo, hi);
    expect(ticks.every(Number.isInteger)).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(11);
  }
  expect(ticksOf(integerAxis("epoch", [1, 2]), 1, 2)).toEqual([1, 2]); // not 1, 1.2, 1.4 …
  expect(integerAxis("epoch", [1, 160]).dtick).toBe(20);
});

test("integer log axes: 1-2-5 ticks and the ends, all whole numbers", () => {
  expect(integerLogAxis("L", [2, 4, 6, 8, 10, 16, 20, 30, 40, 50, 60, 70, 80, 90, 100]).tickvals).toEqual([2, 5, 10, 20, 50, 100]);
  expect(integerLogAxis("L", [1, 2, 4]).tickvals).toEqual([1, 2, 4]);
  expect(integerLogAxis("L", [3, 37.2]).tickvals).toEqual([3, 5, 10, 20, 37]);
});

test("the training curves: integer epochs, a right axis with its own ticks, the legend above the plot", () => {
  const history = [1, 2].map((epoch) => ({ epoch, lr: 0.1, trainLoss: 1 / epoch, trainAccuracy: 0.5, testLoss: 1.1 / epoch, testAccuracy: 0.69 + 0.02 * epoch, seconds: epoch }));
  const f = trainingCurves(history, { dataset: "d", model: "m", seed: 0 });
  const layout = f.layout as Record<string, Record<string, unknown>>;
  expect(ticksOf(layout.xaxis, 1, 2)).toEqual([1, 2]);
  expect(layout.xaxis.tickformat).toBe("d");
  expect(layout.yaxis2).toMatchObject({ overlaying: "y", side: "right", tickmode: "auto", showgrid: false });
  expect(layout.legend).toEqual(TOP_LEGEND);
  expect((layout.margin as unknown as { t: number }).t).toBeGreaterThanOrEqual(100);
  expect(secondaryAxis("x").tickmode).toBe("auto");
});
