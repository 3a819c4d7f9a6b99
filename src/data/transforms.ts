/**
 * Normalisation statistics, augmentation (seed 000's CIFAR-10 recipe) and subsets.
 */
import { selectIndices, imageSize, type ImageDataset, type ImageSplit } from "./dataset";
import { Rng } from "./rng";

/** Per-channel mean and standard deviation of pixel/255 values. */
export interface NormStats {
  mean: number[];
  std: number[];
}

/** Per-channel statistics of a split (use the training split), accumulated in float64. */
export function channelStats(split: ImageSplit, channels: number): NormStats {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  const px = split.images;
  for (let i = 0; i < px.length; i++) {
    const v = px[i] / 255;
    const c = i % channels;
    sum[c] += v;
    sq[c] += v * v;
  }
  const n = px.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / n - mean[c] ** 2, 0)) || 1);
  return { mean, std };
}

/** Pad-and-crop (and flip) augmentation; seed 000: pad 4 with zeros, random crop, random flip on CIFAR-10. */
export interface Augmentation {
  /** Zero padding on each side before the random crop back to the original size (default 4). */
  pad: number;
  /** Random horizontal flip with probability 1/2. */
  flip: boolean;
}

/** Seed 000's CIFAR-10 augmentation. */
export const CIFAR_AUGMENTATION: Augmentation = { pad: 4, flip: true };

/**
 * Writes one image into `out` (float, normalised) with an optional random crop offset and flip:
 * out[h, w] = in[h + dy − pad, w' + dx − pad] (0 outside the image), w' = W−1−w when flipped.
 */
export function writeImage(
  src: Uint8Array,
  srcOffset: number,
  shape: [number, number, number],
  out: Float32Array,
  outOffset: number,
  norm: NormStats,
  aug?: { dy: number; dx: number; flip: boolean; pad: number },
): void {
  const [H, W, C] = shape;
  const scale = norm.std.map((s) => 1 / (255 * s));
  const shift = norm.mean.map((m, c) => m / norm.std[c]);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      let sh = h, sw = w;
      if (aug) {
        sh = h + aug.dy - aug.pad;
        sw = (aug.flip ? W - 1 - w : w) + aug.dx - aug.pad;
      }
      const inside = sh >= 0 && sh < H && sw >= 0 && sw < W;
      const o = outOffset + (h * W + w) * C;
      const s = srcOffset + (sh * W + sw) * C;
      for (let c = 0; c < C; c++) out[o + c] = (inside ? src[s + c] : 0) * scale[c] - shift[c];
    }
  }
}

/** Draws one image's augmentation parameters. */
export function drawAugmentation(rng: Rng, aug: Augmentation) {
  return { dy: rng.int(2 * aug.pad + 1), dx: rng.int(2 * aug.pad + 1), flip: aug.flip && rng.next() < 0.5, pad: aug.pad };
}

/** The first `n` images of a split. */
export function firstN(split: ImageSplit, n: number, size: number): ImageSplit {
  if (n >= split.count) return split;
  return { images: split.images.subarray(0, n * size), labels: split.labels.subarray(0, n), count: n };
}

/**
 * `perClass` images of every class: the first ones in file order, or a seeded random choice.
 * Throws when a class has fewer images than asked for.
 */
export function stratified(split: ImageSplit, perClass: number, numClasses: number, size: number, seed?: number): ImageSplit {
  const order = seed === undefined ? undefined : new Rng(seed).permutation(split.count);
  const taken = new Array<number>(numClasses).fill(0);
  const idx: number[] = [];
  for (let k = 0; k < split.count && idx.length < perClass * numClasses; k++) {
    const i = order ? order[k] : k;
    const c = split.labels[i];
    if (taken[c] < perClass) {
      taken[c]++;
      idx.push(i);
    }
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) throw new RangeError(`class ${short} has only ${taken[short]} images, fewer than the ${perClass} per class asked for`);
  idx.sort((a, b) => a - b);
  return selectIndices(split, idx, size);
}

/** A dataset cut to at most `trainN` / `testN` images (stratified when `perClass` is set). */
export function subsetDataset(ds: ImageDataset, opts: { trainN?: number; testN?: number; perClass?: boolean; seed?: number }): ImageDataset {
  const size = imageSize(ds);
  const k = ds.classes.length;
  const cut = (split: ImageSplit, n?: number) =>
    n === undefined ? split : opts.perClass ? stratified(split, Math.floor(n / k), k, size, opts.seed) : firstN(split, n, size);
  return { ...ds, train: cut(ds.train, opts.trainN), test: cut(ds.test, opts.testN) };
}

/**
 * A dataset shrunk by an integer factor f: each f×f patch of every channel becomes its mean
 * (rounded to the nearest byte). H and W must be divisible by f. Used to make quick-mode
 * Jacobians small enough to form densely (MNIST 28×28 → 14×14 with f = 2).
 */
export function downsampleDataset(ds: ImageDataset, factor: number): ImageDataset {
  if (factor === 1) return ds;
  const [H, W, C] = ds.shape;
  if (!Number.isInteger(factor) || factor < 1 || H % factor || W % factor) {
    throw new RangeError(`downsample factor must be a whole number dividing the image size ${H}×${W}; got ${factor}`);
  }
  const h = H / factor, w = W / factor;
  const pool = (split: ImageSplit): ImageSplit => {
    const out = new Uint8Array(split.count * h * w * C);
    const area = factor * factor;
    for (let n = 0; n < split.count; n++) {
      const src = n * H * W * C, dst = n * h * w * C;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let c = 0; c < C; c++) {
        let s = 0;
        for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) s += split.images[src + ((i * factor + a) * W + j * factor + b) * C + c];
        out[dst + (i * w + j) * C + c] = Math.round(s / area);
      }
    }
    return { images: out, labels: split.labels, count: split.count };
  };
  return { ...ds, name: `${ds.name}-${h}x${w}`, shape: [h, w, C], train: pool(ds.train), test: pool(ds.test), source: `${ds.source}, ${factor}×${factor} mean-pooled` };
}
