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

/** Where a section's mean scaled perturbation crosses ε, between the swept depths that bracket it. */
export interface Crossing {
  /** The deepest swept L still at or above ε (undefined when even the shallowest is below). */
  above?: number;
  /** The shallowest swept L below ε (the empirical depth). */
  below: number;
  /**
   * The crossing interpolated on log-log axes between `above` and `below` (the mean scaled
   * perturbation taken as a power of L between them); undefined without `above`.
   */
  L?: number;
}

/**
 * Per section, where the mean scaled perturbation crosses ε (undefined when no swept L is below
 * it). The empirical depth alone is only an upper bound of the crossing on a coarse grid (on
 * L = 16, 32 the crossing can be anywhere in (16, 32]); the log-log interpolation between the
 * bracketing depths is the estimate a fine sweep (the seed's steps of 2) would approach.
 */
export function crossingDepth(points: SweepPoint[], eps: number): Array<Crossing | undefined> {
  if (!(eps > 0)) throw new RangeError(`ε must be a positive number, got ${eps}`);
  const sections = Math.max(0, ...points.map((p) => p.meanScaled.length));
  const sorted = [...points].sort((a, b) => a.L - b.L);
  return Array.from({ length: sections }, (_, s) => {
    const i = sorted.findIndex((p) => p.meanScaled[s] < eps);
    if (i < 0) return undefined;
    const below = sorted[i];
    if (i === 0) return { below: below.L };
    const above = sorted[i - 1];
    const [y0, y1] = [Math.log(above.meanScaled[s]), Math.log(below.meanScaled[s])];
    const t = (y0 - Math.log(eps)) / (y0 - y1);
    return { above: above.L, below: below.L, L: Math.exp(Math.log(above.L) + t * (Math.log(below.L) - Math.log(above.L))) };
  });
}
