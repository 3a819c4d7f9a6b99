/**
 * Finding dataset files on disk, and downloading them (verified, never half-written).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { maybeGunzip } from "./idx";

/** SHA-256 (hex) of the decompressed content of a file's bytes. */
export function contentSha256(bytes: Uint8Array, file: string): string {
  return createHash("sha256").update(maybeGunzip(bytes, file)).digest("hex");
}

/** The first existing path among `name` and `name` with/without ".gz" in each folder, in order. */
export function findFile(dirs: string[], name: string): string | undefined {
  const base = name.replace(/\.gz$/, "");
  for (const dir of dirs) {
    for (const candidate of [base + ".gz", base]) {
      const p = path.join(dir, candidate);
      if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
    }
  }
  return undefined;
}

/** Fetches a URL into `dest` through a temporary file: a failed download leaves nothing behind. */
export async function downloadTo(url: string, dest: string, fetchImpl: typeof fetch = fetch): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part-${process.pid}`;
  let out: fs.WriteStream | undefined;
  try {
    const res = await fetchImpl(url, { redirect: "follow", signal: AbortSignal.timeout(15 * 60 * 1000) });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    out = fs.createWriteStream(part);
    await pipeline(Readable.fromWeb(res.body as never), out);
    fs.renameSync(part, dest);
  } catch (e) {
    // The file may be opened after the failure: wait for the stream to close, then remove it.
    if (out && !out.closed) await new Promise<void>((r) => out!.once("close", () => r()));
    fs.rmSync(part, { force: true });
    throw new Error(`download of ${url} failed: ${(e as Error).message}`);
  }
}

/**
 * Checks a file's content checksum; on a mismatch deletes it (when `removeOnMismatch`) and throws
 * an error that names the file, both checksums and what to do.
 */
export function verifyFile(file: string, sha256: string, removeOnMismatch: boolean): void {
  const got = contentSha256(fs.readFileSync(file), file);
  if (got !== sha256) {
    if (removeOnMismatch) fs.rmSync(file, { force: true });
    throw new Error(
      `${file}: checksum mismatch (SHA-256 of the content is ${got}, expected ${sha256}). ` +
        (removeOnMismatch ? "The file was deleted; run again to download it anew." : "Delete the file and download it again."),
    );
  }
}
