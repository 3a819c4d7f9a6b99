/**
 * The stopping rule for depth (seed 000, eq. 11 and §3.5.1): with a scaled distance d_scaled per
 * section, L = ceil(d_scaled / ε) blocks keep the mean scaled perturbation below ε.
 */

/**
 * ceil(x), robust to floating error: a quotient within a few ulps of an integer is that
 * integer (4.2 / 0.1 = 42.00000000000001 must give 42, not 43).
 */
export function robustCeil(x: number, relTol = 1e-9): number {
  const r = Math.round(x);
  return Math.abs(x - r) <= relTol * Math.max(1, Math.abs(x)) ? r : Math.ceil(x);
}

/** Blocks per section predicted by the stopping rule: ceil(d_scaled / ε). */
export function predictedDepth(scaledDistance: number, eps: number): number {
  if (!(eps > 0)) throw new RangeError(`ε must be a positive number, got ${eps}`);
  if (!(scaledDistance >= 0) || !Number.isFinite(scaledDistance)) {
    throw new RangeError(`the scaled distance must be a finite number ≥ 0, got ${scaledDistance}`);
  }
  return Math.max(1, robustCeil(scaledDistance / eps));
}

/** One run of a sweep: L and the mean scaled perturbation of each section. */
export interface SweepPoint {
  L: number;
  /** Mean scaled perturbation (d_scaled / L) per section. */
  meanScaled: number[];
}

/** The smallest L of a sweep whose mean scaled perturbation is below ε, per section (undefined if none). */
export function empiricalDepth(points: SweepPoint[], eps: number): Array<number | undefined> {
  const sections = Math.max(0, ...points.map((p) => p.meanScaled.length));
  const sorted = [...points].sort((a, b) => a.L - b.L);
  return Array.from({ length: sections }, (_, s) => sorted.find((p) => p.meanScaled[s] < eps)?.L);
}
