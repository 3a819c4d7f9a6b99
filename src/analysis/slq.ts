/**
 * The distribution of the singular values of a Jacobian operator too large to form, by
 * stochastic Lanczos quadrature (SLQ: Golub & Meurant; Lin, Saad & Yang 2016; as PyHessian does
 * for Hessians), and the seed-001 proportions (σ > 1.01, ≈ 1, in between, ≈ 0) from it or from
 * an exact spectrum, in one shape.
 *
 * SLQ works on A = JᵀJ (n×n for J: n inputs → m outputs), whose eigenvalues are σᵢ² for the n
 * right singular directions vᵢ: the min(m, n) singular values of J plus n − m zeros when m < n
 * (a down-sampling unit). For a probe z with ‖z‖² = n, zᵀf(A)z/n = Σᵢ f(σᵢ²)(vᵢᵀz)²/n, whose
 * mean over Rademacher z is the average of f(σᵢ²) over the n directions (Hutchinson). s steps of
 * Lanczos on A from z/√n give a tridiagonal T; its eigenvalues θⱼ (nodes) and the squared first
 * components τⱼ² of its eigenvectors (weights) are the s-point Gauss quadrature of that sum,
 * exact for polynomials f of degree ≤ 2s − 1 and, for s ≥ n, for every f.
 *
 * The Lanczos process on A is run in its Golub–Kahan form (J V = U B, B upper bidiagonal, and
 * T = BᵀB): the same Krylov space, products and quadrature, but the nodes come out as the
 * singular values σⱼ of B instead of √θⱼ. That matters at σ ≈ 0: θ carries the float32 rounding
 * of the products, ~1e-7·σ₁², so √θ could put the exact zeros of J as high as ~3e-4·σ₁ (6e-5
 * seen on a diagonal test operator), whereas σⱼ from B carries ~1e-7·σ₁. The weights are τⱼ² = (first component of B's j-th right
 * singular vector)², T's eigenvectors.
 */
import * as tf from "@tensorflow/tfjs";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import type { JacobianOperator } from "./linearize";
import { norm, orthogonalise } from "./spectrum";

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A Lanczos step whose new direction has norm ≤ BREAKDOWN × the largest α or β so far (≈ ‖J‖)
 * has found an invariant subspace: what is left is the float32 rounding of the products (~1e-7
 * relative), not the operator, so the probe stops there (its quadrature is then exact).
 */
const BREAKDOWN = 1e-5;

/** Result of {@link spectralDensity}: per probe p, the Gauss quadrature Σⱼ weights[p][j] f(nodes[p][j]). */
export interface SpectralDensity {
  /** Singular-value nodes σⱼ (= √θⱼ), ascending, one row per probe (≤ steps each). */
  nodes: number[][];
  /** Gauss weights τⱼ², one row per probe, each summing to 1 (fractions of the n directions). */
  weights: number[][];
  /**
   * Each probe's Golub–Kahan bidiagonal B (k×k, k = its row length): diagonal `alpha` (k),
   * superdiagonal `beta` (k − 1), in units of σ; T = BᵀB is the Lanczos tridiagonal of JᵀJ.
   */
  bidiagonals: { alpha: number[]; beta: number[] }[];
  /** Input dimension: the density is over J's n right singular directions (JᵀJ is n×n). */
  n: number;
  /** Output dimension; when m < n, at least n − m of the n directions have σ = 0. */
  m: number;
  probes: number;
  /** Lanczos steps per probe: min(steps asked, n); a probe that hits an invariant subspace stops sooner (shorter row). */
  steps: number;
  /** Number of J·v plus Jᵀ·u vector products (per probe: one of each per step but the last, which needs only J·v). */
  products: number;
  /** Number of batched operator calls: per step one jvp and (but for the last) one vjp, all active probes together. */
  calls: number;
  seed: number;
}

/** Options of {@link spectralDensity}. */
export interface DensityOptions {
  /** Rademacher probe vectors (default 8); error bars need ≥ 2. */
  probes?: number;
  /** Lanczos steps per probe (default 60); capped at n, where the quadrature becomes exact. */
  steps?: number;
  /** Seed of the probes (default 1). */
  seed?: number;
}

/**
 * The probe vectors {@link spectralDensity} uses for `seed`: `probes` vectors of n entries ±1
 * (so ‖z‖² = n), from a mulberry32 generator; deterministic.
 */
export function rademacherProbes(n: number, probes: number, seed: number): Float64Array[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return Array.from({ length: probes }, () => Float64Array.from({ length: n }, () => (next() & 0x80000000 ? 1 : -1)));
}

const positiveInteger = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer; got ${v}`);
};

/** op applied to the given probes' vectors in one batched call: [rows, ...shape] in, each row's result on the host. */
function batched(op: (t: tf.Tensor) => tf.Tensor, rows: Float64Array[], shape: number[], what: string, probeIds: number[], step: number): Float64Array[] {
  const len = rows[0].length;
  const batch = new Float32Array(rows.length * len);
  rows.forEach((r, i) => batch.set(r, i * len));
  const x = tf.tensor(batch, [rows.length, ...shape]);
  const y = op(x);
  const data = y.dataSync();
  tf.dispose([x, y]);
  const outLen = data.length / rows.length;
  return rows.map((_, i) => {
    const out = Float64Array.from(data.subarray(i * outLen, (i + 1) * outLen));
    if (!out.every(Number.isFinite)) throw new Error(`${what} has non-finite values (probe ${probeIds[i]}, step ${step}): the operator or the model's weights are not finite`);
    return out;
  });
}

/**
 * The density of J's singular values by SLQ: Lanczos on JᵀJ (Golub–Kahan form) from `probes`
 * Rademacher vectors, `steps` steps each, with full reorthogonalisation in float64 on the host.
 * All probes go through one batched jvp ([probes, ...inShape]) and one batched vjp
 * ([probes, ...outShape]) call per step, so the cost is `steps` pairs of calls, and the memory
 * probes × steps × (n + m) float64 numbers.
 */
export function spectralDensity(J: JacobianOperator, opts: DensityOptions = {}): SpectralDensity {
  const n = size(J.inShape), m = size(J.outShape);
  const probes = opts.probes ?? 8, asked = opts.steps ?? 60, seed = opts.seed ?? 1;
  positiveInteger("probes", probes);
  positiveInteger("steps", asked);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer; got ${seed}`);
  const steps = Math.min(asked, n);
  const V = rademacherProbes(n, probes, seed).map((z) => [z.map((x) => x / Math.sqrt(n))]);
  const U: Float64Array[][] = V.map(() => []);
  const alpha: number[][] = V.map(() => []), beta: number[][] = V.map(() => []);
  const scale = V.map(() => 0);
  let active = V.map((_, p) => p), products = 0, calls = 0;
  for (let j = 0; j < steps && active.length; j++) {
    // u = J vⱼ − βⱼ₋₁ uⱼ₋₁ ⟂ U, αⱼ = ‖u‖
    const Jv = batched(J.jvp, active.map((p) => V[p][j]), J.inShape, "J·v", active, j + 1);
    calls++;
    products += active.length;
    const going: number[] = [];
    active.forEach((p, r) => {
      const u = Jv[r];
      if (j > 0) for (let i = 0; i < m; i++) u[i] -= beta[p][j - 1] * U[p][j - 1][i];
      orthogonalise(u, U[p]);
      const a = norm(u);
      scale[p] = Math.max(scale[p], a);
      if (a <= BREAKDOWN * scale[p]) {
        alpha[p].push(0); // J vⱼ ∈ span U: span V is invariant under JᵀJ, with a zero singular value
        return;
      }
      alpha[p].push(a);
      if (j + 1 === steps) return; // the last step needs no Jᵀu
      U[p].push(u.map((x) => x / a));
      going.push(p);
    });
    if (!going.length) break;
    // w = Jᵀuⱼ − αⱼ vⱼ ⟂ V, βⱼ = ‖w‖
    const JTu = batched(J.vjp, going.map((p) => U[p][j]), J.outShape, "Jᵀ·u", going, j + 1);
    calls++;
    products += going.length;
    active = [];
    going.forEach((p, r) => {
      const w = JTu[r];
      for (let i = 0; i < n; i++) w[i] -= alpha[p][j] * V[p][j][i];
      orthogonalise(w, V[p]);
      const b = norm(w);
      scale[p] = Math.max(scale[p], b);
      if (b <= BREAKDOWN * scale[p]) return; // span V invariant: B is complete
      beta[p].push(b);
      V[p].push(w.map((x) => x / b));
      active.push(p);
    });
  }
  const rules = alpha.map((a, p) => gaussRule(a, beta[p]));
  return {
    nodes: rules.map((r) => r.nodes),
    weights: rules.map((r) => r.weights),
    bidiagonals: alpha.map((a, p) => ({ alpha: a, beta: beta[p] })),
    n, m, probes, steps, products, calls, seed,
  };
}

/** The Gauss rule of the upper bidiagonal B (alpha, beta): nodes = B's singular values ascending, weights τⱼ² summing to 1. */
function gaussRule(alpha: number[], beta: number[]): { nodes: number[]; weights: number[] } {
  const k = alpha.length;
  const B = new Matrix(k, k);
  for (let i = 0; i < k; i++) {
    B.set(i, i, alpha[i]);
    if (i + 1 < k) B.set(i, i + 1, beta[i]);
  }
  const svd = new SingularValueDecomposition(B, { computeLeftSingularVectors: false, computeRightSingularVectors: true });
  const sigma = svd.diagonal, Q = svd.rightSingularVectors;
  const order = sigma.map((_, i) => i).sort((x, y) => sigma[x] - sigma[y]);
  const tau = order.map((i) => Q.get(0, i) ** 2);
  const total = tau.reduce((u, v) => u + v, 0);
  return { nodes: order.map((i) => sigma[i]), weights: tau.map((t) => t / total) };
}

/** A bin of singular values: min < σ ≤ max. */
export interface SpectrumBin {
  label: string;
  min: number;
  max: number;
}

/**
 * σ at or below this counts as 0. Exact zeros (dead ReLU outputs; the n − m null directions of
 * a down-sampling unit) come out of float32 products as ~1e-7·σ₁, in a dense SVD and as SLQ
 * nodes alike. An SLQ node for a cluster of zeros converges geometrically from above (unit s0.b1
 * of a 32×32 ResNet-20: 1e-2 after 20 steps, 1.3e-3 after 30, 3e-6 after 60), so a node near
 * 1e-3 means too few steps — which `quadratureChange` reports. 1e-3 is far below the 0.99 edge
 * that matters to seed 001 and below the smallest non-zero σ of residual units seen here (~0.3).
 */
export const ZERO_TOL = 1e-3;

/** Seed 001's bins (its Fig. 2): σ > 1.01, 0.99 < σ ≤ 1.01, ZERO_TOL < σ ≤ 0.99, σ ≤ ZERO_TOL. */
export const SEED_BINS: readonly SpectrumBin[] = [
  { label: "σ > 1.01", min: 1.01, max: Infinity },
  { label: "0.99 < σ ≤ 1.01", min: 0.99, max: 1.01 },
  { label: `${ZERO_TOL} < σ ≤ 0.99`, min: ZERO_TOL, max: 0.99 },
  { label: `σ ≤ ${ZERO_TOL} (≈ 0)`, min: -Infinity, max: ZERO_TOL },
];

/** The fraction of the n directions in one bin, with its uncertainty. */
export interface BinProportion extends SpectrumBin {
  /** Fraction of the n right singular directions with σ in the bin. */
  estimate: number;
  /** Standard error across probes (SLQ; NaN with one probe); 0 for an exact spectrum. */
  stdError: number;
  /** estimate ∓ 2 stdError, clipped to [0, 1]: the probe-to-probe (Hutchinson) noise only. */
  lower: number;
  upper: number;
  /**
   * SLQ: |estimate − the same estimate from the first half of each probe's Lanczos steps| (0 for
   * probes whose quadrature is exact: steps = n, or stopped at an invariant subspace). A bin
   * narrower than the spacing of the nodes is not resolved by the quadrature — an error the
   * stdError does not see; a large change says so (take more steps). 0 for an exact spectrum.
   */
  quadratureChange: number;
}

function checkBins(bins: readonly SpectrumBin[]): void {
  if (!bins.length) throw new RangeError("no bins given");
  for (const b of bins) if (!(b.min < b.max) || Number.isNaN(b.min) || Number.isNaN(b.max)) throw new RangeError(`bin "${b.label}": need min < max; got (${b.min}, ${b.max}]`);
}

const inBin = (b: SpectrumBin, s: number) => s > b.min && s <= b.max;

/**
 * The proportions of J's n right singular directions in each bin, from an exact list of singular
 * values (e.g. `fullSpectrum(J)`, which has min(m, n) of them): the n − values.length missing
 * ones are zeros (the null space of a J with m < n). Same shape as {@link densityProportions}.
 */
export function spectrumProportions(values: readonly number[], n = values.length, bins: readonly SpectrumBin[] = SEED_BINS): BinProportion[] {
  checkBins(bins);
  if (!Number.isInteger(n) || n < values.length || n < 1) throw new RangeError(`n must be an integer ≥ the number of values (${values.length}) and ≥ 1; got ${n}`);
  const bad = values.find((s) => !Number.isFinite(s) || s < 0);
  if (bad !== undefined) throw new RangeError(`singular values must be finite and ≥ 0; got ${bad}`);
  const zeros = n - values.length;
  return bins.map((b) => {
    const estimate = (values.filter((s) => inBin(b, s)).length + (inBin(b, 0) ? zeros : 0)) / n;
    return { ...b, estimate, stdError: 0, lower: estimate, upper: estimate, quadratureChange: 0 };
  });
}

/**
 * The proportions of J's n right singular directions in each bin from an SLQ density: per probe
 * Σⱼ τⱼ² [node j in bin], then mean and standard error over the probes.
 */
export function densityProportions(density: SpectralDensity, bins: readonly SpectrumBin[] = SEED_BINS): BinProportion[] {
  checkBins(bins);
  const P = density.nodes.length;
  const half = density.bidiagonals.map((t, p) => {
    const s = t.alpha.length;
    if (density.steps === density.n || s < density.steps) return { nodes: density.nodes[p], weights: density.weights[p] };
    const h = Math.ceil(s / 2);
    return gaussRule(t.alpha.slice(0, h), t.beta.slice(0, h - 1));
  });
  const inside = (b: SpectrumBin, nodes: number[], weights: number[]) => nodes.reduce((acc, s, j) => acc + (inBin(b, s) ? weights[j] : 0), 0);
  return bins.map((b) => {
    const perProbe = density.nodes.map((row, p) => inside(b, row, density.weights[p]));
    const estimate = perProbe.reduce((a, v) => a + v, 0) / P;
    const stdError = P > 1 ? Math.sqrt(perProbe.reduce((a, v) => a + (v - estimate) ** 2, 0) / (P - 1) / P) : NaN;
    const halfEstimate = half.reduce((a, r) => a + inside(b, r.nodes, r.weights), 0) / P;
    return { ...b, estimate, stdError, lower: Math.max(0, estimate - 2 * stdError), upper: Math.min(1, estimate + 2 * stdError), quadratureChange: Math.abs(estimate - halfEstimate) };
  });
}

/**
 * The density of σ (per unit σ, integrating to ≈ 1) at each point of `grid`, each node broadened
 * by a Gaussian of standard deviation `bandwidth`, averaged over probes (as PyHessian plots).
 */
export function densityCurve(density: SpectralDensity, grid: readonly number[], bandwidth: number): number[] {
  if (!(bandwidth > 0) || !Number.isFinite(bandwidth)) throw new RangeError(`bandwidth must be a positive finite number; got ${bandwidth}`);
  if (!grid.every(Number.isFinite)) throw new RangeError("grid must hold finite numbers");
  const c = 1 / (bandwidth * Math.sqrt(2 * Math.PI) * density.nodes.length);
  return grid.map((g) => {
    let sum = 0;
    density.nodes.forEach((row, p) => row.forEach((s, j) => (sum += density.weights[p][j] * Math.exp(-0.5 * ((g - s) / bandwidth) ** 2))));
    return c * sum;
  });
}

/**
 * An approximate scree curve from the density: for index fractions f = i/points (i = 1…points;
 * index f·n in the descending list of the n singular values), σ(f) = the largest node such that
 * the nodes ≥ it hold weight ≥ f, pooling all probes' nodes with weight τ²/probes. Clusters (the
 * plateau at 1, the zeros) come out flat; elsewhere it is a staircase with ≤ probes × steps treads.
 */
export function quantileCurve(density: SpectralDensity, points = 200): { fraction: number[]; sigma: number[] } {
  positiveInteger("points", points);
  const P = density.nodes.length;
  const pooled = density.nodes.flatMap((row, p) => row.map((s, j) => ({ s, w: density.weights[p][j] / P }))).sort((a, b) => b.s - a.s);
  const fraction: number[] = [], sigma: number[] = [];
  let k = 0, cum = pooled[0].w;
  for (let i = 1; i <= points; i++) {
    const f = i / points;
    while (cum < f && k + 1 < pooled.length) cum += pooled[++k].w;
    fraction.push(f);
    sigma.push(pooled[k].s);
  }
  return { fraction, sigma };
}
