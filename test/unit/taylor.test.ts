/**
 * The seed-001 Jacobian (Taylor) test: on functions whose derivative is known (sin, a linear map),
 * with a wrong derivative, and on units of small conv BasicResNets with smooth activations and
 * with ReLU.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { jacobianBetween, unitJacobian } from "../../src/analysis/linearize";
import { taylorTest, taylorTestOf } from "../../src/analysis/taylor";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Gives every BatchNorm non-trivial statistics and affine parameters, so BN is not the identity. */
function randomiseBatchNorm(model: tf.LayersModel): void {
  let seed = 100;
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

function smallResNet(activation: "relu" | "softplus" | "tanh"): tf.LayersModel {
  const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [4, 8, 8], seed: 3, activation });
  randomiseBatchNorm(model);
  return model;
}

describe("taylorTestOf on f(x) = sin(x) elementwise", () => {
  const x = tf.randomNormal([3, 5], 0, 1, "float32", 1);
  const delta = tf.randomNormal([3, 5], 0, 1, "float32", 2);

  test("the true derivative cos(x)·v: change ∝ ε, residual ∝ ε², passed", () => {
    const r = taylorTestOf(tf.sin, (v) => tf.mul(tf.cos(x), v), x, delta);
    expect(r.rows.map((row) => row.epsilon)).toEqual([1e-1, 3e-2, 1e-2, 3e-3]);
    expect(r.changeSlope).toBeCloseTo(1, 1);
    expect(r.residualSlope).toBeCloseTo(2, 1);
    expect(r.passed).toBe(true);
    expect(r.explanation).toMatch(/^passed/);
    // the residual is ½ε²‖sin(x)·δ²‖ to leading order
    const half = tf.tidy(() => tf.norm(tf.mul(tf.sin(x), tf.square(delta))).dataSync()[0] / 2);
    expect(r.rows[3].residual / (3e-3 ** 2 * half)).toBeCloseTo(1, 1);
  });

  test("a wrong derivative 1.1·cos(x)·v: the residual falls only as ε, failed", () => {
    const r = taylorTestOf(tf.sin, (v) => tf.mul(tf.mul(tf.cos(x), 1.1), v), x, delta);
    expect(r.changeSlope).toBeCloseTo(1, 1);
    expect(Math.abs(r.residualSlope - 1)).toBeLessThan(0.1);
    expect(r.passed).toBe(false);
    expect(r.explanation).toMatch(/^failed: .*not R's derivative/);
  });

  test("step sizes too large for the linear range: the change does not scale as ε, failed", () => {
    const r = taylorTestOf(tf.sin, (v) => tf.mul(tf.cos(x), v), x, delta, { epsilons: [30, 10, 3] });
    expect(r.passed).toBe(false);
    expect(r.explanation).toMatch(/should scale as ε/);
  });

  test("bad arguments are clear errors", () => {
    const jvp = (v: tf.Tensor) => tf.mul(tf.cos(x), v);
    expect(() => taylorTestOf(tf.sin, jvp, x, delta, { epsilons: [1e-2] })).toThrow(/at least 2 different positive step sizes/);
    expect(() => taylorTestOf(tf.sin, jvp, x, delta, { epsilons: [1e-2, -1e-3] })).toThrow(/positive step sizes/);
    expect(() => taylorTestOf(tf.sin, jvp, x, tf.zeros([5, 3]))).toThrow(/δ has shape \[5,3\] but x has shape \[3,5\]/);
    expect(() => taylorTestOf(tf.sin, (v) => tf.sum(v), x, delta)).toThrow(/jvp must map into f's output space/);
  });
});

test("taylorTestOf on a linear map: every residual is float32 rounding, and that passes", () => {
  const A = tf.randomNormal([6, 4], 0, 1, "float32", 3);
  const x = tf.randomNormal([1, 6], 0, 1, "float32", 4);
  const delta = tf.randomNormal([1, 6], 0, 1, "float32", 5);
  const r = taylorTestOf((z) => tf.matMul(z, A), (v) => tf.matMul(v, A), x, delta);
  expect(r.rows.every((row) => row.rounding)).toBe(true);
  expect(Number.isNaN(r.residualSlope)).toBe(true);
  expect(r.passed).toBe(true);
  expect(r.explanation).toMatch(/rounding level at every ε/);
  // a wrong linear map is caught: its residual is ε·‖(B − A)δ‖, far above rounding
  const wrong = taylorTestOf((z) => tf.matMul(z, A), (v) => tf.matMul(v, tf.mul(A, 0.9)), x, delta);
  expect(wrong.rows.some((row) => row.rounding)).toBe(false);
  expect(wrong.passed).toBe(false);
});

describe.each(["softplus", "tanh"] as const)("taylorTest on a BasicResNet with %s", (activation) => {
  const model = smallResNet(activation);
  const image = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 5);

  test.each([
    ["s0.b1", "a regular unit"],
    ["s1.b0", "a down-sampling unit"],
    ["s2", "a whole stage"],
  ])("%s (%s): change ∝ ε^1, residual ∝ ε^2, passed", (unit) => {
    const r = taylorTest(model, unit, image, { seed: 7 });
    expect(r.unit).toBe(unit);
    expect(Math.abs(r.changeSlope - 1)).toBeLessThan(0.15);
    expect(Math.abs(r.residualSlope - 2)).toBeLessThan(0.3);
    expect(r.rows.some((row) => row.rounding)).toBe(false);
    expect(r.passed).toBe(true);
    expect(r.reluLayers).toEqual([]);
    expect(r.rows.every((row) => row.reluCrossings === 0)).toBe(true);
  });

  test("decades down to ε = 1e-4: the float32 rounding floor is flagged and left out, the verdict stands", () => {
    const r = taylorTest(model, "s1.b1", image, { seed: 7, epsilons: [1e-1, 1e-2, 1e-3, 1e-4] });
    expect(r.rows[3].rounding).toBe(true);
    expect(r.rows[0].rounding).toBe(false);
    expect(Math.abs(r.residualSlope - 2)).toBeLessThan(0.3);
    expect(r.passed).toBe(true);
    expect(r.explanation).toMatch(/residuals at float32 rounding level left out/);
  });

  test("a Jacobian taken at the wrong point (another image) fails the test", () => {
    const from = model.getLayer("s0b1_in").output as tf.SymbolicTensor;
    const to = model.getLayer("s0b1_out").output as tf.SymbolicTensor;
    const right = unitJacobian(model, "s0.b1", image);
    const other = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 6);
    const stale = unitJacobian(model, "s0.b1", other);
    const x = tf.tidy(() => (tf.model({ inputs: model.inputs, outputs: from }).predict(image) as tf.Tensor));
    const delta = tf.randomNormal(x.shape, 0, 1, "float32", 8);
    const f = (z: tf.Tensor) => {
      const K = jacobianBetween(model, from, to, z);
      const value = K.value.clone();
      K.dispose();
      return value;
    };
    expect(taylorTestOf(f, (v) => right.jvp(v), x, delta).passed).toBe(true);
    const r = taylorTestOf(f, (v) => stale.jvp(v), x, delta);
    expect(r.passed).toBe(false);
    expect(r.residualSlope).toBeLessThan(1.3);
    tf.dispose([x, delta, other]);
    right.dispose();
    stale.dispose();
  });
});

describe("taylorTest on a ReLU BasicResNet", () => {
  const model = smallResNet("relu");
  const image = tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 5);

  test("reports the unit's ReLU layers and how many of their inputs cross 0 at each ε", () => {
    const r = taylorTest(model, "s0.b1", image, { seed: 7 });
    expect(r.reluLayers).toEqual(["s0b1_relu1", "s0b1_out"]);
    expect(r.rows[0].reluCrossings).toBeGreaterThan(0); // ε = 0.1 moves some inputs across their kink
    expect(r.explanation).toMatch(/ReLU inputs crossing 0 \(where R is not differentiable\): \d+ at ε=0\.1/);
  });

  test.each(["s0.b1", "s1.b0", "s2"])("%s: where no ReLU input crosses 0 the unit is affine along δ, so the residual is rounding only", (unit) => {
    const r = taylorTest(model, unit, image, { seed: 7, epsilons: [1e-1, 1e-2, 1e-3, 1e-4] });
    const quiet = r.rows.filter((row) => row.reluCrossings === 0);
    expect(quiet.length).toBeGreaterThan(0);
    for (const row of quiet) expect(row.rounding).toBe(true);
    for (const row of r.rows.filter((row) => row.reluCrossings > 0)) expect(row.rounding).toBe(false);
  });

  test("an unknown unit or a batch of images is a clear error", () => {
    expect(() => taylorTest(model, "s4.b0", image)).toThrow(/unknown unit "s4\.b0"/);
    expect(() => taylorTest(model, "s0.b1", tf.zeros([2, 8, 8, 3]))).toThrow(/one image \[1, H, W, C\], got shape \[2,8,8,3\]/);
  });

  test("leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    taylorTest(model, "s1", image);
    expect(tf.memory().numTensors).toBe(before);
  });
});
