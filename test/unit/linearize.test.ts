/**
 * J·v by exact linearisation against Jᵀ·u by reverse mode (adjoint identity), against finite
 * differences, and the seed-001 Taylor test with a smooth activation.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { buildDenseResidual } from "../../src/models/dense-residual";
import { jacobianBetween, unitJacobian } from "../../src/analysis/linearize";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Gives every BatchNorm non-trivial statistics and affine parameters, so BN is not the identity. */
function randomiseBatchNorm(model: tf.LayersModel): void {
  let seed = 100;
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b), Array.from({ length: a.rank - 1 }, (_, i) => i + 1)).arraySync() as number[];

describe("residual-unit Jacobians of a post-activation ResNet", () => {
  const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3 });
  randomiseBatchNorm(model);
  const image = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 5);

  test.each(["s0.b1", "s1.b0", "s2"])("Jᵀ·u by the transposed linearisation equals reverse mode for %s", (unit) => {
    const J = unitJacobian(model, unit, image);
    const R = unitJacobian(model, unit, image, { transpose: "reverse" });
    const u = tf.randomNormal([4, ...J.outShape], 0, 1, "float32", 11);
    const a = J.vjp(u), b = R.vjp(u);
    expect(tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(b).dataSync()[0]).toBeLessThan(1e-5);
    J.dispose();
    R.dispose();
  });

  test.each([
    ["s0.b1", "linearised"], ["s1.b0", "linearised"], ["s2", "linearised"], ["s0.b1", "reverse"], ["s1.b0", "reverse"], ["s2", "reverse"],
  ] as const)("adjoint identity ⟨Jv, u⟩ = ⟨v, Jᵀu⟩ for %s (Jᵀ %s), batched over 5 vectors", (unit, transpose) => {
    const J = unitJacobian(model, unit, image, { transpose });
    const v = tf.randomNormal([5, ...J.inShape], 0, 1, "float32", 7);
    const u = tf.randomNormal([5, ...J.outShape], 0, 1, "float32", 8);
    const lhs = dot(J.jvp(v), u);
    const rhs = dot(v, J.vjp(u));
    lhs.forEach((a, i) => expect(Math.abs(a - rhs[i]) / Math.max(Math.abs(rhs[i]), 1e-3)).toBeLessThan(1e-5));
    J.dispose();
  });

  test("J·v agrees with a finite difference of the unit (softplus: no kinks for the step to cross)", () => {
    const smooth = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3, activation: "softplus" });
    smooth.setWeights(model.getWeights());
    const J = unitJacobian(smooth, "s0.b1", image);
    const v = tf.randomNormal([1, ...J.inShape], 0, 1, "float32", 9);
    const x0 = tf.tidy(() => J.value); // R(x)
    // R(x + εv) through the same unit: J is linear in v, so compare at a small step
    const eps = 1e-3;
    const from = smooth.getLayer("s0b1_in").output as tf.SymbolicTensor;
    const to = smooth.getLayer("s0b1_out").output as tf.SymbolicTensor;
    const xin = tf.tidy(() => {
      const probe = tf.model({ inputs: smooth.inputs, outputs: from });
      return probe.predict(image) as tf.Tensor;
    });
    const K = jacobianBetween(smooth, from, to, tf.add(xin, tf.mul(v, eps)));
    const fd = tf.div(tf.sub(K.value, x0), eps);
    const jv = J.jvp(v);
    const rel = tf.norm(tf.sub(fd, jv)).dataSync()[0] / tf.norm(jv).dataSync()[0];
    expect(rel).toBeLessThan(1e-2);
    J.dispose();
    K.dispose();
  });

  test("the whole network up to the logits (GAP and dense included): transposed linearisation = reverse mode, and the adjoint identity", () => {
    const from = model.inputs[0], to = model.outputs[0];
    const J = jacobianBetween(model, from, to, image);
    const R = jacobianBetween(model, from, to, image, { transpose: "reverse" });
    expect(J.outShape).toEqual([10]);
    const u = tf.randomNormal([3, 10], 0, 1, "float32", 12);
    const v = tf.randomNormal([3, 8, 8, 3], 0, 1, "float32", 13);
    const a = J.vjp(u), b = R.vjp(u);
    expect(tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(b).dataSync()[0]).toBeLessThan(1e-5);
    const lhs = dot(J.jvp(v), u), rhs = dot(v, a);
    lhs.forEach((x, i) => expect(Math.abs(x - rhs[i]) / Math.max(Math.abs(rhs[i]), 1e-3)).toBeLessThan(1e-5));
    J.dispose();
    R.dispose();
  });

  test("an unknown unit is a clear error", () => {
    expect(() => unitJacobian(model, "s5.b0", image)).toThrow(/unknown unit "s5\.b0"/);
  });
});

describe.each(["softplus", "tanh"] as const)("a BasicResNet with activation %s", (activation) => {
  const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3, activation });
  randomiseBatchNorm(model);
  const image = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 5);

  test("σ is an Activation layer under the ReLU model's names (ReLU layers by default)", () => {
    const relu = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3 });
    const sigmas = relu.layers.filter((l) => l.getClassName() === "ReLU").map((l) => l.name);
    expect(sigmas).toContain("stem_relu");
    expect(sigmas).toContain("s1b0_relu1");
    expect(sigmas).toContain("s2b1_out");
    const smooth = model.layers.filter((l) => l.getClassName() === "Activation" && (l.getConfig() as { activation: string }).activation === activation);
    expect(smooth.map((l) => l.name)).toEqual(sigmas);
    expect(model.layers.some((l) => l.getClassName() === "ReLU")).toBe(false);
  });

  test("its unit Jacobians pass the adjoint identity", () => {
    const J = unitJacobian(model, "s1.b0", image);
    const v = tf.randomNormal([3, ...J.inShape], 0, 1, "float32", 7);
    const u = tf.randomNormal([3, ...J.outShape], 0, 1, "float32", 8);
    const lhs = dot(J.jvp(v), u);
    const rhs = dot(v, J.vjp(u));
    lhs.forEach((a, i) => expect(Math.abs(a - rhs[i]) / Math.max(Math.abs(rhs[i]), 1e-3)).toBeLessThan(1e-5));
    J.dispose();
  });
});

test("Taylor test (seed 001): with tanh the linearisation error falls as ε², the change as ε", () => {
  const model = buildDenseResidual({ inputDim: 6, widths: [6], blocksPerSection: 3, tau: 0.5, activation: "tanh", numClasses: 0, seed: 4 });
  const from = model.getLayer("s0b0_dense").input as tf.SymbolicTensor;
  const to = model.getLayer("s0b2_out").output as tf.SymbolicTensor;
  const x = tf.randomNormal([1, 6], 0, 1, "float32", 1);
  const d = tf.randomNormal([1, 6], 0, 1, "float32", 2);
  const J = jacobianBetween(model, from, to, x);
  const Jd = J.jvp(d);
  const rows = [1e-1, 1e-2].map((eps) => {
    const K = jacobianBetween(model, from, to, tf.add(x, tf.mul(d, eps)));
    const change = tf.norm(tf.sub(K.value, J.value)).dataSync()[0];
    const residual = tf.norm(tf.sub(tf.sub(K.value, J.value), tf.mul(Jd, eps))).dataSync()[0];
    K.dispose();
    return { change, residual };
  });
  const changeRatio = rows[0].change / rows[1].change; // ≈ 10
  const residualRatio = rows[0].residual / rows[1].residual; // ≈ 100
  expect(changeRatio).toBeGreaterThan(8);
  expect(changeRatio).toBeLessThan(12);
  expect(residualRatio).toBeGreaterThan(60);
  expect(residualRatio).toBeLessThan(160);
});
