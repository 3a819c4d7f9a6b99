/**
 * The ODE view of seed 002: a residual layer y ← y + τ·σ(W y + b) is a forward-Euler step of
 * dy/dt = σ(W y + b). With one W, b shared by all L layers and L·τ = T fixed, the network's output
 * converges to the ODE's solution y(T) as L grows, with error O(τ) (Euler is first order).
 *
 * The reference is a classical fourth-order Runge–Kutta integration in float64 on the network's
 * own weights, with a step far below the finest τ.
 */
import * as tf from "@tensorflow/tfjs";
import { buildDenseResidual, type DenseResidualConfig } from "../models/dense-residual";
import { fitPowerLaw, type PowerFit } from "./loglog";

/** A vector field f(y) on float64 vectors. */
export type VectorField = (y: Float64Array) => Float64Array;

/** One RK4 integration of dy/dt = f(y) from y0 over [0, T] in `steps` equal steps (float64). */
export function rk4(f: VectorField, y0: ArrayLike<number>, T: number, steps: number): Float64Array {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`steps must be a whole number ≥ 1, got ${steps}`);
  const h = T / steps;
  let y = Float64Array.from(y0);
  const axpy = (a: Float64Array, s: number, b: Float64Array) => a.map((v, i) => v + s * b[i]);
  for (let k = 0; k < steps; k++) {
    const k1 = f(y);
    const k2 = f(axpy(y, h / 2, k1));
    const k3 = f(axpy(y, h / 2, k2));
    const k4 = f(axpy(y, h, k3));
    y = y.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
  }
  return y;
}

/** Forward Euler, y ← y + τ f(y), `steps` times with τ = T/steps (float64). */
export function euler(f: VectorField, y0: ArrayLike<number>, T: number, steps: number): Float64Array {
  const h = T / steps;
  let y = Float64Array.from(y0);
  for (let k = 0; k < steps; k++) {
    const d = f(y);
    y = y.map((v, i) => v + h * d[i]);
  }
  return y;
}

const ACTIVATIONS: Record<string, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(0, z),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  softplus: (z) => (z > 30 ? z : Math.log1p(Math.exp(z))),
};

/** σ(W y + b) in float64, W [n, n] stored as tfjs' Dense kernel (y·W: kernel[i][j] maps input i to output j). */
export function denseField(kernel: number[][], bias: number[], activation: string): VectorField {
  const act = ACTIVATIONS[activation];
  if (!act) throw new Error(`activation "${activation}" has no float64 reference: use one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  const n = bias.length;
  return (y) => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let z = bias[j];
      for (let i = 0; i < n; i++) z += y[i] * kernel[i][j];
      out[j] = act(z);
    }
    return out;
  };
}

/** Options of {@link eulerConvergence}. */
export interface ConvergenceOptions {
  /** Width n of the state (default 8). */
  width?: number;
  /** Final time T = L·τ (default 1). */
  T?: number;
  /** Depths L (default 4, 8, …, 256). */
  depths?: number[];
  /** σ (default tanh: smooth, so the O(τ) rate holds cleanly). */
  activation?: DenseResidualConfig["activation"];
  /** Initial states [N, n] (default: 16 seeded normal vectors). */
  y0?: tf.Tensor2D;
  /** Weight seed (default 0): every depth uses the same W, b. */
  seed?: number;
  /** RK4 steps of the reference (default 4,096). */
  referenceSteps?: number;
}

/** {@link eulerConvergence}'s result: the error at each depth and the fitted order. */
export interface ConvergenceResult {
  rows: Array<{ L: number; tau: number; error: number }>;
  /** log error against log τ: the slope is the order of convergence (1 for Euler). */
  fit: PowerFit;
  T: number;
  width: number;
  activation: string;
}

/**
 * Builds weight-shared dense τ-ResNets (buildDenseResidual with shareWeights, no head) of depth L
 * with τ = T/L, all on the same W, b, runs them (tfjs, float32) and compares with RK4 on the same
 * field: the error is the mean over initial states of ‖y_L − y(T)‖₂ / ‖y(T)‖₂.
 */
export function eulerConvergence(opts: ConvergenceOptions = {}): ConvergenceResult {
  const n = opts.width ?? 8, T = opts.T ?? 1, activation = opts.activation ?? "tanh";
  const depths = opts.depths ?? [4, 8, 16, 32, 64, 128, 256];
  const y0 = opts.y0 ?? tf.randomNormal([16, n], 0, 1, "float32", 12345);
  const build = (L: number) => buildDenseResidual({ inputDim: n, widths: [n], blocksPerSection: L, tau: T / L, activation, numClasses: 0, seed: opts.seed ?? 0, shareWeights: true });
  // the weights: taken from the first model; every depth gets the same ones
  const first = build(depths[0]);
  const [kernel, bias] = first.getLayer("s0shared_dense").getWeights();
  const K = kernel.arraySync() as number[][], b = Array.from(bias.dataSync());
  const field = denseField(K, b, activation);
  const starts = y0.arraySync() as number[][];
  const refs = starts.map((s) => rk4(field, s, T, opts.referenceSteps ?? 4096));
  const rows = depths.map((L) => {
    const model = L === depths[0] ? first : build(L);
    model.getLayer("s0shared_dense").setWeights([kernel, bias]);
    const out = tf.tidy(() => (model.predict(y0) as tf.Tensor).arraySync() as number[][]);
    if (model !== first) model.dispose();
    const error = out.reduce((acc, y, k) => acc + Math.hypot(...y.map((v, i) => v - refs[k][i])) / Math.hypot(...refs[k]), 0) / out.length;
    return { L, tau: T / L, error };
  });
  first.dispose();
  if (!opts.y0) y0.dispose();
  return { rows, fit: fitPowerLaw(rows.map((r) => r.tau), rows.map((r) => r.error)), T, width: n, activation };
}
