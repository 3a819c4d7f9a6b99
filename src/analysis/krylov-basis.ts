/**
 * The orthonormal float64 bases of the Lanczos solvers (spectrum.ts, slq.ts): vectors are added
 * one at a time, new vectors are orthogonalised against them (full reorthogonalisation), and
 * Ritz vectors are combinations of them.
 *
 * On the torch backend the basis lives in libtorch as one float64 [count, n] matrix, and
 * orthogonalising is two matrix–vector products (BLAS) instead of JavaScript loops: for a
 * 16,384-long unit and ~60 vectors that is the bulk of the solver's host time. Elsewhere it is
 * a list of Float64Arrays on the host. Both run the same classical Gram–Schmidt with a second
 * pass only when the first took away more than half of ‖x‖² ("twice is enough").
 */
import * as tf from "@tensorflow/tfjs";
import { loadNative, type TorchNative } from "../backend/torch/native";

/** An orthonormal set of float64 vectors of one length n. */
export interface KrylovBasis {
  /** Vectors held. */
  readonly count: number;
  /** Their length. */
  readonly n: number;
  /** Row j as a host copy. */
  vector(j: number): Float64Array;
  /** Adds v (assumed orthonormal to the rest: orthogonalise and normalise it first). */
  push(v: Float64Array): void;
  /** Removes from x, in place, its components along the basis. */
  orthogonalise(x: Float64Array): void;
  /** Σⱼ coef(j)·qⱼ over the first `count` vectors (default all). */
  combine(coef: (j: number) => number, count?: number): Float64Array;
  /** Frees native storage (a no-op on the host). */
  dispose(): void;
}

/** ⟨x, y⟩, with four partial sums (V8 runs these loops about 1.5× faster than one sum). */
export function dot(x: Float64Array, y: Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 3 < x.length; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < x.length; i++) s0 += x[i] * y[i];
  return s0 + s1 + s2 + s3;
}

/** Euclidean norm. */
export const norm = (x: Float64Array) => Math.sqrt(dot(x, x));

/**
 * Removes from x its components along the orthonormal `basis` by classical Gram–Schmidt, with a
 * second pass only when the first took away more than half of ‖x‖² ("twice is enough", Kahan and
 * Parlett). In Lanczos, where x is already nearly orthogonal to the basis, one pass is the rule.
 */
export function orthogonalise(x: Float64Array, basis: Float64Array[]): void {
  if (!basis.length) return;
  const c = new Float64Array(basis.length);
  let before = norm(x);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < basis.length; j++) c[j] = dot(x, basis[j]);
    let j = 0;
    for (; j + 1 < basis.length; j += 2) {
      const a = basis[j], b = basis[j + 1], ca = c[j], cb = c[j + 1];
      for (let i = 0; i < x.length; i++) x[i] -= ca * a[i] + cb * b[i];
    }
    if (j < basis.length) for (let i = 0, a = basis[j], ca = c[j]; i < x.length; i++) x[i] -= ca * a[i];
    const after = norm(x);
    if (after >= before * Math.SQRT1_2) return;
    before = after;
  }
}

/** A basis of Float64Arrays on the host. */
export class HostBasis implements KrylovBasis {
  private readonly rows: Float64Array[] = [];
  constructor(readonly n: number) {}
  get count(): number {
    return this.rows.length;
  }
  vector(j: number): Float64Array {
    return this.rows[j];
  }
  push(v: Float64Array): void {
    this.rows.push(v);
  }
  orthogonalise(x: Float64Array): void {
    orthogonalise(x, this.rows);
  }
  combine(coef: (j: number) => number, count = this.rows.length): Float64Array {
    const out = new Float64Array(this.n);
    for (let j = 0; j < count; j++) {
      const c = coef(j), b = this.rows[j];
      for (let i = 0; i < out.length; i++) out[i] += c * b[i];
    }
    return out;
  }
  dispose(): void {}
}

/** A basis held by the torch backend's addon as a float64 matrix (grown as rows are added). */
export class TorchBasis implements KrylovBasis {
  private readonly handle: number;
  private rows = 0;
  /** Host copies of the last two rows (the three-term recurrences read them every step). */
  private readonly recent = new Map<number, Float64Array>();
  constructor(private readonly native: TorchNative, readonly n: number, capacity = 64) {
    this.handle = native.basisCreate(capacity, n);
  }
  get count(): number {
    return this.rows;
  }
  vector(j: number): Float64Array {
    const v = this.recent.get(j);
    if (v) return v;
    const e = new Float64Array(this.rows);
    e[j] = 1;
    return this.native.basisCombine(this.handle, this.rows, e);
  }
  push(v: Float64Array): void {
    if (v.length !== this.n) throw new RangeError(`basis vectors have length ${this.n}; got ${v.length}`);
    this.native.basisSet(this.handle, this.rows, v);
    this.recent.set(this.rows, v);
    this.recent.delete(this.rows - 2);
    this.rows++;
  }
  orthogonalise(x: Float64Array): void {
    if (!this.rows) return;
    x.set(this.native.basisOrthogonalise(this.handle, this.rows, x, 2));
  }
  combine(coef: (j: number) => number, count = this.rows): Float64Array {
    const c = Float64Array.from({ length: count }, (_, j) => coef(j));
    return this.native.basisCombine(this.handle, count, c);
  }
  dispose(): void {
    this.native.basisFree(this.handle);
  }
}

/**
 * A new empty basis for vectors of length n: native when the active tfjs backend is `torch`,
 * on the host otherwise. `capacity` is a first allocation (rows past it are added as needed).
 */
export function krylovBasis(n: number, capacity = 64): KrylovBasis {
  if (tf.getBackend() === "torch") return new TorchBasis(loadNative(), n, Math.min(capacity, 128));
  return new HostBasis(n);
}
