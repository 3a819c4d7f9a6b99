/**
 * Training, divergence, interrupts, checkpoints and resumable sweeps, on a small real subset of
 * the embedded MNIST digits with a narrow pre-activation ResNet (wasm backend).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { loadEmbeddedMnist } from "../../src/data/embedded";
import { subsetDataset } from "../../src/data/transforms";
import { buildPreActResNet } from "../../src/models/preact-resnet";
import { requestInterrupt, clearInterrupt } from "../../src/runtime/interrupt";
import { loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint";
import { readRun, runDir, sweep } from "../../src/train/sweep";
import { scheduledLr, train } from "../../src/train/train";
import { evaluate } from "../../src/train/evaluate";
import { batches } from "../../src/data/batches";
import { channelStats } from "../../src/data/transforms";
import { RecordingSink, setDisplaySink, consoleSink } from "../../src/display/sink";

const ds = subsetDataset(loadEmbeddedMnist({ seed: 0 }), { trainN: 200, testN: 100, perClass: true });
const small = (seed = 0, L = 1) => buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: L, widths: [4, 8, 8], seed });
const quiet = { live: false } as const;

beforeAll(async () => {
  await selectBackend({ prefer: "wasm", strict: true });
});

test("learning-rate schedules, hand-computed", () => {
  expect(scheduledLr(0.1, 5, 10)).toBe(0.1);
  expect(scheduledLr(0.1, 5, 10, { kind: "step", milestones: [3, 6], gamma: 0.1 })).toBeCloseTo(0.01, 12);
  expect(scheduledLr(0.1, 0, 10, { kind: "cosine" })).toBeCloseTo(0.1, 12);
  expect(scheduledLr(0.1, 5, 10, { kind: "cosine" })).toBeCloseTo(0.05, 12);
});

test("evaluate: mean cross-entropy and accuracy over the split, against a float64 log-sum-exp of the logits", () => {
  const model = small(3);
  const norm = channelStats(ds.train, 1);
  const ev = evaluate(model, ds, ds.test, norm, 32); // 100 images: batches of 32, 32, 32, 4
  let loss = 0, correct = 0;
  for (const b of batches(ds, ds.test, { batchSize: 100, norm })) {
    const logits = (model.predict(b.x) as tf.Tensor).arraySync() as number[][];
    const y = Array.from(b.y.dataSync());
    logits.forEach((z, i) => {
      const m = Math.max(...z);
      loss += m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y[i]];
      if (z.indexOf(m) === y[i]) correct++;
    });
    tf.dispose([b.x, b.y]);
  }
  expect(ev.count).toBe(100);
  expect(ev.loss).toBeCloseTo(loss / 100, 4);
  expect(ev.accuracy).toBeCloseTo(correct / 100, 10);
  model.dispose();
});

test("training lowers the loss, records history and shows live progress and curves", async () => {
  const sink = new RecordingSink();
  setDisplaySink(sink);
  try {
    const model = buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: 1, seed: 1 }); // widths 16/32/64
    const res = await train(model, ds, { epochs: 3, batchSize: 20, lr: 0.1, optimizer: "momentum", weightDecay: 5e-4, seed: 1 });
    expect(res.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(res.history[2].trainLoss).toBeLessThan(0.9 * res.history[0].trainLoss);
    expect(res.history[2].trainAccuracy).toBeGreaterThan(0.2); // 10 classes: chance is 0.1
    const figures = sink.messages.filter((m) => "application/vnd.plotly.v1+json" in m.data);
    expect(figures.map((m) => m.update)).toEqual([false, true, true]); // one figure, updated in place
    expect(new Set(figures.map((m) => m.displayId)).size).toBe(1);
    expect(sink.messages.some((m) => String(m.data["text/plain"]).startsWith("epoch 3/3: 100%"))).toBe(true);
    model.dispose();
  } finally {
    setDisplaySink(consoleSink);
  }
});

test("bad options are refused with a clear message", async () => {
  const model = small();
  await expect(train(model, ds, { epochs: 0, batchSize: 50, lr: 0.1 })).rejects.toThrow(/epochs must be a whole number ≥ 1, got 0/);
  await expect(train(model, ds, { epochs: 1, batchSize: 50, lr: -1 })).rejects.toThrow(/lr must be a positive number/);
  model.dispose();
});

test("divergence stops with a message and restores the last good weights", async () => {
  const model = small(2);
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const res = await train(model, ds, { epochs: 2, batchSize: 50, lr: 1e30, optimizer: "sgd", ...quiet });
  expect(res.stopped?.reason).toBe("diverged");
  expect(res.stopped?.message).toMatch(/Training diverged: the loss became \S+ at epoch 1, batch \d+ \(learning rate 1e\+30; first loss .*Try a smaller learning rate/);
  const after = model.getWeights().map((w) => Array.from(w.dataSync()));
  expect(after).toEqual(before);
  model.dispose();
});

test("an interrupt stops within one batch and leaves the model usable", async () => {
  const model = small(3);
  const running = train(model, ds, { epochs: 20, batchSize: 20, lr: 0.05, ...quiet });
  setTimeout(() => {
    requestInterrupt();
    clearInterrupt(); // as when the next cell starts at once: the running loop must still stop
  }, 300);
  const res = await running;
  expect(res.stopped?.reason).toBe("interrupted");
  expect(res.history.length).toBeLessThan(20);
  const out = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
  expect(out.shape).toEqual([2, 10]);
  expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
  model.dispose();
});

test("checkpoints round-trip: the loaded model predicts the same", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-ckpt-"));
  const model = small(4);
  await saveCheckpoint(model, dir);
  expect(fs.readdirSync(dir).sort()).toEqual(["model.json", "weights.bin"]);
  const loaded = await loadCheckpoint(dir);
  const x = tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 9);
  const a = (model.predict(x) as tf.Tensor).dataSync(), b = (loaded.predict(x) as tf.Tensor).dataSync();
  expect(Array.from(b)).toEqual(Array.from(a));
  await expect(loadCheckpoint(path.join(dir, "nope"))).rejects.toThrow(/no checkpoint in .*nope \(model.json is missing\)/);
});

test("a sweep stores every run, skips finished runs and redoes a run killed mid-way", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-sweep-"));
  const opts = {
    blocks: [1, 2],
    seeds: [0],
    dataset: ds,
    build: (L: number, seed: number) => small(seed, L),
    train: { epochs: 1, batchSize: 50, lr: 0.05, live: false },
    resultsDir: dir,
    measureImages: 50,
  };
  const first: Array<[number, boolean]> = [];
  const t1 = await sweep({ ...opts, onRun: (r, skipped) => first.push([r.L, skipped]) });
  expect(first).toEqual([[1, false], [2, false]]);
  expect(t1.numRows()).toBe(2);
  expect(t1.columnNames()).toEqual(expect.arrayContaining(["L", "seed", "test_error", "d_s0", "dscaled_s2", "mean_scaled_total"]));
  const r2 = readRun(dir, 2, 0)!;
  expect(r2.measures.sections.map((s) => s.scaled.length)).toEqual([2, 2, 2]);
  expect(r2.measures.sections[0].scaledDistance).toBeCloseTo(r2.measures.sections[0].scaled[0] + r2.measures.sections[0].scaled[1], 10);
  // kill L=2 mid-way: its result is gone, a stale temporary file is left
  fs.rmSync(path.join(runDir(dir, 2, 0), "result.json"));
  fs.writeFileSync(path.join(runDir(dir, 2, 0), "result.json.tmp-1"), "{");
  const second: Array<[number, boolean]> = [];
  const t2 = await sweep({ ...opts, onRun: (r, skipped) => second.push([r.L, skipped]) });
  expect(second).toEqual([[1, true], [2, false]]);
  expect(t2.numRows()).toBe(2);
  expect(fs.readdirSync(runDir(dir, 2, 0)).sort()).toEqual(["checkpoint", "result.json"]);
});
