/**
 * Singular spectra of Jacobian operators (seed 001): the full spectrum of units small enough to
 * form J (batched products + ml-matrix's SVD), and the top k by Golub–Kahan–Lanczos
 * bidiagonalisation with full reorthogonalisation, using only J·v and Jᵀ·u.
 */
import * as tf from "@tensorflow/tfjs";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import type { JacobianOperator } from "./linearize";

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** J as a dense m×n matrix (float64), from J·eᵢ in batches of `batch` basis vectors. */
export function denseJacobian(J: JacobianOperator, batch = 256): Matrix {
  const n = size(J.inShape), m = size(J.outShape);
  if (n * m > 5e7) throw new Error(`J is ${m}×${n}: too large to form; use topSingularValues or a density estimate`);
  const M = new Matrix(m, n);
  for (let start = 0; start < n; start += batch) {
    const k = Math.min(batch, n - start);
    const e = tf.tidy(() => tf.oneHot(tf.range(start, start + k, 1, "int32"), n).toFloat().reshape([k, ...J.inShape]));
    const jv = J.jvp(e);
    const cols = jv.reshape([k, m]).arraySync() as number[][];
    tf.dispose([e, jv]);
    cols.forEach((col, c) => col.forEach((v, r) => M.set(r, start + c, v)));
  }
  return M;
}

/** All singular values of J, descending (forms J densely). */
export function fullSpectrum(J: JacobianOperator): number[] {
  return new SingularValueDecomposition(denseJacobian(J), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal.sort((a, b) => b - a);
}

/** Result of {@link topSingularValues}. */
export interface TopSpectrum {
  values: number[];
  /** Number of J·v plus Jᵀ·u products used. */
  products: number;
  /** Lanczos steps taken. */
  steps: number;
  converged: boolean;
}

function apply(op: (t: tf.Tensor) => tf.Tensor, x: Float64Array, shape: number[]): Float64Array {
  const input = tf.tensor(Float32Array.from(x), [1, ...shape]);
  const out = op(input);
  const values = Float64Array.from(out.dataSync());
  tf.dispose([input, out]);
  return values;
}

function orthogonalise(x: Float64Array, basis: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < x.length; i++) d += x[i] * b[i];
      for (let i = 0; i < x.length; i++) x[i] -= d * b[i];
    }
  }
}

const norm = (x: Float64Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0));

/**
 * The k largest singular values of J by Golub–Kahan–Lanczos (full reorthogonalisation, in
 * float64 on the host; products in float32 on the backend). Stops when the top k change by less
 * than `tol` (relative) between checks, or after `maxSteps`.
 */
export function topSingularValues(J: JacobianOperator, k: number, opts: { tol?: number; maxSteps?: number; seed?: number } = {}): TopSpectrum {
  const n = size(J.inShape), m = size(J.outShape);
  const maxSteps = Math.min(opts.maxSteps ?? Math.max(4 * k, k + 40), n, m);
  const tol = opts.tol ?? 1e-6;
  let seed = (opts.seed ?? 1) >>> 0;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const v0 = Float64Array.from({ length: n }, rand);
  const n0 = norm(v0);
  for (let i = 0; i < n; i++) v0[i] /= n0;
  const V: Float64Array[] = [v0];
  const U: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  let products = 0, prev: number[] = [], converged = false, steps = 0;
  for (let j = 0; j < maxSteps; j++) {
    const u = apply(J.jvp, V[j], J.inShape);
    products++;
    if (j > 0) for (let i = 0; i < m; i++) u[i] -= beta[j - 1] * U[j - 1][i];
    orthogonalise(u, U);
    const a = norm(u);
    alpha.push(a);
    for (let i = 0; i < m; i++) u[i] /= a || 1;
    U.push(u);
    const w = apply(J.vjp, U[j], J.outShape);
    products++;
    for (let i = 0; i < n; i++) w[i] -= a * V[j][i];
    orthogonalise(w, V);
    const b = norm(w);
    beta.push(b);
    steps = j + 1;
    if ((steps >= k && (steps % 5 === 0 || steps === maxSteps)) || b < 1e-12) {
      const B = new Matrix(steps, steps);
      for (let i = 0; i < steps; i++) {
        B.set(i, i, alpha[i]);
        if (i + 1 < steps) B.set(i, i + 1, beta[i]);
      }
      const sv = new SingularValueDecomposition(B, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal.sort((x, y) => y - x).slice(0, k);
      if (prev.length === sv.length && sv.every((s, i) => Math.abs(s - prev[i]) <= tol * Math.max(sv[0], 1e-30))) {
        converged = true;
        prev = sv;
        break;
      }
      prev = sv;
      if (b < 1e-12) {
        converged = true;
        break;
      }
    }
    for (let i = 0; i < n; i++) w[i] /= b;
    V.push(w);
  }
  return { values: prev, products, steps, converged };
}
