/**
 * IDX files (MNIST, Fashion-MNIST): big-endian header, magic 0x00000803 for images
 * (count, rows, cols) and 0x00000801 for labels (count), then uint8 data. Gzipped or raw.
 */
import { gunzipSync } from "zlib";

/** A parsed IDX file. */
export interface IdxData {
  dims: number[];
  data: Uint8Array;
}

/** Decompresses gzip data (recognised by its magic bytes); other data is returned as is. */
export function maybeGunzip(buf: Uint8Array, file: string): Uint8Array {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new Error(`${file}: the gzip data is damaged (${(e as Error).message}); delete the file and download it again.`);
    }
  }
  return buf;
}

/**
 * Parses an IDX file of uint8 data with the expected number of dimensions (3 for images, 1 for
 * labels). Throws an error naming the file and what to do for wrong magic numbers and truncation.
 */
export function parseIdx(raw: Uint8Array, file: string, expectDims: 1 | 3): IdxData {
  const buf = maybeGunzip(raw, file);
  const magic = expectDims === 3 ? 0x00000803 : 0x00000801;
  const what = expectDims === 3 ? "an IDX image file" : "an IDX label file";
  const tooShort = () =>
    new Error(`${file}: ${buf.length} bytes is too short for ${what}; the file is truncated. Delete it and download it again.`);
  if (buf.length < 4) throw tooShort();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    throw new Error(
      `${file}: magic number 0x${got.toString(16).padStart(8, "0")} where ${what} has 0x${magic.toString(16).padStart(8, "0")}. ` +
        `Is this the right file (images vs labels)? If so it is corrupt: delete it and download it again.`,
    );
  }
  if (buf.length < 4 + 4 * expectDims) throw tooShort();
  const dims: number[] = [];
  for (let d = 0; d < expectDims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const header = 4 + 4 * expectDims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - header < size) {
    throw new Error(
      `${file}: the header announces ${dims.join("×")} = ${size} bytes of data but only ${buf.length - header} follow; ` +
        `the file is truncated. Delete it and download it again.`,
    );
  }
  return { dims, data: buf.subarray(header, header + size) };
}
