/**
 * The stability study end to end on a tiny network (wasm backend): training is stored and
 * resumed, every figure's data has the seed's shape, nothing leaks; the spectrum dispatcher and
 * the findings' sentences against hand-made inputs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { unitJacobian } from "../../src/analysis/linearize";
import { fullSpectrum } from "../../src/analysis/spectrum";
import { screeCurve, unitSpectrum } from "../../src/analysis/unit-spectrum";
import { proportionsFigure, propagationFigure, screeFigure } from "../../src/analysis/stability-figures";
import {
  QUICK_STABILITY, alignmentStudy, interpolationStudy, prepareStability, propagationStudy, screeStudy, skipScaleStudy, unitProportionsStudy, type StabilityParams,
} from "../../src/studies/stability-study";
import { fgsmJumpFinding, plateauFinding, stageTrendFinding } from "../../src/studies/stability-findings";
import type { UnitSpectrum } from "../../src/analysis/unit-spectrum";

beforeAll(() => selectBackend({ prefer: "wasm", strict: true }));

describe("unitSpectrum", () => {
  const model = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 2, widths: [3, 4, 4], seed: 2 });
  const image = tf.randomNormal([1, 8, 8, 2], 0, 1, "float32", 3);

  test("dense up to denseLimit, Lanczos + SLQ above it; both give the seed's four proportions", () => {
    const J = unitJacobian(model, "s0.b1", image); // 8·8·3 = 192 dimensions
    const dense = unitSpectrum(J, { denseLimit: 200 });
    const big = unitSpectrum(J, { denseLimit: 100, k: 5, probes: 12, steps: 60 });
    expect(dense.method).toBe("dense");
    expect(dense.values).toEqual(fullSpectrum(J));
    expect(big.method).toBe("topk+density");
    big.top!.forEach((s, i) => expect(Math.abs(s - dense.values![i]) / dense.values![0]).toBeLessThan(1e-4));
    for (const s of [dense, big]) expect(s.proportions!.reduce((a, p) => a + p.estimate, 0)).toBeCloseTo(1, 6);
    dense.proportions!.forEach((p, i) => expect(Math.abs(p.estimate - big.proportions![i].estimate)).toBeLessThan(Math.max(3 * big.proportions![i].stdError, 0.03)));
    J.dispose();
  });

  test("scree curves: the dense values as they are; for SLQ the exact head, then a non-increasing tail over n", () => {
    const J = unitJacobian(model, "s0.b1", image);
    const d = screeCurve(unitSpectrum(J, { method: "dense" }));
    expect(d.index).toEqual(Array.from({ length: 192 }, (_, i) => i + 1));
    const s = unitSpectrum(J, { method: "auto", denseLimit: 10, k: 4 });
    const c = screeCurve(s, 50);
    expect(c.sigma.slice(0, 4)).toEqual(s.top);
    for (let i = 1; i < c.sigma.length; i++) expect(c.sigma[i]).toBeLessThanOrEqual(c.sigma[i - 1] + 1e-9);
    expect(c.index.at(-1)).toBe(192);
    J.dispose();
  });
});

describe("findings", () => {
  const spec = (above: number, one: number, zero: number): UnitSpectrum => ({
    n: 100, m: 100, method: "dense", products: 0, seconds: 0,
    proportions: [above, one, 1 - above - one - zero, zero].map((estimate, i) => ({ label: `b${i}`, min: 0, max: 1, estimate, stdError: 0, lower: estimate, upper: estimate, quadratureChange: 0 })),
  });

  test("the plateau sentence reads the [0.99, 1.01] share of regular units only", () => {
    const rows = [
      { unit: "s0.b0", stage: 0, spectrum: spec(0.3, 0.0, 0.1) }, // down-sampling: left out
      { unit: "s0.b1", stage: 0, spectrum: spec(0.3, 0.4, 0.1) },
      { unit: "s0.b2", stage: 0, spectrum: spec(0.2, 0.6, 0.1) },
    ];
    expect(plateauFinding(rows)).toMatch(/stage 1 50% \(mean 50%\): as in the seed/);
    expect(plateauFinding(rows.map((r) => ({ ...r, spectrum: spec(0.3, 0.02, 0.1) })))).toMatch(/unlike the seed, there is no clear plateau/);
  });

  test("stage trends are compared direction by direction with the seed", () => {
    // one stage (so it is the last): seed says >1.01 down, ≈1 down, ≈0 up in the last stage
    const rows = [
      { unit: "s0.b1", stage: 0, spectrum: spec(0.3, 0.5, 0.1) },
      { unit: "s0.b2", stage: 0, spectrum: spec(0.2, 0.3, 0.3) },
    ];
    expect(stageTrendFinding(rows)).toMatch(/3 of 3 directions match/);
  });

  test("the FGSM jump: ratios from the last stage's first unit to the last, medians over images", () => {
    const units = ["input", "s0.b0", "s1.b0", "s1.b1", "s1.b2"];
    const random = { points: units, units, values: [[1, 1, 1, 0.9, 0.8], [1, 1, 2, 1.8, 1.6]] };
    const adversarial = { points: units, units, values: [[1, 1, 1, 1.5, 3], [1, 1, 1, 2, 4]] };
    const text = fgsmJumpFinding(random, adversarial);
    expect(text).toContain("(s1.b0 → s1.b2)");
    expect(text).toContain("×3.50 for FGSM and ×0.80 for random"); // medians of (3, 4) and (0.8, 0.8)
    expect(text).toMatch(/As in the seed/);
  });
});

describe("the study on a tiny ResNet-8", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-stability-"));
  const P: StabilityParams = {
    ...QUICK_STABILITY, trainN: 300, testN: 100, depth: 8, widths: [2, 4, 4], epochs: 1, images: 2, perturbImages: 3,
    spectrum: { denseLimit: 100, k: 4, probes: 4, steps: 12 }, alignK: 4, skipScales: [0.5, 1], interpolation: [0, 1], resultsDir: dir,
  };

  test("trains once, then resumes from the stored run; every figure's data has the seed's shape; no tensor leaks", async () => {
    const ctx = await prepareStability(P);
    const finished = ctx.run.finishedAt;
    expect(ctx.stages).toEqual([["s0.b0"], ["s1.b0"], ["s2.b0"]]);
    expect(ctx.images.shape).toEqual([3, 14, 14, 1]);
    const again = await prepareStability(P);
    expect(again.run.finishedAt).toBe(finished); // loaded, not retrained
    expect(again.model.getWeights().map((w) => w.dataSync()[0])).toEqual(ctx.model.getWeights().map((w) => w.dataSync()[0]));
    again.dispose();

    const before = tf.memory().numTensors;
    const scree = screeStudy(ctx);
    expect(scree.map((r) => `${r.kind}:${r.unit}`)).toEqual([
      "unit:s0.b0", "first unit:s0.b0", "stage:s0", "unit:s1.b0", "first unit:s1.b0", "stage:s1", "unit:s2.b0", "first unit:s2.b0", "stage:s2",
    ]);
    scree.forEach((r) => expect(r.spectra).toHaveLength(2));
    const units = unitProportionsStudy(ctx);
    expect(units.map((u) => u.unit)).toEqual(["s0.b0", "s1.b0", "s2.b0"]);
    const skip = skipScaleStudy(ctx, "s1.b0");
    const interp = interpolationStudy(ctx, "s1.b0");
    expect(skip.map((s) => s.alpha)).toEqual([0.5, 1]);
    expect(interp.map((s) => s.t)).toEqual([0, 1]);
    // t = 1 is the trained unit itself
    expect(interp[1].spectrum.values ?? interp[1].spectrum.top).toEqual(units[1].spectrum.values ?? units[1].spectrum.top);
    const prop = propagationStudy(ctx);
    expect(prop.adversarial.units).toEqual(["input", "s0.b0", "s1.b0", "s2.b0"]);
    expect(prop.random.values).toHaveLength(3);
    prop.random.values[0].forEach((v) => expect(v).toBeGreaterThan(0));
    const align = alignmentStudy(ctx, prop.deltas, { units: ["s1.b0"] });
    expect(align.adversarial[0].alpha).toHaveLength(4);
    tf.dispose([prop.deltas.adversarial, prop.deltas.random]);
    expect(tf.memory().numTensors).toBe(before);

    const prov = ctx.provenance("test");
    expect(screeFigure(scree, prov).data).toHaveLength(9 * 2);
    expect(proportionsFigure(units, prov).data).toHaveLength(3 * 4);
    expect(propagationFigure(prop.random, prop.adversarial, prov).data).toHaveLength(2 * 3);
    expect(String(prov.dataset)).toMatch(/14×14×1/);
    ctx.dispose();
  });
});
