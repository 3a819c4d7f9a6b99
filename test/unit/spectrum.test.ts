/**
 * Top-k singular values by Golub–Kahan–Lanczos against a dense SVD of the same unit, and the
 * dense Jacobian against the reverse-mode operator.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { unitJacobian } from "../../src/analysis/linearize";
import { denseJacobian, fullSpectrum, topSingularValues } from "../../src/analysis/spectrum";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

const model = buildBasicResNet({ inputShape: [6, 6, 3], blocksPerStage: 2, widths: [3, 4, 4], seed: 11 });
const image = tf.randomNormal([1, 6, 6, 3], 0, 1, "float32", 12);

test("dense J from J·eᵢ matches Jᵀ from reverse mode", () => {
  const J = unitJacobian(model, "s0.b1", image); // 6·6·3 = 108 → 108
  const M = denseJacobian(J, 50);
  const n = 108;
  const eye = tf.oneHot(tf.range(0, n, 1, "int32"), n).toFloat().reshape([n, 6, 6, 3]);
  const JT = J.vjp(eye).reshape([n, n]).arraySync() as number[][]; // row i = Jᵀ eᵢ = row i of J
  let worst = 0, scale = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    worst = Math.max(worst, Math.abs(M.get(i, j) - JT[i][j]));
    scale = Math.max(scale, Math.abs(JT[i][j]));
  }
  expect(worst / scale).toBeLessThan(1e-5);
  J.dispose();
});

test.each(["s0.b1", "s1.b0", "s1"])("top-6 singular values of %s by Lanczos agree with the dense SVD to 1e-4", (unit) => {
  const J = unitJacobian(model, unit, image);
  const dense = fullSpectrum(J);
  const top = topSingularValues(J, 6, { tol: 1e-8 });
  expect(top.converged).toBe(true);
  top.values.forEach((s, i) => expect(Math.abs(s - dense[i]) / dense[0]).toBeLessThan(1e-4));
  expect(top.products).toBe(2 * top.steps);
  J.dispose();
});
