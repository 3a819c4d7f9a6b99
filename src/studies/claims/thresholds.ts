/**
 * Every threshold the reproduction table's verdicts use, in one place (issue 15: fixed, cited,
 * never tuned to make a claim pass). Each claim module imports from here and the table cites the
 * constant by name.
 */

/** The 1/L law: the slope of log mean scaled perturbation on log L, its 95 % interval against −1 and 0. */
export const INVERSE_LAW = {
  /** The seed's exponent. */
  slope: -1,
  /** Fewer depths than this: no verdict. */
  minDepths: 3,
} as const;

/** Distance saturating with L: the relative growth of d_scaled over the last doubling-or-so of L. */
export const DISTANCE_SATURATION = {
  /** At most this relative growth between the two deepest L counts as saturated. */
  maxRelativeGrowth: 0.1,
  /**
   * Seed 000 (§3.4, Fig. 6) sees d_scaled rise fast for L < 20, with diminishing returns up to about
   * L = 80, then saturate; a sweep that stops short of this L cannot contradict it by still growing.
   */
  minDeepestL: 80,
} as const;

/** The stopping rule L = ceil(d_scaled / ε) against the empirical crossing of ε. */
export const STOPPING_RULE = {
  /** |predicted − empirical| ≤ this fraction of the empirical L counts as agreement. */
  relativeTolerance: 0.25,
} as const;
