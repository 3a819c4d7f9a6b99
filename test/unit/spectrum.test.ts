/**
 * Top-k singular values by Golub–Kahan–Lanczos against a dense SVD of the same unit, and the
 * dense Jacobian against the reverse-mode operator.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { unitJacobian } from "../../src/analysis/linearize";
import { SingularValueDecomposition } from "ml-matrix";
import { denseJacobian, fullSpectrum, topSingularValues, topSingularValuesGram } from "../../src/analysis/spectrum";

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

test.each(["s0.b1", "s1.b0", "s1"])("top-6 of %s by Lanczos on JᵀJ agree with the dense SVD to 1e-4 and with Golub–Kahan–Lanczos", (unit) => {
  const J = unitJacobian(model, unit, image);
  const dense = fullSpectrum(J);
  const gram = topSingularValuesGram(J, 6, { tol: 1e-8 });
  expect(gram.converged).toBe(true);
  expect(gram.values).toHaveLength(6);
  gram.values.forEach((s, i) => expect(Math.abs(s - dense[i]) / dense[0]).toBeLessThan(1e-4));
  const gkl = topSingularValues(J, 6, { tol: 1e-8 });
  gram.values.forEach((s, i) => expect(Math.abs(s - gkl.values[i]) / dense[0]).toBeLessThan(1e-5));
  expect(gram.products).toBe(2 * gram.steps);
  expect(() => topSingularValuesGram(J, 0)).toThrow(/k must be an integer/);
  J.dispose();
});

describe("singular vectors from Golub–Kahan–Lanczos", () => {
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  const toTensor = (x: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(x), [1, ...shape]);

  test.each(["s0.b1", "s1.b0"])("%s: J vᵢ = σᵢ uᵢ, Jᵀuᵢ = σᵢ vᵢ, orthonormal, and the dense SVD's vectors up to sign", (unit) => {
    const J = unitJacobian(model, unit, image);
    const k = 6;
    const top = topSingularValues(J, k, { tol: 1e-7, vectors: true });
    expect(top.converged).toBe(true);
    const V = top.rightVectors!, U = top.leftVectors!;
    expect(V).toHaveLength(k);
    expect(U).toHaveLength(k);
    const n = V[0].length, m = U[0].length;
    expect(n).toBe(J.inShape.reduce((a, b) => a * b, 1));
    expect(m).toBe(J.outShape.reduce((a, b) => a * b, 1));
    const s1 = top.values[0];
    for (let i = 0; i < k; i++) {
      const Jv = J.jvp(toTensor(V[i], J.inShape)).dataSync();
      const JTu = J.vjp(toTensor(U[i], J.outShape)).dataSync();
      let r = 0, rt = 0;
      for (let t = 0; t < m; t++) r += (Jv[t] - top.values[i] * U[i][t]) ** 2;
      for (let t = 0; t < n; t++) rt += (JTu[t] - top.values[i] * V[i][t]) ** 2;
      expect(Math.sqrt(r) / s1).toBeLessThan(1e-4);
      expect(Math.sqrt(rt) / s1).toBeLessThan(1e-4);
      expect(Math.abs(Math.sqrt(rt) - top.residuals![i]) / s1).toBeLessThan(1e-5); // the reported residual is the real one
      for (let j = 0; j < k; j++) {
        expect(Math.abs(dot(V[i], V[j]) - (i === j ? 1 : 0))).toBeLessThan(1e-4);
        expect(Math.abs(dot(U[i], U[j]) - (i === j ? 1 : 0))).toBeLessThan(1e-4);
      }
    }
    // against the dense SVD (independent: ml-matrix on the formed J), for values with a clear gap
    const svd = new SingularValueDecomposition(denseJacobian(J), { autoTranspose: true });
    const order = svd.diagonal.map((_, i) => i).sort((a, b) => svd.diagonal[b] - svd.diagonal[a]);
    const dense = order.map((c) => svd.diagonal[c]);
    let compared = 0;
    for (let i = 0; i < k; i++) {
      const gap = Math.min(i > 0 ? dense[i - 1] - dense[i] : Infinity, dense[i] - dense[i + 1]);
      if (gap < 0.02 * s1) continue;
      const v = svd.rightSingularVectors.getColumn(order[i]);
      const u = svd.leftSingularVectors.getColumn(order[i]);
      expect(1 - Math.abs(dot(V[i], v))).toBeLessThan(1e-4);
      expect(1 - Math.abs(dot(U[i], u))).toBeLessThan(1e-4);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(2);
    J.dispose();
  });

  test("the values are the same with and without vectors, and no vectors unless asked", () => {
    const J = unitJacobian(model, "s0.b1", image);
    const plain = topSingularValues(J, 4, { tol: 1e-8 });
    expect(plain.rightVectors).toBeUndefined();
    expect(plain.leftVectors).toBeUndefined();
    const withVectors = topSingularValues(J, 4, { tol: 1e-8, vectors: true });
    withVectors.values.forEach((s, i) => expect(Math.abs(s - plain.values[i]) / plain.values[0]).toBeLessThan(1e-6));
    J.dispose();
  });

  test("bad k, maxSteps or tol are clear errors", () => {
    const J = unitJacobian(model, "s1.b0", image); // 108 → 36
    expect(() => topSingularValues(J, 0)).toThrow(/k must be an integer in \[1, min\(n, m\) = 36\]/);
    expect(() => topSingularValues(J, 37)).toThrow(/k must be/);
    expect(() => topSingularValues(J, 5, { maxSteps: 3 })).toThrow(/maxSteps \(3\) must be at least k = 5/);
    expect(() => topSingularValues(J, 5, { tol: 0 })).toThrow(/tol must be a positive number/);
    J.dispose();
  });
});
