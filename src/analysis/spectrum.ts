/**
 * Singular spectra of Jacobian operators (seed 001): the full spectrum of units small enough to
 * form J (batched products + ml-matrix's SVD), and the top k using only J·v and Jᵀ·u — by
 * Golub–Kahan–Lanczos bidiagonalisation (values and singular vectors), or, faster for values
 * alone, by Lanczos on JᵀJ — both with full reorthogonalisation. The distribution of all the
 * singular values of units too large to form is in ./slq.
 */
import * as tf from "@tensorflow/tfjs";
import { krylovBasis, dot, norm } from "./krylov-basis";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import type { JacobianOperator } from "./linearize";
import type { TorchBackend } from "../backend/torch/backend";

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

/**
 * All min(m, n) singular values of J, descending (forms J densely). For m < n (a down-sampling
 * unit) the other n − m directions of the input are J's null space: see `spectrumProportions`.
 *
 * On the torch backend J stays in libtorch ([n, m], its columns J·eᵢ as rows, from batched
 * products) and the values are the square roots of its smaller Gram matrix's eigenvalues in
 * float64 (LAPACK): seconds for a 4,096-dimensional unit, where ml-matrix's SVD (the path of the
 * other backends) takes minutes.
 */
export function fullSpectrum(J: JacobianOperator): number[] {
  if (tf.getBackend() === "torch") return torchFullSpectrum(J);
  // autoTranspose: ml-matrix's (JAMA's) SVD assumes rows ≥ columns
  return new SingularValueDecomposition(denseJacobian(J), { autoTranspose: true, computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal.sort((a, b) => b - a);
}

/** {@link fullSpectrum} on the torch backend. */
function torchFullSpectrum(J: JacobianOperator, batch = 256): number[] {
  const n = size(J.inShape), m = size(J.outShape);
  if (n * m > 2.5e8) throw new Error(`J is ${m}×${n}: too large to form (${((n * m * 8) / 2 ** 30).toFixed(1)} GiB in float64); use topSingularValues or a density estimate`);
  const cols: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batch) {
      const k = Math.min(batch, n - start);
      cols.push(tf.tidy(() => tf.reshape(J.jvp(tf.oneHot(tf.range(start, start + k, 1, "int32"), n).toFloat().reshape([k, ...J.inShape])), [k, m])));
    }
    const Jt = cols.length === 1 ? cols[0] : tf.concat(cols, 0);
    try {
      const backend = tf.engine().backend as TorchBackend;
      const lambda = backend.native.gramEigenvalues(backend.handle(Jt));
      return Array.from(lambda, (l) => Math.sqrt(Math.max(l, 0)));
    } finally {
      if (cols.length > 1) Jt.dispose();
    }
  } finally {
    tf.dispose(cols);
  }
}

/** Result of {@link topSingularValues} and {@link topSingularValuesGram}. */
export interface TopSpectrum {
  /** The k largest singular values σ₁ ≥ … ≥ σₖ. */
  values: number[];
  /** With `vectors`: the right singular vectors vᵢ, k unit vectors of length size(inShape) (J's input, flattened in tfjs order). */
  rightVectors?: Float64Array[];
  /** With `vectors`: the left singular vectors uᵢ, k unit vectors of length size(outShape); J vᵢ = σᵢ uᵢ. */
  leftVectors?: Float64Array[];
  /** With `vectors`: ‖Jᵀuᵢ − σᵢvᵢ‖ for each pair (J vᵢ = σᵢ uᵢ holds by construction); also bounds |σᵢ − a true singular value|. */
  residuals?: number[];
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

export { dot, norm, orthogonalise } from "./krylov-basis";

/** The SVD of the steps×steps upper bidiagonal B (diagonal α, superdiagonal β), largest first. */
function bidiagonalSvd(alpha: number[], beta: number[], steps: number, vectors: boolean) {
  const B = new Matrix(steps, steps);
  for (let i = 0; i < steps; i++) {
    B.set(i, i, alpha[i]);
    if (i + 1 < steps) B.set(i, i + 1, beta[i]);
  }
  const svd = new SingularValueDecomposition(B, { computeLeftSingularVectors: vectors, computeRightSingularVectors: vectors });
  const order = svd.diagonal.map((_, i) => i).sort((x, y) => svd.diagonal[y] - svd.diagonal[x]);
  return { values: order.map((i) => svd.diagonal[i]), order, P: vectors ? svd.leftSingularVectors : undefined, Q: vectors ? svd.rightSingularVectors : undefined };
}

/**
 * The k largest singular values of J by Golub–Kahan–Lanczos (full reorthogonalisation, in
 * float64 on the host; products in float32 on the backend, one vector per call). Stops when the
 * top k change by less than `tol` (relative to σ₁) between checks (every 5 steps), or after
 * `maxSteps` (default max(4k, k + 40), at most min(n, m)).
 *
 * With `vectors`, also returns the singular vectors, vᵢ = V qᵢ and uᵢ = U pᵢ from the SVD
 * B = P Σ Qᵀ of the bidiagonal and the Lanczos bases V (n × steps), U (m × steps), and
 * convergence also needs every residual ‖Jᵀuᵢ − σᵢvᵢ‖ = β_steps·|pᵢ[steps]| ≤ tol·σ₁ (the
 * vectors' error is about that residual over the gap to the neighbouring singular values).
 */
export function topSingularValues(J: JacobianOperator, k: number, opts: { tol?: number; maxSteps?: number; seed?: number; vectors?: boolean } = {}): TopSpectrum {
  const n = size(J.inShape), m = size(J.outShape);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, m)) throw new RangeError(`k must be an integer in [1, min(n, m) = ${Math.min(n, m)}] for this ${m}×${n} J; got ${k}`);
  const maxSteps = Math.min(opts.maxSteps ?? Math.max(4 * k, k + 40), n, m);
  if (!(maxSteps >= k)) throw new RangeError(`maxSteps (${opts.maxSteps}) must be at least k = ${k}`);
  const tol = opts.tol ?? 1e-6;
  if (!(tol > 0)) throw new RangeError(`tol must be a positive number; got ${opts.tol}`);
  const vectors = opts.vectors ?? false;
  let seed = (opts.seed ?? 1) >>> 0;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const v0 = Float64Array.from({ length: n }, rand);
  const n0 = norm(v0);
  for (let i = 0; i < n; i++) v0[i] /= n0;
  const V = krylovBasis(n, maxSteps + 1);
  const U = krylovBasis(m, maxSteps);
  try {
    V.push(v0);
    const alpha: number[] = [], beta: number[] = [];
    let products = 0, prev: number[] = [], converged = false, steps = 0;
    let svd: ReturnType<typeof bidiagonalSvd> | undefined;
    for (let j = 0; j < maxSteps; j++) {
      const vj = V.vector(j);
      const u = apply(J.jvp, vj, J.inShape);
      products++;
      if (j > 0) {
        const prevU = U.vector(j - 1);
        for (let i = 0; i < m; i++) u[i] -= beta[j - 1] * prevU[i];
      }
      U.orthogonalise(u);
      const a = norm(u);
      alpha.push(a);
      for (let i = 0; i < m; i++) u[i] /= a || 1;
      U.push(u);
      const w = apply(J.vjp, u, J.outShape);
      products++;
      for (let i = 0; i < n; i++) w[i] -= a * vj[i];
      V.orthogonalise(w);
      const b = norm(w);
      beta.push(b);
      steps = j + 1;
      if ((steps >= k && (steps % 5 === 0 || steps === maxSteps)) || b < 1e-12) {
        svd = bidiagonalSvd(alpha, beta, steps, vectors);
        const sv = svd.values.slice(0, k);
        const P = svd.P;
        const settled = prev.length === sv.length && sv.every((s, i) => Math.abs(s - prev[i]) <= tol * Math.max(sv[0], 1e-30));
        const small = !P || svd.order.slice(0, k).every((c) => b * Math.abs(P.get(steps - 1, c)) <= tol * Math.max(sv[0], 1e-30));
        prev = sv;
        if ((settled && small) || b < 1e-12) {
          converged = true;
          break;
        }
      }
      for (let i = 0; i < n; i++) w[i] /= b;
      V.push(w);
    }
    if (!vectors || !svd) return { values: prev, products, steps, converged };
    const { P, Q, order } = svd;
    const top = order.slice(0, k);
    const last = beta[steps - 1];
    return {
      values: prev,
      rightVectors: top.map((c) => V.combine((j) => Q!.get(j, c), steps)),
      leftVectors: top.map((c) => U.combine((j) => P!.get(j, c), steps)),
      residuals: top.map((c) => last * Math.abs(P!.get(steps - 1, c))),
      products,
      steps,
      converged,
    };
  } finally {
    V.dispose();
    U.dispose();
  }
}

/** Eigenvalues of the symmetric tridiagonal T (diagonal a, off-diagonal b) below x (Sturm count). */
function countBelow(a: number[], b: number[], x: number): number {
  let count = 0, d = 1;
  for (let i = 0; i < a.length; i++) {
    d = a[i] - x - (i > 0 ? (b[i - 1] * b[i - 1]) / d : 0);
    if (d === 0) d = -Number.MIN_VALUE;
    if (d < 0) count++;
  }
  return count;
}

/** The k largest eigenvalues of the symmetric tridiagonal T (diagonal a, off-diagonal b), descending, by bisection. */
function topTridiagonalEigenvalues(a: number[], b: number[], k: number): number[] {
  const s = a.length;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < s; i++) {
    const r = (i > 0 ? Math.abs(b[i - 1]) : 0) + (i + 1 < s ? Math.abs(b[i]) : 0);
    lo = Math.min(lo, a[i] - r);
    hi = Math.max(hi, a[i] + r);
  }
  return Array.from({ length: Math.min(k, s) }, (_, j) => {
    const index = s - 1 - j; // ascending position of the (j+1)-th largest
    let l = lo, h = hi;
    while (h - l > 1e-15 * Math.max(Math.abs(l), Math.abs(h), 1e-300)) {
      const mid = (l + h) / 2;
      if (mid <= l || mid >= h) break;
      if (countBelow(a, b, mid) > index) h = mid;
      else l = mid;
    }
    return (l + h) / 2;
  });
}

/**
 * The k largest singular values of J by symmetric Lanczos on JᵀJ (products vjp(jvp(q)) in one
 * go, no host round trip between them), with full reorthogonalisation in float64 on the host:
 * the Krylov space of Golub–Kahan–Lanczos from the same start, so the same values, for half the
 * host work (one basis of length n instead of two). Values only; σ = √θ carries the products'
 * float32 rounding as ~1e-7·σ₁²/σ, so this is for the top of the spectrum (σ ≳ 1e-2·σ₁) — use
 * {@link topSingularValues} for singular vectors or small σ. Same stopping rule (top k change by
 * less than `tol`·σ₁ between checks every 5 steps) and defaults; `maxSteps` ≤ n.
 */
export function topSingularValuesGram(J: JacobianOperator, k: number, opts: { tol?: number; maxSteps?: number; seed?: number } = {}): TopSpectrum {
  const n = size(J.inShape), m = size(J.outShape);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, m)) throw new RangeError(`k must be an integer in [1, min(n, m) = ${Math.min(n, m)}] for this ${m}×${n} J; got ${k}`);
  const maxSteps = Math.min(opts.maxSteps ?? Math.max(4 * k, k + 40), n);
  if (!(maxSteps >= k)) throw new RangeError(`maxSteps (${opts.maxSteps}) must be at least k = ${k}`);
  const tol = opts.tol ?? 1e-6;
  if (!(tol > 0)) throw new RangeError(`tol must be a positive number; got ${opts.tol}`);
  let seed = (opts.seed ?? 1) >>> 0;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const q0 = Float64Array.from({ length: n }, rand);
  const n0 = norm(q0);
  const Q = krylovBasis(n, maxSteps + 1);
  const alpha: number[] = [], beta: number[] = [];
  let prev: number[] = [], converged = false, steps = 0;
  try {
    Q.push(q0.map((x) => x / n0));
    for (let j = 0; j < maxSteps; j++) {
      const qj = Q.vector(j);
      const w = apply((t) => tf.tidy(() => J.vjp(J.jvp(t))), qj, J.inShape);
      if (j > 0) {
        const prevQ = Q.vector(j - 1);
        for (let i = 0; i < n; i++) w[i] -= beta[j - 1] * prevQ[i];
      }
      const a = dot(w, qj);
      for (let i = 0; i < n; i++) w[i] -= a * qj[i];
      Q.orthogonalise(w);
      const b = norm(w);
      alpha.push(a);
      steps = j + 1;
      const done = b < 1e-12 * Math.max(...alpha.map(Math.abs), 1e-300); // invariant subspace
      if ((steps >= k && (steps % 5 === 0 || steps === maxSteps)) || done) {
        const sv = topTridiagonalEigenvalues(alpha, beta, k).map((t) => Math.sqrt(Math.max(t, 0)));
        const settled = prev.length === sv.length && sv.every((s, i) => Math.abs(s - prev[i]) <= tol * Math.max(sv[0], 1e-30));
        prev = sv;
        if (settled || done) {
          converged = true;
          break;
        }
      }
      beta.push(b);
      Q.push(w.map((x) => x / b));
    }
  } finally {
    Q.dispose();
  }
  return { values: prev, products: 2 * steps, steps, converged };
}

/**
 * The k largest singular values of J by block Lanczos on JᵀJ: blocks of `block` vectors (default
 * max(2, ⌈k/4⌉): small blocks need the fewest vectors, and each block is still one batched call) go through J and Jᵀ in one call each, every new block is orthogonalised against all
 * before it (full reorthogonalisation, float64), and the values are the square roots of the Ritz
 * values of JᵀJ on the span (Rayleigh–Ritz on H = Qᵀ(JᵀJ)Q, formed from the stored products).
 * Stops when the top k change by less than `tol`·σ₁ between blocks, when the span stops growing
 * (an invariant subspace), or at `maxVectors` (default min(n, max(20k, 400))).
 *
 * On the torch backend the basis, the products and the Ritz values stay in libtorch — one
 * batched product per block instead of one per vector, no host loops — which makes this the
 * fast method there. Other backends have no float64 linear algebra: there it runs
 * {@link topSingularValuesGram} (same values, same stopping rule per step).
 */
export function topSingularValuesBlock(J: JacobianOperator, k: number, opts: { tol?: number; maxVectors?: number; block?: number; seed?: number } = {}): TopSpectrum {
  if (tf.getBackend() !== "torch") return topSingularValuesGram(J, k, { tol: opts.tol, seed: opts.seed });
  const n = size(J.inShape), m = size(J.outShape);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, m)) throw new RangeError(`k must be an integer in [1, min(n, m) = ${Math.min(n, m)}] for this ${m}×${n} J; got ${k}`);
  const tol = opts.tol ?? 1e-6;
  if (!(tol > 0)) throw new RangeError(`tol must be a positive number; got ${opts.tol}`);
  const block = Math.min(opts.block ?? Math.max(2, Math.ceil(k / 4)), n);
  const maxVectors = Math.min(opts.maxVectors ?? Math.max(20 * k, 400), n);
  if (!(maxVectors >= k)) throw new RangeError(`maxVectors (${opts.maxVectors}) must be at least k = ${k}`);
  const backend = tf.engine().backend as TorchBackend;
  const native = backend.native;
  let seed = (opts.seed ?? 1) >>> 0;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const Q = native.basisCreate(Math.min(maxVectors + block, 512), n);
  const H = native.basisCreate(maxVectors + block, maxVectors + block);
  try {
    let count = native.basisExtend(Q, 0, Float64Array.from({ length: block * n }, rand));
    let done = 0, band = 0, prev: number[] = [], converged = false, steps = 0;
    while (done < count) {
      const rows = count - done;
      const h = native.basisRows(Q, done, rows);
      const products = tf.tidy(() => {
        const x = tf.reshape(tf.engine().makeTensorFromTensorInfo(backend.output(h)), [rows, ...J.inShape]);
        return J.vjp(J.jvp(x));
      });
      const capped = count + block > maxVectors;
      const added = native.blockLanczosStep(Q, H, done, count, backend.handle(products), maxVectors, band);
      products.dispose();
      band = done;
      done = count;
      count += added;
      steps++;
      if (done >= k) {
        const sv = Array.from(native.basisRitzValues(H, done, k), (t) => Math.sqrt(Math.max(t, 0)));
        const settled = prev.length === sv.length && sv.every((s, i) => Math.abs(s - prev[i]) <= tol * Math.max(sv[0], 1e-30));
        prev = sv;
        if (settled || added === 0) {
          converged = settled || !capped; // no growth below the cap: an invariant subspace
          break;
        }
      }
    }
    return { values: prev, products: 2 * done, steps, converged };
  } finally {
    native.basisFree(Q);
    native.basisFree(H);
  }
}
