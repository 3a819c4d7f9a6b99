/**
 * The seed-003 (and seed-002/004 gradient-flow) findings and figures on hand-made measures: each sentence's counts, names and
 * verdicts follow from the numbers given, and the figures carry what they must.
 */
import { cosineFinding, dropFinding, ratioFinding, intermediateFinding, unrollFinding, sharingFinding } from "../../src/studies/iterative-findings";
import { cosineFigure, dropFigure, unrollFigure } from "../../src/analysis/iterative-figures";
import type { AlignmentRow, DropBlockResult } from "../../src/analysis/iterative-inference";
import { depthFinding, odeFinding, decompositionFinding } from "../../src/studies/gradient-flow-findings";

const spread = (mean: number) => ({ mean, std: 0.1, count: 10 });
const block = (name: string, section: number, b: number, transition = false) => ({ name, section, block: b, transition });
const provenance = { dataset: "test digits", model: "hand-made rows", seed: 0, backend: "cpu" };

const alignment: AlignmentRow[] = [
  { ...block("s0.b0", 0, 0), cosine: spread(-0.1), headCosine: null, firstOrder: null, actualChange: null },
  { ...block("s1.b0", 1, 0, true), cosine: null, headCosine: null, firstOrder: null, actualChange: null },
  { ...block("s1.b1", 1, 1), cosine: spread(-0.3), headCosine: spread(-0.2), firstOrder: -0.5, actualChange: -0.4 },
  { ...block("s1.b2", 1, 2), cosine: spread(0.05), headCosine: spread(0.1), firstOrder: 0.2, actualChange: -0.1 },
];

describe("seed 003 findings", () => {
  test("cosines: counts, the most negative block, and eq. 2's sign check", () => {
    const t = cosineFinding(alignment, "net");
    expect(t).toContain("negative in 2 of 3 blocks (mostly as the seed reports");
    expect(t).toContain("most negative at s1.b1 (-0.300)");
    expect(t).toContain("has the sign of the actual change in 1 of 2");
    expect(t).toContain("largest gap is at s1.b2 (predicted 0.200, actual -0.100)");
    expect(cosineFinding(alignment.map((r) => (r.cosine ? { ...r, cosine: spread(0.2) } : r)), "net")).toContain("unlike the seed");
  });

  test("dropped blocks: regular vs down-sampling cost decides the verdict", () => {
    const scores = (accuracy: number) => ({ accuracy, loss: 1, entropy: 1, count: 100 });
    const drop = (down: number): DropBlockResult => ({
      baseline: scores(0.9),
      rows: [{ ...block("s0.b0", 0, 0), ...scores(0.88) }, { ...block("s1.b0", 1, 0, true), ...scores(down) }, { ...block("s1.b1", 1, 1), ...scores(0.86) }],
    });
    const strong = dropFinding(drop(0.3), "net");
    expect(strong).toContain("costs 3.0 points on average (the most: s1.b1, 4.0 points)");
    expect(strong).toContain("a down-sampling block costs 60.0 points");
    expect(strong).toContain("as in the seed here");
    expect(dropFinding(drop(0.87), "net")).toContain("not the contrast the seed reports");
  });

  test("ratios fall within stages; intermediate accuracy rises; unrolling holds; sharing overfits", () => {
    const r = (name: string, section: number, b: number, ratio: number | null) => ({ ...block(name, section, b, ratio === null), ratio });
    expect(ratioFinding([r("s0.b0", 0, 0, 1), r("s0.b1", 0, 1, 0.5), r("s1.b0", 1, 0, null), r("s1.b1", 1, 1, 0.4), r("s1.b2", 1, 2, 0.6)], "net"))
      .toContain("falls from the first to the last block in 1 of 2 stages");
    const pt = (point: string, accuracy: number) => ({ point, section: 1, block: 0, scores: { accuracy, loss: 1, entropy: 1, count: 10 } });
    expect(intermediateFinding([pt("s1.b1.in", 0.5), pt("s1.b2.in", 0.7), pt("s1.b2.out", 0.9)], "net")).toContain("50.0%, rising to 90.0% at the output (monotone");
    expect(intermediateFinding([pt("s1.b1.in", 0.5), pt("s1.b2.in", 0.3), pt("s1.b2.out", 0.9)], "net")).toContain("not monotone");
    const rows = (accs: number[]) => accs.map((accuracy, k) => ({ k, accuracy, loss: 1 + k, entropy: 1 / (k + 1), count: 100 }));
    const u = unrollFinding([{ scale: 1, rows: rows([0.9, 0.5, 0.2]) }, { scale: 0.1, rows: rows([0.9, 0.895, 0.89]) }], "net");
    expect(u).toContain("0 of 2 extra applications at s = 1, 2 of 2 extra applications at s = 0.1");
    expect(u).toContain("as the seed reports");
    const epoch = (trainLoss: number, testLoss: number) => ({ epoch: 3, lr: 0.1, trainLoss, trainAccuracy: 0.9, testLoss, testAccuracy: 0.8, seconds: 1 });
    expect(sharingFinding([epoch(0.1, 0.9)], [epoch(0.3, 0.4)], { shared: "S", unshared: "U" })).toContain("gap is larger — as in the seed");
    expect(sharingFinding([epoch(0.3, 0.4)], [epoch(0.1, 0.9)], { shared: "S", unshared: "U" })).toContain("not the overfitting the seed reports");
  });
});

describe("seed 003 figures", () => {
  test("per-block figures: integer block ticks, down-sampling blocks left out, legend above the plot, provenance", () => {
    const fig = cosineFigure([{ label: "net", rows: alignment }], provenance);
    const trace = fig.data[0] as { x: number[]; text: string[] };
    expect(trace.x).toEqual([1, 3, 4]);
    expect(trace.text).toEqual(["s0.b0", "s1.b1", "s1.b2"]);
    const layout = fig.layout as { xaxis: { tickmode: string; dtick: number }; legend: { y: number }; shapes: Array<{ x0: number }>; annotations: Array<{ text: string }> };
    expect(layout.xaxis.tickmode).toBe("linear");
    expect(Number.isInteger(layout.xaxis.dtick)).toBe(true);
    expect(layout.legend.y).toBeGreaterThanOrEqual(1);
    expect(layout.shapes.map((s) => s.x0)).toEqual([1.5]); // the stage boundary before s1.b0
    expect(layout.annotations.map((a) => a.text).join(" ")).toContain("dataset: test digits");
    const d = dropFigure({ baseline: { accuracy: 0.9, loss: 1, entropy: 1, count: 10 }, rows: [{ ...block("s0.b0", 0, 0), accuracy: 0.8, loss: 1, entropy: 1, count: 10 }] }, "net", provenance);
    expect((d.data[1] as { y: number[] }).y).toEqual([90, 90]);
    const u = unrollFigure([{ scale: 0.5, rows: [{ k: 0, accuracy: 0.9, loss: 1, entropy: 1, count: 1 }, { k: 1, accuracy: 0.8, loss: 2, entropy: 0.5, count: 1 }] }], "net", provenance);
    expect(u.data).toHaveLength(3);
    expect((u.layout as { xaxis: { dtick: number } }).xaxis.dtick).toBe(1);
  });
});


describe("gradient-flow findings", () => {
  const row = (depth: number, residual: boolean, g: number) => ({ depth, residual, firstInputGrad: g, firstWeightGrad: g, lastInputGrad: g, loss: 1 });
  test("vanishing, kept, growing and exploding gradients are told apart", () => {
    expect(depthFinding([row(4, false, 1), row(64, false, 1e-4), row(4, true, 1), row(64, true, 2)], "net")).toContain("identity term keeps it");
    const grows = depthFinding([row(4, false, 1), row(64, false, 1e-4), row(4, true, 1), row(64, true, 1e8)], "net");
    expect(grows).toContain("does not vanish but grows");
    expect(grows).toContain("Exploding (norm > 1e6 or overflow): residual depth 64");
    expect(depthFinding([row(4, false, 1), row(64, false, 0.5), row(4, true, 1), row(64, true, 1)], "net")).toContain("does not vanish over these depths");
  });
  test("the ODE order and the decomposition's medians", () => {
    const fit = (slope: number, lo: number, hi: number) => ({ rows: [{ L: 4, tau: 0.25, error: 1 }, { L: 8, tau: 0.125, error: 0.5 }], fit: { slope, intercept: 0, slopeLow: lo, slopeHigh: hi, points: 2, consistentWithInverseL: false }, T: 1, width: 2, activation: "tanh" });
    expect(odeFinding(fit(1.01, 0.95, 1.05))).toContain("order 1, as a forward-Euler step predicts");
    expect(odeFinding(fit(2, 1.9, 2.1))).toContain("not the first order");
    const d = (ratio: number) => ({ point: "s0.b0.in", section: 0, block: 0, direct: 1, through: ratio, ratio });
    expect(decompositionFinding([d(0.5), d(1)], [d(2), d(3)])).toContain("pre-activation 1.000, post-activation 3.000");
    expect(decompositionFinding([d(0.5), d(1)], [d(2), d(3)])).toContain("as seed 004 argues");
  });
});
