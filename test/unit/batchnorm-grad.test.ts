/**
 * ResLab's FusedBatchNorm gradient against tfjs' stock gradient (same inputs, five outputs)
 * and against central finite differences of a training-mode batch-norm layer.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedBatchNormGradConfig } from "../../src/backend/batchnorm-grad";
import { selectBackend } from "../../src/backend/select";

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

// tfjs' own gradient, taken before ResLab replaces it (selectBackend registers ours).
const stock = tf.getGradient("FusedBatchNorm")!;

describe("FusedBatchNorm gradient", () => {
  beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));
  afterAll(() => selectBackend({ prefer: "wasm" }));

  test("equals tfjs' stock gradient for x, mean, variance, scale and offset", () => {
    expect(stock.gradFunc).not.toBe(fusedBatchNormGradConfig.gradFunc);
    const x = tf.randomNormal([4, 5, 3, 6], 0.3, 2, "float32", 1);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const scale = tf.randomUniform([6], 0.5, 1.5, "float32", 2);
    const dy = tf.randomNormal([4, 5, 3, 6], 0, 1, "float32", 3);
    const attrs = { varianceEpsilon: 1e-3 };
    const ours = fusedBatchNormGradConfig.gradFunc(dy, [x, mean, variance, scale], attrs as never);
    const theirs = stock.gradFunc(dy, [x, mean, variance, scale], attrs as never);
    for (const k of ["x", "mean", "variance", "scale", "offset"]) {
      const a = ours[k]().dataSync(), b = theirs[k]().dataSync();
      expect(a.length).toBe(b.length);
      expect(relErr(a, b)).toBeLessThan(1e-5);
    }
  });

  test("a training-mode batch-norm layer's input gradient matches central differences", () => {
    expect(tf.getGradient("FusedBatchNorm")!.gradFunc).toBe(fusedBatchNormGradConfig.gradFunc); // ours is in use
    const shape: [number, number, number, number] = [3, 4, 4, 2];
    const x = tf.randomNormal(shape, 1, 1.5, "float32", 7);
    const r = tf.randomNormal(shape, 0, 1, "float32", 8);
    const v = tf.randomNormal(shape, 0, 1, "float32", 9);
    const gamma = tf.tensor1d([1.3, 0.7]);
    const beta = tf.tensor1d([0.1, -0.2]);
    const f = (t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(t, mean, variance, beta, gamma, 1e-3), r)) as tf.Scalar;
    };
    const g = tf.grad(f)(x);
    const analytic = tf.sum(tf.mul(g, v)).dataSync()[0];
    const eps = 1e-2;
    const numeric = (f(tf.add(x, tf.mul(v, eps))).dataSync()[0] - f(tf.sub(x, tf.mul(v, eps))).dataSync()[0]) / (2 * eps);
    expect(Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-3)).toBeLessThan(2e-2);
  });
});
