/**
 * One entry point for the singular spectrum of a Jacobian operator, choosing the method by size:
 * the dense SVD when J is small enough to form, otherwise the top k by (block) Lanczos on JᵀJ plus
 * a stochastic-Lanczos-quadrature density for the bulk. Either way the seed-001 proportions
 * (>1.01, [0.99, 1.01], (0, 0.99), ≈0) come out in one shape.
 */
import type { JacobianOperator } from "./linearize";
import { fullSpectrum, topSingularValuesBlock } from "./spectrum";
import { densityProportions, quantileCurve, spectralDensity, spectrumProportions, type BinProportion, type SpectralDensity } from "./slq";

/** How to compute a spectrum. */
export interface SpectrumOptions {
  /** "auto" (default): dense when n ≤ denseLimit, else top-k + density. */
  method?: "auto" | "dense" | "topk" | "density";
  /** Largest singular values by Lanczos on JᵀJ (default 20). */
  k?: number;
  /** Largest input dimension formed densely in "auto" (default 1,024). */
  denseLimit?: number;
  /** SLQ probe vectors (default 8) and Lanczos steps per probe (default 60). */
  probes?: number;
  steps?: number;
  seed?: number;
}

/** A spectrum of one operator and how it was obtained. */
export interface UnitSpectrum {
  /** Input and output dimensions of J (n = size of the unit's input, m = output). */
  n: number;
  m: number;
  method: "dense" | "topk" | "density" | "topk+density";
  /** Dense: all min(m, n) singular values, descending. */
  values?: number[];
  /** The k largest singular values (Lanczos), descending. */
  top?: number[];
  /** SLQ density of the singular values. */
  density?: SpectralDensity;
  /** Seed-001 proportions over the n right-singular directions (absent for "topk" alone). */
  proportions?: BinProportion[];
  /** J·v plus Jᵀ·u products used (dense: n, one per basis vector). */
  products: number;
  seconds: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The spectrum of `J` (see {@link SpectrumOptions}). */
export function unitSpectrum(J: JacobianOperator, opts: SpectrumOptions = {}): UnitSpectrum {
  const n = size(J.inShape), m = size(J.outShape);
  const k = Math.min(opts.k ?? 20, n, m);
  const method = opts.method ?? "auto";
  const dense = method === "dense" || (method === "auto" && n <= (opts.denseLimit ?? 1024));
  const t0 = performance.now();
  if (dense) {
    const values = fullSpectrum(J);
    return { n, m, method: "dense", values, proportions: spectrumProportions(values, n), products: n, seconds: (performance.now() - t0) / 1000 };
  }
  const out: UnitSpectrum = { n, m, method: "topk", products: 0, seconds: 0 };
  if (method !== "density") {
    // block Lanczos in libtorch on torch; Lanczos on JᵀJ elsewhere
    const top = topSingularValuesBlock(J, k, { seed: opts.seed, tol: 1e-6 });
    out.top = top.values;
    out.products += top.products;
  }
  if (method !== "topk") {
    const density = spectralDensity(J, { probes: opts.probes ?? 8, steps: opts.steps ?? 60, seed: opts.seed });
    out.density = density;
    out.proportions = densityProportions(density);
    out.products += density.products;
    out.method = method === "density" ? "density" : "topk+density";
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/**
 * A scree curve (index i = 1…N against σ_i, descending) for plotting: the dense values, or, for
 * large units, the density's quantile curve over the n directions with the exact top k spliced
 * in at the head.
 */
export function screeCurve(s: UnitSpectrum, points = 200): { index: number[]; sigma: number[] } {
  if (s.values) return { index: s.values.map((_, i) => i + 1), sigma: s.values };
  const head = s.top ?? [];
  if (!s.density) return { index: head.map((_, i) => i + 1), sigma: head };
  const q = quantileCurve(s.density, points);
  const index: number[] = head.map((_, i) => i + 1), sigma: number[] = [...head];
  q.fraction.forEach((f, i) => {
    const idx = Math.max(1, Math.round(f * s.n));
    if (idx > head.length) {
      index.push(idx);
      sigma.push(q.sigma[i]);
    }
  });
  return { index, sigma };
}

/**
 * The share of J's n right singular directions with lo < σ ≤ hi, with its uncertainty: exact from
 * a dense spectrum, the SLQ estimate ∓ 2 standard errors from a density (see BinProportion).
 * Throws for a spectrum that has only its top k values.
 */
export function spectrumShare(s: UnitSpectrum, lo: number, hi: number): BinProportion {
  const bins = [{ label: `${lo} < σ ≤ ${hi}`, min: lo, max: hi }];
  if (s.values) return spectrumProportions(s.values, s.n, bins)[0];
  if (s.density) return densityProportions(s.density, bins)[0];
  throw new Error(`this spectrum (${s.method}) holds only its top ${s.top?.length ?? 0} singular values: a share needs the dense spectrum or a density (method "auto", "dense" or "density")`);
}
