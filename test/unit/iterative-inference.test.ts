/**
 * Seed 003's measures against independent computations: gradients by central finite differences,
 * dropped blocks by zeroing the branch's weights in a copy and calling model.predict, the head and
 * the unrolled block rebuilt by applying the layers by hand.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { buildPreActResNet } from "../../src/models/preact-resnet";
import { runWithCache } from "../../src/models/hooks";
import { replay, replayFrom } from "../../src/models/replay";
import {
  blockChangeRatios,
  dropBlockAccuracy,
  gradientAlignment,
  intermediateAccuracy,
  unrollLastBlock,
} from "../../src/analysis/iterative-inference";
import { residualBlocks } from "../../src/models/blocks";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Random BN statistics and affine parameters, so that BN is not the identity. */
function randomiseBatchNorm(model: tf.LayersModel, seed = 300): void {
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

const tiny = (extra: Record<string, unknown> = {}) => {
  const m = buildBasicResNet({ inputShape: [6, 6, 2], blocksPerStage: 2, widths: [3, 4], numClasses: 3, seed: 5, activation: "softplus", ...extra });
  randomiseBatchNorm(m);
  return m;
};

function crossEntropy(logits: number[], label: number): number {
  const mx = Math.max(...logits);
  const lse = mx + Math.log(logits.reduce((s, v) => s + Math.exp(v - mx), 0));
  return lse - logits[label];
}

describe("replay", () => {
  test("the whole graph, and from any block input, equals model.predict (also with shared layers)", () => {
    const x = tf.randomNormal([3, 6, 6, 2], 0, 1, "float32", 1);
    const shared = buildPreActResNet({ inputShape: [6, 6, 2], blocksPerSection: 3, widths: [3, 4], numClasses: 3, seed: 2, shareWeights: true });
    for (const model of [tiny(), shared]) {
      const want = (model.predict(x) as tf.Tensor).arraySync() as number[][];
      const got = tf.tidy(() => replay(model, x)[0].arraySync()) as number[][];
      got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 5));
      const blocks = residualBlocks(model);
      const cache = runWithCache(model, x);
      for (const b of blocks) {
        const from = tf.tidy(() => replayFrom(model, b.input, cache.activations.get(`${b.name}.in`)!, [model.outputs[0]])[0].arraySync()) as number[][];
        from.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 5));
      }
      cache.dispose();
    }
  });
});

describe("gradientAlignment", () => {
  test("cos(F_j, ∂L/∂h_j) equals the cosine with a finite-difference gradient, block by block", () => {
    const model = tiny();
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, "float32", 3);
    const label = 2;
    const rows = gradientAlignment(model, { x: x as tf.Tensor4D, labels: [label] });
    const blocks = residualBlocks(model);
    const cache = runWithCache(model, x);
    const lossWith = (b: (typeof blocks)[number], delta: tf.Tensor) =>
      tf.tidy(() => crossEntropy(Array.from(replay(model, x, [model.outputs[0]], { offsets: new Map([[b.input, delta]]) })[0].dataSync()), label));
    let checked = 0;
    blocks.forEach((b, j) => {
      if (b.transition) {
        expect(rows[j].cosine).toBeNull();
        return;
      }
      const h = cache.activations.get(`${b.name}.in`)!.dataSync();
      const next = cache.activations.get(`${b.name}.out`)!.dataSync();
      const F = Array.from(h, (v, i) => next[i] - v);
      const eps = 1e-2;
      const g = Array.from(h, (_, i) => {
        const e = new Float32Array(h.length);
        e[i] = eps;
        const d = tf.tensor(e, [1, ...b.input.shape.slice(1)] as number[]);
        const plus = lossWith(b, d);
        const minus = lossWith(b, tf.neg(d));
        d.dispose();
        return (plus - minus) / (2 * eps);
      });
      const dot = F.reduce((s, v, i) => s + v * g[i], 0);
      const cos = dot / (Math.hypot(...F) * Math.hypot(...g));
      expect(rows[j].cosine!.count).toBe(1);
      expect(Math.abs(rows[j].cosine!.mean - cos)).toBeLessThan(2e-3);
      checked++;
    });
    expect(checked).toBe(3); // s0.b0, s0.b1, s1.b1 (s1.b0 down-samples)
    cache.dispose();
  });

  test("head-direct terms exist where the head accepts h_j; the last block's actual change is the model's loss minus the head at its input", () => {
    const model = tiny();
    const x = tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 4);
    const labels = [0, 1, 2, 1];
    const rows = gradientAlignment(model, { x: x as tf.Tensor4D, labels }, { batchSize: 3 });
    expect(rows.map((r) => r.headCosine !== null)).toEqual([false, false, false, true]);
    const last = rows[3];
    const blocks = residualBlocks(model);
    const cache = runWithCache(model, x);
    const out = cache.output.arraySync() as number[][];
    // the head by hand: global average pooling, then the dense layer
    const head = model.getLayer("head_dense");
    const atInput = tf.tidy(() => (head.apply(tf.mean(cache.activations.get("s1.b1.in")!, [1, 2])) as tf.Tensor).arraySync()) as number[][];
    const want = labels.reduce((s, l, i) => s + crossEntropy(out[i], l) - crossEntropy(atInput[i], l), 0) / labels.length;
    expect(last.actualChange!).toBeCloseTo(want, 4);
    expect(last.cosine!.count).toBe(4);
    expect(Number.isFinite(last.firstOrder!)).toBe(true);
    expect(blocks).toHaveLength(4);
    cache.dispose();
  });
});

describe("dropBlockAccuracy", () => {
  test("dropping a block equals a copy with that branch's last BN set to zero (model.predict)", () => {
    const model = buildBasicResNet({ inputShape: [6, 6, 2], blocksPerStage: 2, widths: [3, 4], numClasses: 3, seed: 5 });
    randomiseBatchNorm(model);
    const x = tf.randomNormal([8, 6, 6, 2], 0, 1, "float32", 6);
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    const r = dropBlockAccuracy(model, { x: x as tf.Tensor4D, labels }, { batchSize: 5 });
    const scores = (m: tf.LayersModel) => {
      const logits = (m.predict(x) as tf.Tensor).arraySync() as number[][];
      return {
        accuracy: logits.filter((l, i) => l.indexOf(Math.max(...l)) === labels[i]).length / labels.length,
        loss: logits.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / labels.length,
      };
    };
    const base = scores(model);
    expect(r.baseline.accuracy).toBeCloseTo(base.accuracy, 6);
    expect(r.baseline.loss).toBeCloseTo(base.loss, 4);
    expect(r.rows.map((row) => row.name)).toEqual(["s0.b0", "s0.b1", "s1.b0", "s1.b1"]);
    for (const row of r.rows) {
      // ReLU after the addition: a zero branch leaves σ(shortcut), which is h itself for h ≥ 0
      const copy = buildBasicResNet({ inputShape: [6, 6, 2], blocksPerStage: 2, widths: [3, 4], numClasses: 3, seed: 5 });
      copy.setWeights(model.getWeights());
      const bn = copy.getLayer(`s${row.section}b${row.block}_bn2`);
      bn.setWeights(bn.getWeights().map((w, i) => (i < 2 ? tf.zerosLike(w) : w))); // gamma = beta = 0
      const want = scores(copy);
      expect(row.accuracy).toBeCloseTo(want.accuracy, 6);
      expect(row.loss).toBeCloseTo(want.loss, 4);
      copy.dispose();
    }
  });
});

describe("intermediateAccuracy and unrollLastBlock", () => {
  test("the head is applied where it fits; at the last output it is the model", () => {
    const model = tiny();
    const x = tf.randomNormal([5, 6, 6, 2], 0, 1, "float32", 7);
    const labels = [0, 1, 2, 0, 1];
    const rows = intermediateAccuracy(model, { x: x as tf.Tensor4D, labels });
    expect(rows.map((r) => r.point)).toEqual(["s1.b1.in", "s1.b1.out"]);
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const loss = logits.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / 5;
    expect(rows[1].scores.loss).toBeCloseTo(loss, 4);
    const single = buildBasicResNet({ inputShape: [6, 6, 2], blocksPerStage: 3, widths: [3], numClasses: 3, seed: 8 });
    expect(intermediateAccuracy(single, { x: x as tf.Tensor4D, labels }).map((r) => r.point)).toEqual(["s0.b0.in", "s0.b1.in", "s0.b2.in", "s0.b2.out"]);
  });

  test("k = 0 is the model; k = 1 (s = 1) is the last block applied once more by hand; s = 0 changes nothing", () => {
    const model = tiny();
    const x = tf.randomNormal([3, 6, 6, 2], 0, 1, "float32", 9);
    const labels = [2, 0, 1];
    const rows = unrollLastBlock(model, { x: x as tf.Tensor4D, labels }, { steps: 2 });
    expect(rows.map((r) => r.k)).toEqual([0, 1, 2]);
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(rows[0].loss).toBeCloseTo(logits.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / 3, 4);
    const cache = runWithCache(model, x);
    const once = tf.tidy(() => {
      const h = cache.activations.get("s1.b1.out")!;
      const L = (n: string, t: tf.Tensor) => model.getLayer(n).apply(t) as tf.Tensor;
      const f = L("s1b1_bn2", L("s1b1_conv2", L("s1b1_relu1", L("s1b1_bn1", L("s1b1_conv1", h)))));
      const out = L("s1b1_out", tf.add(h, f));
      return (model.getLayer("head_dense").apply(tf.mean(out, [1, 2])) as tf.Tensor).arraySync() as number[][];
    });
    expect(rows[1].loss).toBeCloseTo(once.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / 3, 4);
    cache.dispose();
    const still = unrollLastBlock(model, { x: x as tf.Tensor4D, labels }, { steps: 3, scale: 0 });
    for (const r of still) expect(r.loss).toBeCloseTo(rows[0].loss, 5);
  });
});

describe("blockChangeRatios", () => {
  test("‖F_j‖/‖h_j‖ per block from the activations, null where the block down-samples; no tensors leak", () => {
    const model = tiny();
    const x = tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 10);
    const before = tf.memory().numTensors;
    const rows = blockChangeRatios(model, { x: x as tf.Tensor4D, labels: [0, 1, 2, 0] }, { batchSize: 3 });
    gradientAlignment(model, { x: x as tf.Tensor4D, labels: [0, 1, 2, 0] }, { batchSize: 3 });
    dropBlockAccuracy(model, { x: x as tf.Tensor4D, labels: [0, 1, 2, 0] }, { batchSize: 3 });
    unrollLastBlock(model, { x: x as tf.Tensor4D, labels: [0, 1, 2, 0] }, { steps: 2, batchSize: 3 });
    intermediateAccuracy(model, { x: x as tf.Tensor4D, labels: [0, 1, 2, 0] }, { batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    const cache = runWithCache(model, x);
    for (const r of rows) {
      if (r.transition) {
        expect(r.ratio).toBeNull();
        continue;
      }
      const h = cache.activations.get(`${r.name}.in`)!.arraySync() as number[][][][];
      const o = cache.activations.get(`${r.name}.out`)!.arraySync() as number[][][][];
      const want = h.map((img, i) => Math.hypot(...o[i].flat(2).map((v, k) => v - img.flat(2)[k])) / Math.hypot(...img.flat(2))).reduce((a, b) => a + b, 0) / 4;
      expect(r.ratio!).toBeCloseTo(want, 4);
    }
    cache.dispose();
  });
});

describe("pre-activation ResNets", () => {
  test("the measures run on buildPreActResNet too: no block down-samples, the head (BN, ReLU, pooling, dense) reads the last section", () => {
    const model = buildPreActResNet({ inputShape: [6, 6, 2], blocksPerSection: 2, widths: [3, 4], numClasses: 3, seed: 4 });
    randomiseBatchNorm(model);
    const x = tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 12);
    const labels = [0, 1, 2, 0];
    const rows = gradientAlignment(model, { x: x as tf.Tensor4D, labels });
    expect(rows.map((r) => [r.name, r.transition, r.headCosine !== null])).toEqual([["s0.b0", false, false], ["s0.b1", false, false], ["s1.b0", false, true], ["s1.b1", false, true]]);
    const inter = intermediateAccuracy(model, { x: x as tf.Tensor4D, labels });
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(inter.map((r) => r.point)).toEqual(["s1.b0.in", "s1.b1.in", "s1.b1.out"]);
    expect(inter[2].scores.loss).toBeCloseTo(logits.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / 4, 4);
    // dropping a block of a pre-activation net (an Add, no activation after it) is h_{j+1} := h_j
    const drop = dropBlockAccuracy(model, { x: x as tf.Tensor4D, labels });
    const copy = buildPreActResNet({ inputShape: [6, 6, 2], blocksPerSection: 2, widths: [3, 4], numClasses: 3, seed: 4 });
    copy.setWeights(model.getWeights());
    const conv2 = copy.getLayer("s1b1_conv2");
    conv2.setWeights(conv2.getWeights().map((w) => tf.zerosLike(w)));
    const want = (copy.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(drop.rows[3].loss).toBeCloseTo(want.reduce((s, l, i) => s + crossEntropy(l, labels[i]), 0) / 4, 4);
  });
});

describe("seed 003's architectures (buildBasicResNet options)", () => {
  const x = tf.randomNormal([2, 8, 8, 2], 0, 1, "float32", 11);

  test("wide: every width times the factor", () => {
    const m = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 1, widths: [3, 4], widthFactor: 3, seed: 1 });
    expect(m.getLayer("stem_conv").getWeights()[0].shape).toEqual([3, 3, 2, 9]);
    expect(m.getLayer("head_dense").getWeights()[0].shape).toEqual([12, 10]);
    expect(() => buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 1, widthFactor: 1.5 })).toThrow(/widthFactor/);
  });

  test("average-pooling down-sampling: the block equals pool, then the stride-1 block, by hand", () => {
    const m = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 1, widths: [3, 4], downsample: "avgpool", seed: 2, numClasses: 3 });
    randomiseBatchNorm(m);
    expect(m.layers.filter((l) => l.getClassName() === "Conv2D").every((l) => (l.getConfig() as { strides: number[] }).strides.every((v) => v === 1))).toBe(true);
    const cache = runWithCache(m, x);
    const got = cache.activations.get("s1.b0.out")!;
    expect(got.shape).toEqual([2, 4, 4, 4]);
    const want = tf.tidy(() => {
      const L = (n: string, t: tf.Tensor) => m.getLayer(n).apply(t) as tf.Tensor;
      const pooled = tf.avgPool(cache.activations.get("s1.b0.in")! as tf.Tensor4D, 2, 2, "valid");
      const f = L("s1b0_bn2", L("s1b0_conv2", L("s1b0_relu1", L("s1b0_bn1", L("s1b0_conv1", pooled)))));
      return tf.relu(tf.add(L("s1b0_proj_bn", L("s1b0_proj", pooled)), f));
    });
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    expect(residualBlocks(m).map((b) => b.transition)).toEqual([false, true]);
    cache.dispose();
  });

  test("naive sharing: n = 5 with the last 3 shared has the weights of n = 3; trains; replays", () => {
    const shared = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 5, widths: [3, 4], shareLast: 3, seed: 3, numClasses: 3 });
    const small = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 3, widths: [3, 4], seed: 3, numClasses: 3 });
    expect(shared.countParams()).toBe(small.countParams());
    expect(residualBlocks(shared)).toHaveLength(10);
    const ownBn = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 5, widths: [3, 4], shareLast: 3, shareBatchNorm: false, seed: 3, numClasses: 3 });
    // own BNs: per stage 2 more blocks × 2 BN layers × 4 values per channel (γ, β, mean, variance)
    expect(ownBn.countParams() - shared.countParams()).toBe(2 * 2 * 4 * (3 + 4));
    const want = (shared.predict(x) as tf.Tensor).dataSync();
    const got = tf.tidy(() => replay(shared, x)[0].dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    const w0 = shared.getLayer("s0shared_conv1").getWeights()[0].dataSync().slice();
    const opt = tf.train.sgd(0.1);
    const y = tf.oneHot(tf.tensor1d([0, 2], "int32"), 3);
    opt.minimize(() => tf.losses.softmaxCrossEntropy(y, shared.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    const w1 = shared.getLayer("s0shared_conv1").getWeights()[0].dataSync();
    expect(w1.some((v, i) => v !== w0[i])).toBe(true);
    expect(() => buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 2, shareLast: 3 })).toThrow(/shareLast/);
  });
});
