/**
 * Log-log fits (hand-worked) and the study figures / stopping-rule table built from sweep records.
 */
import { fitPowerLaw } from "../../src/analysis/loglog";
import { distanceFigure, meanPerturbationFigure, perturbationCurvesFigure, stoppingRuleRows, sweepProvenance, testErrorFigure } from "../../src/analysis/figures";
import { networkMeasures, sectionMeasures } from "../../src/analysis/perturbation";
import { PLOTLY_MIME, JUPYTER_DISPLAY } from "../../src/display";
import type { RunRecord } from "../../src/train/sweep";

test("a power law is recovered exactly", () => {
  const L = [2, 4, 8, 16];
  const f = fitPowerLaw(L, L.map((l) => 3 / l));
  expect(f.slope).toBeCloseTo(-1, 12);
  expect(Math.exp(f.intercept)).toBeCloseTo(3, 10);
  expect(f.slopeHigh - f.slopeLow).toBeLessThan(1e-6);
  expect(f.consistentWithInverseL).toBe(true);
});

test("slope and 95% interval, worked by hand (t₀.₉₇₅ with 1 dof = 12.706)", () => {
  // log L = 0, 1, 2; log y = 0, −1, −1.5 → slope −0.75, SE = √(0.041667/2) = 0.14434
  const f = fitPowerLaw([1, Math.E, Math.E ** 2], [1, Math.exp(-1), Math.exp(-1.5)]);
  expect(f.slope).toBeCloseTo(-0.75, 10);
  expect(f.slopeLow).toBeCloseTo(-0.75 - 12.7062 * 0.144338, 3);
  expect(f.slopeHigh).toBeCloseTo(-0.75 + 12.7062 * 0.144338, 3);
  expect(() => fitPowerLaw([2], [1])).toThrow(/at least 2 points/);
});

/** A run whose every block in every section has scaled perturbation c/L and absolute 2c/L. */
function fakeRun(L: number, seed: number, c: number, err: number): RunRecord {
  const sections = [0, 1, 2].map((s) => sectionMeasures(s, Array(L).fill((2 * c) / L), Array(L).fill(c / L)));
  return {
    L, seed, dataset: "mnist-embedded", backend: "wasm", config: { epochs: 2, batchSize: 64, lr: 0.1 }, history: [],
    testError: err, measures: networkMeasures(sections, 100), finishedAt: "",
  };
}

const runs = [2, 4, 8].flatMap((L) => [fakeRun(L, 0, 4.11, 0.1), fakeRun(L, 1, 4.11, 0.2)]);
const prov = sweepProvenance(runs, "pre-act ResNet");

test("provenance names dataset, depths, seeds, epochs and backend", () => {
  expect(prov).toMatchObject({ dataset: "mnist-embedded", seed: [0, 1], epochs: 2, backend: "wasm" });
  expect(prov.model).toBe("pre-act ResNet, L ∈ {2, 4, 8}");
});

test("figures carry the sweep's means", () => {
  const f1 = testErrorFigure(runs, prov)[JUPYTER_DISPLAY]()[PLOTLY_MIME] as { data: Array<{ y: number[] }> };
  f1.data[0].y.forEach((v) => expect(v).toBeCloseTo(0.15, 12));
  const f5 = perturbationCurvesFigure(runs, prov, true).data;
  expect(f5).toHaveLength(9); // 3 depths × 3 sections
  expect((f5[3] as { y: number[] }).y).toEqual(Array(4).fill(4.11 / 4));
  const f6 = distanceFigure(runs, prov, true).data as Array<{ y: number[] }>;
  f6[0].y.forEach((v) => expect(v).toBeCloseTo(4.11, 10)); // d_scaled = L · c/L
  f6[3].y.forEach((v) => expect(v).toBeCloseTo(3 * 4.11, 10));
  const f7 = meanPerturbationFigure(runs, prov, true).data as Array<{ name: string }>;
  expect(f7[0].name).toMatch(/^section 1: slope -1\.00 \[-1\.00, -1\.00\]$/);
});

test("stopping-rule table: the seed's MNIST section 1 (d_scaled 4.11 → 42)", () => {
  const rows = stoppingRuleRows(runs, 0.1);
  expect(rows[0]).toMatchObject({ section: 1, from_L: 8, predicted_L: 42, empirical_L: null });
  expect(rows[0].d_scaled).toBeCloseTo(4.11, 10);
  expect(stoppingRuleRows(runs, 1)[0].empirical_L).toBe(8); // mean scaled 4.11/8 < 1, 4.11/4 > 1
});
