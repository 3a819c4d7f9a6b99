/**
 * CIFAR-10, binary version: records of 1 label byte + 3072 pixel bytes (R, G, B planes of
 * 32×32, row-major). Converted to NHWC on load.
 */
import { checkLabels } from "./dataset";
import { maybeGunzip } from "./idx";

/** Bytes per CIFAR-10 record. */
export const CIFAR_RECORD = 3073;

/** Parses one batch file (gzipped or raw) into NHWC pixels and labels. */
export function parseCifarBatch(raw: Uint8Array, file: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  const buf = maybeGunzip(raw, file);
  if (buf.length === 0 || buf.length % CIFAR_RECORD !== 0) {
    throw new Error(
      `${file}: ${buf.length} bytes is not a whole number of ${CIFAR_RECORD}-byte CIFAR-10 records; ` +
        `the file is truncated or not a CIFAR-10 binary batch. Delete it and download it again.`,
    );
  }
  const count = buf.length / CIFAR_RECORD;
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR_RECORD;
    labels[n] = buf[rec];
    const src = rec + 1;
    const dst = n * 3072;
    for (let p = 0; p < 1024; p++) {
      images[dst + 3 * p] = buf[src + p];
      images[dst + 3 * p + 1] = buf[src + 1024 + p];
      images[dst + 3 * p + 2] = buf[src + 2048 + p];
    }
  }
  checkLabels(labels, 10, file);
  return { images, labels, count };
}

/** Concatenates parsed batches into one split. */
export function concatBatches(parts: Array<{ images: Uint8Array; labels: Uint8Array; count: number }>) {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3072);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { images, labels, count };
}
