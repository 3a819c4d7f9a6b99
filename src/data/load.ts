/**
 * Loading datasets by name, from the first place that has them:
 * a folder you name, a folder of datasets (RESLAB_DATA_DIR), the project's data/ cache, a system
 * folder (Debian's Fashion-MNIST), and finally a download from the canonical location into the
 * cache, verified by SHA-256.
 */
import * as fs from "fs";
import * as path from "path";
import { pipeline } from "stream/promises";
import { createGunzip } from "zlib";
import * as tarStream from "tar-stream";
import { PACKAGE_ROOT } from "../version";
import { CATALOG, type CatalogEntry } from "./catalog";
import { concatBatches, parseCifarBatch } from "./cifar";
import { checkLabels, type ImageDataset, type ImageSplit } from "./dataset";
import { loadEmbeddedMnist, type EmbeddedOptions } from "./embedded";
import { downloadTo, findFile, verifyFile } from "./files";
import { parseIdx } from "./idx";

/** Dataset names {@link loadDataset} accepts. */
export const DATASET_NAMES = ["mnist-embedded", "mnist", "fashion-mnist", "cifar10"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Options of {@link loadDataset}. */
export interface LoadOptions extends EmbeddedOptions {
  /** A folder holding the files (looked at first). */
  dir?: string;
  /** The cache folder (default: the project's data/NAME). */
  cacheDir?: string;
  /**
   * Folders of datasets, one sub-folder per dataset (`mnist/`, `fashion-mnist/`, `cifar10/` or
   * `cifar-10/`), looked at after `dir` and before the cache: e.g. a lab's shared drive. Default:
   * the RESLAB_DATA_DIR environment variable, several folders separated by ":".
   */
  dataDirs?: string[];
  /** Download missing files (default true). */
  download?: boolean;
  /** Also verify checksums of files found locally (downloads are always verified). */
  verify?: boolean;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
  /** fetch implementation (tests inject one). */
  fetch?: typeof fetch;
}

/** The default cache folder of a dataset. */
export function defaultCacheDir(name: string): string {
  return path.join(PACKAGE_ROOT, "data", name);
}

/** Loads a dataset by name; see {@link LoadOptions}. */
export async function loadDataset(name: string, opts: LoadOptions = {}): Promise<ImageDataset> {
  if (name === "mnist-embedded") return loadEmbeddedMnist(opts);
  const entry = (CATALOG as Record<string, CatalogEntry>)[name];
  if (!entry) {
    throw new Error(`Unknown dataset "${name}". Use one of: ${DATASET_NAMES.join(", ")}.`);
  }
  return entry.format === "idx" ? loadIdxDataset(entry, opts) : loadCifar(entry, opts);
}

/**
 * The folders of datasets RESLAB_DATA_DIR names (":"-separated; empty entries ignored), as absolute
 * paths: a relative entry is taken from this process's working directory, which for a notebook's
 * kernel is the notebook's folder (`npm run reproduce` makes its entries absolute first).
 */
export function envDataDirs(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string[] {
  return (env.RESLAB_DATA_DIR ?? "").split(":").map((d) => d.trim()).filter(Boolean).map((d) => path.resolve(cwd, d));
}

function searchDirs(entry: CatalogEntry, opts: LoadOptions, extra: string[] = []): string[] {
  const cache = opts.cacheDir ?? defaultCacheDir(entry.name);
  const shared = (opts.dataDirs ?? envDataDirs()).flatMap((root) => entry.folderNames.map((f) => path.join(root, f)));
  return [...(opts.dir ? [opts.dir, ...extra.map((e) => path.join(opts.dir!, e))] : []), ...shared, cache, ...(entry.systemDirs ?? [])];
}

function missingError(entry: CatalogEntry, file: string, dirs: string[]): Error {
  return new Error(
    `${entry.name}: ${file} not found (looked in ${dirs.join(", ")}) and downloading is off. ` +
      `Put the files in one of those folders, name a folder with { dir }, or allow the download.`,
  );
}

async function fetchVerified(entry: CatalogEntry, fileName: string, sha256: string, opts: LoadOptions): Promise<string> {
  const cache = opts.cacheDir ?? defaultCacheDir(entry.name);
  const dest = path.join(cache, fileName);
  const errors: string[] = [];
  for (const base of entry.urls) {
    const url = base + fileName;
    opts.log?.(`downloading ${url}`);
    try {
      await downloadTo(url, dest, opts.fetch);
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    verifyFile(dest, sha256, true);
    return dest;
  }
  throw new Error(`${entry.name}: could not download ${fileName}:\n  ${errors.join("\n  ")}\nCheck the network, or put the file in ${cache}.`);
}

function readSplit(entry: CatalogEntry, imagesFile: string, labelsFile: string): ImageSplit {
  const img = parseIdx(fs.readFileSync(imagesFile), imagesFile, 3);
  const lab = parseIdx(fs.readFileSync(labelsFile), labelsFile, 1);
  const [n, h, w] = img.dims;
  if (h !== entry.shape[0] || w !== entry.shape[1]) {
    throw new Error(`${imagesFile}: images are ${h}×${w}, ${entry.name} images are ${entry.shape[0]}×${entry.shape[1]}. Is this the right file?`);
  }
  if (lab.dims[0] !== n) {
    throw new Error(`${labelsFile}: ${lab.dims[0]} labels for ${n} images in ${imagesFile}; the two files do not belong together.`);
  }
  checkLabels(lab.data, entry.classes.length, labelsFile);
  return { images: img.data, labels: lab.data, count: n };
}

async function loadIdxDataset(entry: CatalogEntry, opts: LoadOptions): Promise<ImageDataset> {
  const dirs = searchDirs(entry, opts);
  const paths: string[] = [];
  const sources = new Set<string>();
  for (const f of entry.files) {
    let p = findFile(dirs, f.name);
    if (p && opts.verify) verifyFile(p, f.sha256, false);
    if (!p) {
      if (opts.download === false) throw missingError(entry, f.name, dirs);
      p = await fetchVerified(entry, f.name, f.sha256, opts);
    }
    paths.push(p);
    sources.add(path.dirname(p));
  }
  return {
    name: entry.name,
    shape: entry.shape,
    classes: entry.classes,
    train: readSplit(entry, paths[0], paths[1]),
    test: readSplit(entry, paths[2], paths[3]),
    source: [...sources].join(", "),
  };
}

/** Extracts the CIFAR-10 member files from the official tarball into `dest` (verified). */
export async function extractCifarTarball(tarball: string, entry: CatalogEntry, dest: string): Promise<void> {
  const wanted = new Map(entry.files.map((f) => [`${entry.archiveFolder}/${f.name}`, f]));
  const extract = tarStream.extract();
  const written: string[] = [];
  extract.on("entry", (header, stream, next) => {
    const f = wanted.get(header.name.replace(/^\.\//, ""));
    if (!f) {
      stream.resume();
      stream.on("end", next);
      return;
    }
    const out = path.join(dest, f.name);
    const part = `${out}.part-${process.pid}`;
    pipeline(stream, fs.createWriteStream(part))
      .then(() => {
        fs.renameSync(part, out);
        written.push(out);
        next();
      })
      .catch((e) => {
        fs.rmSync(part, { force: true });
        next(e);
      });
  });
  fs.mkdirSync(dest, { recursive: true });
  await pipeline(fs.createReadStream(tarball), createGunzip(), extract).catch((e) => {
    throw new Error(`${tarball}: could not read the archive (${(e as Error).message}); delete it and download it again.`);
  });
  for (const f of entry.files) {
    const p = path.join(dest, f.name);
    if (!fs.existsSync(p)) throw new Error(`${tarball}: the archive has no ${entry.archiveFolder}/${f.name}; delete it and download it again.`);
    verifyFile(p, f.sha256, true);
  }
}

async function loadCifar(entry: CatalogEntry, opts: LoadOptions): Promise<ImageDataset> {
  const dirs = searchDirs(entry, opts, [entry.archiveFolder!]);
  const cache = opts.cacheDir ?? defaultCacheDir(entry.name);
  let found = entry.files.map((f) => findFile(dirs, f.name));
  if (found.some((p) => !p)) {
    const tarName = "cifar-10-binary.tar.gz";
    let tarball = findFile(opts.dir ? [opts.dir, cache] : [cache], tarName);
    if (!tarball) {
      if (opts.download === false) throw missingError(entry, entry.files[found.findIndex((p) => !p)].name, dirs);
      tarball = path.join(cache, tarName);
      opts.log?.(`downloading ${entry.urls[0]}`);
      try {
        await downloadTo(entry.urls[0], tarball, opts.fetch);
      } catch (e) {
        throw new Error(
          `${entry.name}: the files are not in ${dirs.join(", ")}, and ${(e as Error).message}. ` +
            `Put ${entry.files.map((f) => f.name).join(", ")} (or ${tarName}) in ${cache}, name their folder with { dir } or in RESLAB_DATA_DIR, or check the network.`,
        );
      }
    }
    await extractCifarTarball(tarball, entry, cache);
    found = entry.files.map((f) => findFile([cache], f.name));
  } else if (opts.verify) {
    entry.files.forEach((f, i) => verifyFile(found[i]!, f.sha256, false));
  }
  const parts = found.map((p) => parseCifarBatch(fs.readFileSync(p!), p!));
  return {
    name: entry.name,
    shape: entry.shape,
    classes: entry.classes,
    train: concatBatches(parts.slice(0, 5)),
    test: parts[5],
    source: [...new Set(found.map((p) => path.dirname(p!)))].join(", "),
  };
}
