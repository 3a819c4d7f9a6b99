/**
 * Seed 000's measures on blocks with known weights (worked by hand), the hook points of the
 * conv ResNet, and the stopping rule on the seed's own numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildDenseResidual } from "../../src/models/dense-residual";
import { buildPreActResNet } from "../../src/models/preact-resnet";
import { hookPoints, runWithCache, sectionLayout } from "../../src/models/hooks";
import { measurePerturbations } from "../../src/analysis/measure";
import { crossingDepth, empiricalDepth, predictedDepth, robustCeil } from "../../src/analysis/stopping-rule";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Sets every residual branch to F(y) = c·y: kernel c·I, bias 0 (with ReLU and positive inputs). */
function setIdentityScaled(model: tf.LayersModel, c: number): void {
  for (const layer of model.layers.filter((l) => /_dense$/.test(l.name) && l.name !== "head_dense")) {
    const [k, b] = layer.getWeights();
    layer.setWeights([tf.mul(tf.eye(k.shape[0]), c), tf.zerosLike(b)]);
  }
}

describe("perturbation measures, hand-worked", () => {
  test("F(y) = τc·y: scaled perturbation τc per block, absolute τc(1+τc)^l·mean‖x0‖", () => {
    const tau = 0.5, c = 0.2, L = 3; // each block multiplies x by 1.1
    const model = buildDenseResidual({ inputDim: 4, widths: [4], blocksPerSection: L, tau, numClasses: 0 });
    setIdentityScaled(model, c);
    // two images with norms 5 and 13 (positive entries so ReLU is the identity)
    const x = tf.tensor2d([[3, 4, 0, 0], [5, 0, 12, 0]]);
    const m = measurePerturbations(model, [x]);
    const s = m.sections[0];
    const meanNorm = (5 + 13) / 2;
    s.scaled.forEach((v) => expect(v).toBeCloseTo(0.1, 6));
    expect(s.absolute[0]).toBeCloseTo(0.1 * meanNorm, 5); // 0.9
    expect(s.absolute[1]).toBeCloseTo(0.1 * 1.1 * meanNorm, 5); // 0.99
    expect(s.absolute[2]).toBeCloseTo(0.1 * 1.21 * meanNorm, 5); // 1.089
    expect(s.distance).toBeCloseTo(0.9 + 0.99 + 1.089, 5);
    expect(s.scaledDistance).toBeCloseTo(0.3, 6);
    expect(s.meanScaled).toBeCloseTo(0.1, 6);
    expect(m.images).toBe(2);
  });

  test("two sections with a projection, averaged over batches as over one", () => {
    const model = buildDenseResidual({ inputDim: 3, widths: [3, 5], blocksPerSection: 2, tau: 1, numClasses: 0 });
    setIdentityScaled(model, 0.25);
    const proj = model.getLayer("s1_proj");
    proj.setWeights([tf.abs(proj.getWeights()[0])]); // keeps activations positive, so ReLU(c·y) = c·y
    const x = tf.abs(tf.randomNormal([6, 3], 0, 1, "float32", 3));
    const whole = measurePerturbations(model, [x]);
    const split = measurePerturbations(model, [x.slice([0, 0], [2, 3]), x.slice([2, 0], [4, 3])]);
    expect(sectionLayout(model)).toEqual([2, 2]);
    expect(whole.sections).toHaveLength(2);
    for (const sec of whole.sections) sec.scaled.forEach((v) => expect(v).toBeCloseTo(0.25, 5));
    expect(whole.scaledDistance).toBeCloseTo(1.0, 5);
    expect(whole.meanScaled).toBeCloseTo(0.25, 5);
    expect(split.distance).toBeCloseTo(whole.distance, 4);
    expect(split.images).toBe(6);
  });

  test("a plain network (no skip) is not a perturbation: scaled perturbation is |c − 1|-sized", () => {
    // α = 0: x ← c·x, so ‖x(l+1) − x(l)‖/‖x(l)‖ = |c − 1| = 0.75
    const model = buildDenseResidual({ inputDim: 2, widths: [2], blocksPerSection: 2, tau: 1, numClasses: 0, skipScale: 0 });
    setIdentityScaled(model, 0.25);
    const m = measurePerturbations(model, [tf.tensor2d([[1, 2]])]);
    m.sections[0].scaled.forEach((v) => expect(v).toBeCloseTo(0.75, 5));
  });
});

describe("hook points of the pre-activation ResNet", () => {
  test("every block boundary is named and a block's output is the next block's input", () => {
    const model = buildPreActResNet({ inputShape: [8, 8, 1], blocksPerSection: 2, widths: [2, 4, 8] });
    const names = hookPoints(model).map((p) => p.name);
    expect(names).toEqual(["s0.b0.in", "s0.b0.out", "s0.b1.in", "s0.b1.out", "s1.b0.in", "s1.b0.out", "s1.b1.in", "s1.b1.out", "s2.b0.in", "s2.b0.out", "s2.b1.in", "s2.b1.out"]);
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, "float32", 1);
    const cache = runWithCache(model, x);
    expect(cache.activations.get("s0.b0.in")!.shape).toEqual([3, 8, 8, 2]);
    expect(cache.activations.get("s1.b0.in")!.shape).toEqual([3, 4, 4, 4]);
    expect(cache.activations.get("s2.b1.out")!.shape).toEqual([3, 2, 2, 8]);
    expect(cache.activations.get("s0.b0.out")!.arraySync()).toEqual(cache.activations.get("s0.b1.in")!.arraySync());
    // the cached output is the model's own prediction
    const direct = model.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(direct, cache.output))).dataSync()[0]).toBeLessThan(1e-6);
    cache.dispose();
    expect(() => runWithCache(model, x, { names: ["s3.b0.in"] })).toThrow(/unknown hook point\(s\) s3\.b0\.in; this model has s0\.b0\.in … s2\.b1\.out/);
  });
});

describe("stopping rule", () => {
  test("the seed's numbers: ceil(d_scaled / 0.1)", () => {
    // MNIST d_scaled = 4.11, 3.12, 4.58 and CIFAR-10 3.69, 3.81, 4.27 (§3.5.1; the text swaps the lists)
    expect([4.11, 3.12, 4.58].map((d) => predictedDepth(d, 0.1))).toEqual([42, 32, 46]);
    expect([3.69, 3.81, 4.27].map((d) => predictedDepth(d, 0.1))).toEqual([37, 39, 43]);
  });

  test("a quotient a hair above an integer does not add a block", () => {
    expect(0.07 / 0.01).toBeGreaterThan(7); // 7.000000000000001 in floating point
    expect(predictedDepth(0.07, 0.01)).toBe(7);
    expect(0.14 / 0.01).toBeGreaterThan(14);
    expect(predictedDepth(0.14, 0.01)).toBe(14);
    expect(predictedDepth(0.7, 0.1)).toBe(7);
    expect(robustCeil(41.1)).toBe(42);
    expect(robustCeil(41.0000001)).toBe(42);
    expect(() => predictedDepth(1, 0)).toThrow(/ε must be a positive number/);
  });

  test("empirical depth: the smallest L whose mean scaled perturbation is below ε, per section", () => {
    const sweep = [
      { L: 8, meanScaled: [0.3, 0.12, 0.5] },
      { L: 2, meanScaled: [0.9, 0.6, 1.1] },
      { L: 32, meanScaled: [0.09, 0.05, 0.2] },
      { L: 16, meanScaled: [0.15, 0.08, 0.3] },
    ];
    expect(empiricalDepth(sweep, 0.1)).toEqual([32, 16, undefined]);
  });

  test("the crossing of ε interpolated on log-log axes: exact for a power law, bracketed by the swept depths", () => {
    // section 1: m = 2.2/L crosses 0.1 at L = 22; section 2: m = 5/L² crosses at √50; section 3 never
    const sweep = [2, 4, 8, 16, 32].map((L) => ({ L, meanScaled: [2.2 / L, 5 / L ** 2, 0.5] }));
    const [a, b, c] = crossingDepth(sweep, 0.1);
    expect(a).toMatchObject({ above: 16, below: 32 });
    expect(a!.L).toBeCloseTo(22, 10);
    expect(b).toMatchObject({ above: 4, below: 8 });
    expect(b!.L).toBeCloseTo(Math.sqrt(50), 10);
    expect(c).toBeUndefined();
    expect(crossingDepth([{ L: 8, meanScaled: [0.05] }, { L: 16, meanScaled: [0.02] }], 0.1)).toEqual([{ below: 8 }]); // not bracketed
  });
});

describe("conv ResNet families and options", () => {
  test("ResNet-20 (post-activation BasicBlocks): 6n+2 weighted layers, hook points, down-sampling blocks left out of the measures", async () => {
    const { buildBasicResNet, blocksForDepth } = await import("../../src/models/basic-resnet");
    expect(blocksForDepth(20)).toBe(3);
    expect(blocksForDepth(110)).toBe(18);
    expect(() => blocksForDepth(21)).toThrow(/6n\+2 layers/);
    const model = buildBasicResNet({ inputShape: [16, 16, 3], blocksPerStage: 3, widths: [4, 8, 16] });
    const weighted = model.layers.filter((l) => (l.getClassName() === "Conv2D" && !l.name.endsWith("_proj")) || l.getClassName() === "Dense");
    expect(weighted).toHaveLength(20);
    expect(hookPoints(model)).toHaveLength(18);
    expect(hookPoints(model).filter((p) => p.transition).map((p) => p.name)).toEqual(["s1.b0.in", "s1.b0.out", "s2.b0.in", "s2.b0.out"]);
    expect(sectionLayout(model)).toEqual([3, 2, 2]);
    const m = measurePerturbations(model, [tf.randomNormal([4, 16, 16, 3], 0, 1, "float32", 2)]);
    expect(m.sections.map((s) => s.scaled.length)).toEqual([3, 2, 2]);
    m.sections.forEach((s) => s.scaled.forEach((v) => expect(v).toBeGreaterThan(0)));
  });

  test("pre-act options: α = 0 removes the skip path, shared weights do not grow with L", () => {
    const shared = (L: number) => buildPreActResNet({ inputShape: [8, 8, 1], blocksPerSection: L, widths: [2, 4, 8], shareWeights: true });
    expect(shared(4).countParams()).toBe(shared(1).countParams());
    expect(buildPreActResNet({ inputShape: [8, 8, 1], blocksPerSection: 4, widths: [2, 4, 8] }).countParams()).toBeGreaterThan(shared(4).countParams());
    // with α = 0 a block's output is its branch alone: the input is not added back
    const plain = buildPreActResNet({ inputShape: [8, 8, 1], blocksPerSection: 1, widths: [2, 4, 8], skipScale: 0 });
    for (const l of plain.layers.filter((x) => x.name === "s0b0_conv2")) l.setWeights(l.getWeights().map((w) => tf.zerosLike(w)));
    const cache = runWithCache(plain, tf.randomNormal([2, 8, 8, 1], 0, 1, "float32", 4), { names: ["s0.b0.in", "s0.b0.out"] });
    expect(tf.max(tf.abs(cache.activations.get("s0.b0.out")!)).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(cache.activations.get("s0.b0.in")!)).dataSync()[0]).toBeGreaterThan(0);
    cache.dispose();
  });
});
