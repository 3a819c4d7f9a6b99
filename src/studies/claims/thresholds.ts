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

/** Gradient flow by depth (seed 002): the first block's ‖∂L/∂x‖ at the deepest vs the shallowest net. */
export const GRADIENT_FLOW = {
  /** The plain net's gradient vanishes when it falls by more than this factor over the sweep. */
  vanishFactor: 1e-2,
  /** The residual net's gradient is kept when it falls by no more than this factor. */
  keepFactor: 1e-1,
  /** A residual gradient that grows by more than this factor is reported as growing. */
  growFactor: 10,
  /** A norm above this (or not finite) counts as exploding. */
  explodeNorm: 1e6,
} as const;

/**
 * Ranking the residual units (seed 004, He et al.'s Table 2): two test errors differ when they are
 * more than this many binomial standard errors apart, √(p(1 − p)/n) on the n test images.
 */
export const UNIT_RANKING = {
  seMultiple: 2,
} as const;
