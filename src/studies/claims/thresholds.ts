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

/**
 * The stopping rule L = ceil(d_scaled / ε) against the crossing of ε, interpolated on log-log axes
 * between the swept depths that bracket it (src/analysis/stopping-rule.ts, crossingDepth).
 */
export const STOPPING_RULE = {
  /** |predicted − crossing| ≤ this fraction of the crossing L counts as agreement (unchanged since it was set). */
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

/**
 * The plateau of singular values at 1 (seed 001, Figs. 1–2): the share of a unit's n right
 * singular directions with 0.99 < σ ≤ 1.01 (the seed's own bin). A unit has a plateau when that
 * share, from a dense spectrum, is at least `minShare`, and none when it is below (SLQ densities
 * do not resolve the band: no verdict). The same share, in a band of ±1 % around α, decides
 * whether skip scaling moved the plateau to α (Fig. 5, left).
 */
export const PLATEAU = {
  minShare: 0.1,
  /** Relative half-width of the band around 1 (or α): the seed's 0.99–1.01. */
  band: 0.01,
} as const;

/**
 * Weight interpolation θ̂(t) = tθ + (1 − t)η (seed 001, Fig. 5 right, eq. 3): no plateau at t = 0
 * (PLATEAU.minShare), and the widest plateau at an interior t within `peakRange` (the seed: t = 0.5).
 */
export const INTERPOLATION = {
  peakRange: [0.25, 0.75] as const,
} as const;

/**
 * Random vs FGSM perturbations through the last stage (seed 001, Fig. 3): the median over images of
 * the RMS difference after the last unit over that after the last stage's first unit. FGSM jumps
 * when it grows by at least `minGrowth`, and random noise does not keep up when its growth is at
 * most 1/`minContrast` of FGSM's.
 */
export const FGSM_JUMP = {
  minGrowth: 2,
  minContrast: 2,
  /** Fewer perturbed images than this: no verdict. */
  minImages: 5,
} as const;

/**
 * Iterative inference (seed 003): the mean cosine between F_j and ∂L/∂h_j is negative in more
 * than `minNegativeShare` of a net's blocks (Fig. 3); dropping a non-down-sampling block costs at
 * most `maxRegularDropCost` accuracy on average and a down-sampling block at least
 * `minDownsamplingDropCost` (Fig. 4); the final classifier's accuracy at the hook points it reads
 * rises by at least `minIntermediateRise` from the first to the output and never falls by more
 * than `intermediateTolerance` from one point to the next (Fig. 6). Accuracies are fractions.
 */
export const ITERATIVE = {
  minNegativeShare: 0.5,
  maxRegularDropCost: 0.05,
  minDownsamplingDropCost: 0.1,
  minIntermediateRise: 0.05,
  intermediateTolerance: 0.01,
} as const;
