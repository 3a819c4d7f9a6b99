/**
 * Seeds for tfjs' random ops. tfjs treats seed 0 (and undefined) as "no seed": a tensor drawn
 * with seed 0 differs from run to run. And counting layer seeds up from a model's seed would give
 * seed s's second layer the weights of seed s+1's first. Each seed here owns a block of non-zero
 * tfjs seeds instead.
 */

/** Draws a seed may make before its tfjs seeds would reach the next seed's block. */
const BLOCK = 100_003;

function check(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`a seed must be a whole number ≥ 0; got ${seed}`);
}

/** The tfjs seed of draw number `draw` (0, 1, …) for ResLab seed `seed`: distinct, never 0. */
export function tfSeed(seed = 0, draw = 0): number {
  check(seed);
  return seed * BLOCK + draw + 1;
}

/** A counter of tfjs seeds for seed `seed` (the layers of one model, in order). */
export function layerSeeds(seed = 0): () => number {
  check(seed);
  let draw = 0;
  return () => tfSeed(seed, draw++);
}
