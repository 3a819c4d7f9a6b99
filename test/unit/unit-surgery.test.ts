/**
 * Seed-001 §3.4 surgery: skip scaling checked against the unit recomputed by hand from the
 * original model's layers, its Jacobian against D(α·S + J_R) from the original's pieces, the
 * plateau of the spectrum at α; interpolated kernels θ̂(t) = tθ + (1 − t)η checked weight by weight.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { basicResNetConfig, buildBasicResNet } from "../../src/models/basic-resnet";
import { buildDenseResidual } from "../../src/models/dense-residual";
import { runWithCache } from "../../src/models/hooks";
import { jacobianBetween, unitJacobian } from "../../src/analysis/linearize";
import { fullSpectrum } from "../../src/analysis/spectrum";
import { withInterpolatedWeights, withSkipScale } from "../../src/models/unit-surgery";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Gives every BatchNorm non-trivial statistics and affine parameters, so BN is not the identity. */
function randomiseBatchNorm(model: tf.LayersModel): void {
  let seed = 100;
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const maxOf = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
const snapshot = (model: tf.LayersModel) => new Map(model.layers.map((l) => [l.name, l.getWeights().map((w) => Array.from(w.dataSync()))]));

/** Runs one layer of `model` eagerly in inference mode. */
const run = (model: tf.LayersModel, name: string, x: tf.Tensor) => model.getLayer(name).apply(x, { training: false }) as tf.Tensor;
/** The residual branch R(x) = BN2(conv2(ReLU(BN1(conv1 x)))) of unit `p`, layer by layer. */
const branch = (model: tf.LayersModel, p: string, x: tf.Tensor) => ["_conv1", "_bn1", "_relu1", "_conv2", "_bn2"].reduce((t, s) => run(model, p + s, t), x);
const hasProjection = (model: tf.LayersModel, p: string) => model.layers.some((l) => l.name === `${p}_proj`);
/** The shortcut before α: x, or BN(conv1×1 x) in a down-sampling unit. */
const shortcut = (model: tf.LayersModel, p: string, x: tf.Tensor) => (hasProjection(model, p) ? run(model, `${p}_proj_bn`, run(model, `${p}_proj`, x)) : x);

const UNITS = ["s0.b0", "s0.b1", "s1.b0", "s1.b1", "s2.b0", "s2.b1"];

describe("basicResNetConfig", () => {
  test("returns a copy of the configuration the model was built from", () => {
    const cfg = { inputShape: [6, 6, 3] as [number, number, number], blocksPerStage: 1, widths: [2, 3, 4], seed: 2, activation: "tanh" as const };
    const model = buildBasicResNet(cfg);
    expect(basicResNetConfig(model)).toEqual(cfg);
    basicResNetConfig(model).widths!.push(8);
    cfg.widths.push(9);
    expect(basicResNetConfig(model).widths).toEqual([2, 3, 4]);
    model.dispose();
  });

  test("models from elsewhere and unknown activations are clear errors", () => {
    const dense = buildDenseResidual({ inputDim: 4, widths: [4], blocksPerSection: 2 });
    expect(() => basicResNetConfig(dense)).toThrow(/model "dense_residual_L2" was not built by buildBasicResNet/);
    const cfg = { inputShape: [6, 6, 3], blocksPerStage: 1, activation: "gelu" } as unknown as Parameters<typeof buildBasicResNet>[0];
    expect(() => buildBasicResNet(cfg)).toThrow(/activation "gelu" is not supported by buildBasicResNet: use one of relu, softplus, tanh/);
  });
});

describe("withSkipScale", () => {
  const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3 });
  randomiseBatchNorm(model);
  const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5);

  test("α = 1 gives the same predictions; the copy records its α", () => {
    const copy = withSkipScale(model, 1);
    expect(copy).not.toBe(model);
    expect(maxAbs(copy.predict(images) as tf.Tensor, model.predict(images) as tf.Tensor)).toBe(0);
    const quarter = withSkipScale(model, 0.25);
    expect(basicResNetConfig(quarter).skipScale).toBe(0.25);
    [copy, quarter].forEach((m) => m.dispose());
  });

  test("α = 0.5: every unit outputs ReLU(0.5·shortcut(x) + R(x)), recomputed from the original model's layers", () => {
    const scaled = withSkipScale(model, 0.5);
    const cache = runWithCache(scaled, images);
    for (const unit of UNITS) {
      const p = unit.replace(".", "");
      const x = cache.activations.get(`${unit}.in`)!;
      const expected = tf.tidy(() => tf.relu(tf.add(tf.mul(shortcut(model, p, x), 0.5), branch(model, p, x))));
      expect(maxAbs(cache.activations.get(`${unit}.out`)!, expected) / maxOf(expected)).toBeLessThan(1e-6);
      expected.dispose();
    }
    // and it is not the original network
    expect(maxAbs(scaled.predict(images) as tf.Tensor, model.predict(images) as tf.Tensor)).toBeGreaterThan(1e-3);
    cache.dispose();
    scaled.dispose();
  });

  test.each([0, 0.5, 2])("α = %s: the unit Jacobian is D(α·S + J_R), with S and J_R from the original model", (alpha) => {
    const scaled = withSkipScale(model, alpha);
    const image = images.slice([0], [1]);
    for (const unit of ["s0.b1", "s1.b0"]) {
      const p = unit.replace(".", "");
      const J = unitJacobian(scaled, unit, image);
      const cache = runWithCache(scaled, image, { names: [`${unit}.in`] });
      const x = cache.activations.get(`${unit}.in`)!;
      const from = model.getLayer(`${p}_in`).output as tf.SymbolicTensor;
      const JR = jacobianBetween(model, from, model.getLayer(`${p}_bn2`).output as tf.SymbolicTensor, x);
      const S = hasProjection(model, p) ? jacobianBetween(model, from, model.getLayer(`${p}_proj_bn`).output as tf.SymbolicTensor, x) : undefined;
      const v = tf.randomNormal([3, ...J.inShape], 0, 1, "float32", 9);
      const [got, expected] = tf.tidy(() => {
        const D = tf.cast(tf.greater(tf.add(tf.mul(shortcut(model, p, x), alpha), branch(model, p, x)), 0), "float32");
        return [J.jvp(v), tf.mul(D, tf.add(tf.mul(S ? S.jvp(v) : v, alpha), JR.jvp(v)))];
      });
      expect(maxAbs(got, expected) / maxOf(expected)).toBeLessThan(1e-5);
      tf.dispose([got, expected, v]);
      [J, JR, S].forEach((op) => op?.dispose());
      cache.dispose();
    }
    image.dispose();
    scaled.dispose();
  });

  test("the plateau moves to α (Fig. 5, left): with R constant, the singular values are α on the active outputs and 0 elsewhere", () => {
    const tiny = buildBasicResNet({ inputShape: [6, 6, 3], blocksPerStage: 2, widths: [3, 4, 4], seed: 11 });
    randomiseBatchNorm(tiny);
    const bn2 = tiny.getLayer("s0b1_bn2");
    bn2.setWeights(bn2.getWeights().map((w, i) => (i === 0 ? tf.zerosLike(w) : w))); // γ = 0: R(x) = β, J_R = 0
    const image = tf.randomNormal([1, 6, 6, 3], 0, 1, "float32", 12);
    for (const alpha of [0.5, 2]) {
      const scaled = withSkipScale(tiny, alpha);
      const cache = runWithCache(scaled, image, { names: ["s0.b1.out"] });
      const active = tf.tidy(() => tf.sum(tf.cast(tf.greater(cache.activations.get("s0.b1.out")!, 0), "int32")).dataSync()[0]);
      const J = unitJacobian(scaled, "s0.b1", image);
      const sv = fullSpectrum(J);
      expect(active).toBeGreaterThan(0);
      expect(active).toBeLessThan(sv.length);
      sv.forEach((s, i) => expect(s).toBeCloseTo(i < active ? alpha : 0, 5));
      J.dispose();
      cache.dispose();
      scaled.dispose();
    }
  });

  test("bad α and models it cannot rebuild are clear errors", () => {
    expect(() => withSkipScale(model, NaN)).toThrow(/skip scale α must be a finite number/);
    const dense = buildDenseResidual({ inputDim: 4, widths: [4], blocksPerSection: 2 });
    expect(() => withSkipScale(dense, 0.5)).toThrow(/was not built by buildBasicResNet.*copy the weights in/);
  });
});

describe("withInterpolatedWeights (seed eq. 3)", () => {
  const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3 });
  randomiseBatchNorm(model);
  const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5);
  const kernel = (m: tf.LayersModel, name: string) => m.getLayer(name).getWeights()[0];
  const norm = (t: tf.Tensor) => tf.tidy(() => tf.norm(t).dataSync()[0]);

  test("t = 1 is the original network", () => {
    const copy = withInterpolatedWeights(model, "s1.b1", 1, { seed: 4 });
    expect(maxAbs(copy.predict(images) as tf.Tensor, model.predict(images) as tf.Tensor)).toBe(0);
    copy.dispose();
  });

  test.each(["s1.b1", "s2.b0"])("%s: t = 0 is noise of θ's norm, t = 0.5 the midpoint; nothing else changes, the original is untouched", (unit) => {
    const p = unit.replace(".", "");
    const before = snapshot(model);
    const pure = withInterpolatedWeights(model, unit, 0, { seed: 4 });
    const half = withInterpolatedWeights(model, unit, 0.5, { seed: 4 });
    const convs = [`${p}_conv1`, `${p}_conv2`];
    for (const name of convs) {
      const theta = kernel(model, name), eta = kernel(pure, name);
      expect(Math.abs(norm(eta) / norm(theta) - 1)).toBeLessThan(1e-4);
      expect(maxAbs(eta, theta)).toBeGreaterThan(0.1 * maxOf(theta));
      const mid = tf.tidy(() => tf.add(tf.mul(theta, 0.5), tf.mul(eta, 0.5)));
      expect(maxAbs(kernel(half, name), mid)).toBeLessThan(1e-6 * maxOf(theta));
      mid.dispose();
    }
    // conv1's and conv2's noise are separate draws (same shape in a regular unit, different directions)
    if (unit === "s1.b1") {
      const [e1, e2] = convs.map((name) => tf.tidy(() => tf.div(kernel(pure, name), tf.norm(kernel(pure, name)))));
      expect(maxAbs(e1, e2)).toBeGreaterThan(0.1 * maxOf(e1));
      tf.dispose([e1, e2]);
    }
    for (const copy of [pure, half]) {
      const after = snapshot(copy);
      for (const [name, weights] of before) if (!convs.includes(name)) expect(after.get(name)).toEqual(weights);
    }
    expect(snapshot(model)).toEqual(before);
    expect(maxAbs(pure.predict(images) as tf.Tensor, model.predict(images) as tf.Tensor)).toBeGreaterThan(1e-3);
    pure.dispose();
    half.dispose();
  });

  test("the seed fixes η: same seed, same kernel; another seed, another kernel", () => {
    const [a, b, c] = [4, 4, 5].map((seed) => withInterpolatedWeights(model, "s0.b1", 0.3, { seed }));
    expect(maxAbs(kernel(a, "s0b1_conv1"), kernel(b, "s0b1_conv1"))).toBe(0);
    expect(maxAbs(kernel(a, "s0b1_conv1"), kernel(c, "s0b1_conv1"))).toBeGreaterThan(0);
    [a, b, c].forEach((m) => m.dispose());
  });

  test("no tensors leak: disposing the copy frees everything it made", () => {
    const before = tf.memory().numTensors;
    withInterpolatedWeights(model, "s0.b0", 0.5).dispose();
    withSkipScale(model, 0.5).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test("bad t and unknown units are clear errors", () => {
    expect(() => withInterpolatedWeights(model, "s0.b1", 1.5)).toThrow(/t = 1\.5 is outside \[0, 1\]/);
    expect(() => withInterpolatedWeights(model, "s0.b1", NaN)).toThrow(/t = NaN is outside/);
    expect(() => withInterpolatedWeights(model, "s1", 0.5)).toThrow(/"s1" is not a residual unit: name one as s\{stage\}\.b\{block\}/);
    expect(() => withInterpolatedWeights(model, "s3.b0", 0.5)).toThrow(/unknown residual unit "s3\.b0": this model has s0\.b0 … s2\.b1/);
  });
});
