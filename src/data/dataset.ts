/**
 * The in-memory image dataset: uint8 pixels in NHWC order and uint8 labels.
 *
 * Pixels stay uint8 (1 byte each: all of CIFAR-10's 50,000 training images are 154 MB); batches
 * are converted to float tensors one at a time (see batches.ts).
 */

/** One split of an image dataset. */
export interface ImageSplit {
  /** N·H·W·C bytes, NHWC, 0–255. */
  images: Uint8Array;
  /** N labels in [0, numClasses). */
  labels: Uint8Array;
  /** Number of images (N). */
  count: number;
}

/** An image dataset with a train and a test split. */
export interface ImageDataset {
  /** Short name: "mnist", "fashion-mnist", "cifar10", "mnist-embedded". */
  name: string;
  /** Image shape [height, width, channels]. */
  shape: [number, number, number];
  /** Class names, index = label. */
  classes: string[];
  train: ImageSplit;
  test: ImageSplit;
  /** Where the bytes came from (a folder, a package, a URL), for provenance. */
  source: string;
}

/** Bytes per image. */
export function imageSize(ds: Pick<ImageDataset, "shape">): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/** Counts labels per class. */
export function classCounts(split: ImageSplit, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < split.count; i++) counts[split.labels[i]]++;
  return counts;
}

/** Checks every label is a class index; throws naming the first bad one and the file. */
export function checkLabels(labels: Uint8Array, numClasses: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new Error(
        `${file}: label ${labels[i]} at index ${i} is out of range 0–${numClasses - 1}. ` +
          `The file is corrupt or not this dataset; delete it and download it again.`,
      );
    }
  }
}

/** A new split holding the given indices of `split` (copies). */
export function selectIndices(split: ImageSplit, indices: ArrayLike<number>, size: number): ImageSplit {
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(split.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = split.labels[i];
  }
  return { images, labels, count: indices.length };
}
