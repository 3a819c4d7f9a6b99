/**
 * Batches as float tensors, one at a time, from uint8 storage: the whole float dataset is
 * never held in memory.
 */
import * as tf from "@tensorflow/tfjs";
import { imageSize, type ImageDataset, type ImageSplit } from "./dataset";
import { Rng } from "./rng";
import { drawAugmentation, writeImage, type Augmentation, type NormStats } from "./transforms";

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Normalisation (compute with channelStats on the training split). */
  norm: NormStats;
  /** Shuffle with this seed (the order changes with `epoch`); omit for file order. */
  seed?: number;
  /** Epoch number, mixed into the seed so each epoch has its own order and augmentation. */
  epoch?: number;
  /** Augmentation, or none. */
  augment?: Augmentation;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
}

/** One batch: images [B, H, W, C] (NHWC, normalised float32) and labels [B] (int32). Dispose both. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  /** Indices of the images in the split. */
  indices: Uint32Array;
}

/** Iterates over a split in batches (see {@link BatchOptions}). */
export function* batches(ds: Pick<ImageDataset, "shape">, split: ImageSplit, opts: BatchOptions): Generator<Batch> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError(`batchSize must be a whole number ≥ 1, got ${opts.batchSize}`);
  const size = imageSize(ds);
  const epochSeed = opts.seed === undefined ? undefined : opts.seed * 1000003 + (opts.epoch ?? 0);
  const order = epochSeed === undefined ? Uint32Array.from({ length: split.count }, (_, i) => i) : new Rng(epochSeed).permutation(split.count);
  const augRng = new Rng((epochSeed ?? 0) ^ 0x5bd1e995);
  for (let start = 0; start < split.count; start += opts.batchSize) {
    const end = Math.min(start + opts.batchSize, split.count);
    if (opts.dropLast && end - start < opts.batchSize) break;
    const idx = order.subarray(start, end);
    const buf = new Float32Array(idx.length * size);
    const labels = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      const aug = opts.augment ? drawAugmentation(augRng, opts.augment) : undefined;
      writeImage(split.images, i * size, ds.shape, buf, k * size, opts.norm, aug);
      labels[k] = split.labels[i];
    });
    yield { x: tf.tensor4d(buf, [idx.length, ...ds.shape]), y: tf.tensor1d(labels, "int32"), indices: Uint32Array.from(idx) };
  }
}
