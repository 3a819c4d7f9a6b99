/**
 * The torch backend's kernels against tfjs' cpu backend on the same inputs.
 *
 * Each case builds its inputs from fixed host values, runs once on cpu and once on torch, and
 * compares dtype, shape and values: |torch − cpu| ≤ tol·(|cpu| + rms(cpu)), tol = 1e-5 for
 * float32 (2e-5 for convolutions and products, whose sums run over up to 5·5·C terms, in a
 * different order). Integer and bool results must be equal.
 *
 * Skipped (with the reason printed) where the addon is not built: see scripts/build-native.sh.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { loadNative, buildStatus } from "../../src/backend/torch/native";
import { fallbackCounts, resetFallbackCounts } from "../../src/backend/torch";
import { batchNormTrain } from "../../src/backend/fused/batch-norm-train";
import { buildPreActResNet } from "../../src/models/preact-resnet";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { unitJacobian } from "../../src/analysis/linearize";
import { HostBasis, krylovBasis, TorchBasis } from "../../src/analysis/krylov-basis";
import { fullSpectrum, topSingularValues, topSingularValuesBlock, topSingularValuesGram } from "../../src/analysis/spectrum";

let available = true;
try {
  loadNative();
} catch {
  available = false;
  // eslint-disable-next-line no-console
  console.log(`torch kernel tests skipped: ${buildStatus()}`);
}
const suite = available ? describe : describe.skip;

/** Deterministic pseudo-random values in [lo, hi). */
function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(n);
  let s = seed * 2654435761 + 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = lo + ((s / 2147483648) * (hi - lo));
  }
  return out;
}
const rand = (shape: number[], seed: number, lo = -2, hi = 2) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
const rand4 = (shape: number[], seed: number, lo = -2, hi = 2) => rand(shape, seed, lo, hi) as tf.Tensor4D;
const ints = (shape: number[], seed: number, lo: number, hi: number) =>
  tf.tensor(Int32Array.from(values(shape.reduce((a, b) => a * b, 1), seed, lo, hi), Math.floor), shape, "int32");

interface Result {
  dtype: string;
  shape: number[];
  data: Float64Array;
}

function grab(out: tf.Tensor | tf.Tensor[]): Result[] {
  const list = Array.isArray(out) ? out : [out];
  return list.map((t) => ({ dtype: t.dtype, shape: t.shape.slice(), data: Float64Array.from(t.dataSync() as ArrayLike<number>) }));
}

async function on(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  let results: Result[] = [];
  tf.tidy(() => {
    results = grab(fn());
  });
  return results;
}

/** Runs fn on cpu and on torch and asserts the results agree. */
async function agree(label: string, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-5): Promise<void> {
  const ref = await on("cpu", fn);
  const got = await on("torch", fn);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const [r, g] = [ref[i], got[i]];
    expect(`${label}[${i}] ${g.dtype} ${g.shape}`).toBe(`${label}[${i}] ${r.dtype} ${r.shape}`);
    if (r.dtype !== "float32") {
      expect(`${label}: ${Array.from(g.data)}`).toBe(`${label}: ${Array.from(r.data)}`);
      continue;
    }
    let sq = 0;
    for (const v of r.data) if (Number.isFinite(v)) sq += v * v;
    const rms = Math.sqrt(sq / Math.max(1, r.data.length));
    let worst = 0;
    let at = -1;
    for (let k = 0; k < r.data.length; k++) {
      const [a, b] = [g.data[k], r.data[k]];
      if (Number.isNaN(b)) {
        if (!Number.isNaN(a)) { worst = Infinity; at = k; }
        continue;
      }
      if (!Number.isFinite(b)) {
        if (a !== b) { worst = Infinity; at = k; }
        continue;
      }
      const e = Math.abs(a - b) / (Math.abs(b) + rms + 1e-30);
      if (e > worst) { worst = e; at = k; }
    }
    if (worst > tol) throw new Error(`${label}[${i}]: relative error ${worst.toExponential(2)} > ${tol} at ${at} (torch ${g.data[at]}, cpu ${r.data[at]})`);
  }
}

suite("torch backend kernels against the cpu backend", () => {
  beforeAll(async () => {
    await selectBackend({ prefer: "torch", strict: true });
    await tf.findBackend("cpu");
  });
  afterAll(() => selectBackend({ prefer: "cpu", strict: true }));

  test("unary ops, float32 and int32, including attributes (Step, LeakyRelu, ClipByValue)", async () => {
    const x = () => rand([3, 7], 1, -3, 3);
    const pos = () => rand([3, 7], 2, 0.05, 3);
    const unit = () => rand([3, 7], 3, -0.95, 0.95);
    const cases: Array<[string, () => tf.Tensor]> = [
      ["abs", () => tf.abs(x())], ["neg", () => tf.neg(x())], ["exp", () => tf.exp(x())], ["expm1", () => tf.expm1(x())],
      ["log", () => tf.log(pos())], ["log1p", () => tf.log1p(pos())], ["sqrt", () => tf.sqrt(pos())], ["rsqrt", () => tf.rsqrt(pos())],
      ["square", () => tf.square(x())], ["reciprocal", () => tf.reciprocal(pos())], ["relu", () => tf.relu(x())], ["relu6", () => tf.relu6(tf.mul(x(), 3))],
      ["sigmoid", () => tf.sigmoid(x())], ["tanh", () => tf.tanh(x())], ["softplus", () => tf.softplus(x())], ["elu", () => tf.elu(x())],
      ["selu", () => tf.selu(x())], ["sign", () => tf.sign(x())], ["floor", () => tf.floor(x())], ["ceil", () => tf.ceil(x())],
      ["round", () => tf.round(tf.mul(x(), 2))], ["sin", () => tf.sin(x())], ["cos", () => tf.cos(x())], ["tan", () => tf.tan(unit())],
      ["asin", () => tf.asin(unit())], ["acos", () => tf.acos(unit())], ["atan", () => tf.atan(x())], ["sinh", () => tf.sinh(x())],
      ["cosh", () => tf.cosh(x())], ["asinh", () => tf.asinh(x())], ["acosh", () => tf.acosh(tf.add(pos(), 1))], ["atanh", () => tf.atanh(unit())],
      ["erf", () => tf.erf(x())], ["step", () => tf.step(x(), 0.3)], ["leakyRelu", () => tf.leakyRelu(x(), 0.1)], ["clip", () => tf.clipByValue(x(), -1, 0.5)],
      ["isNaN", () => tf.isNaN(tf.div(x(), tf.floor(x())))], ["isInf", () => tf.isInf(tf.div(x(), tf.floor(x())))], ["isFinite", () => tf.isFinite(tf.div(x(), tf.floor(x())))],
      ["logicalNot", () => tf.logicalNot(tf.greater(x(), 0))], ["zerosLike", () => tf.zerosLike(x())], ["onesLike", () => tf.onesLike(ints([4], 1, -5, 5))],
      ["abs int", () => tf.abs(ints([9], 4, -9, 9))], ["neg int", () => tf.neg(ints([9], 5, -9, 9))], ["square int", () => tf.square(ints([9], 6, -9, 9))],
      ["cast f→i", () => tf.cast(tf.mul(x(), 3), "int32")], ["cast i→f", () => tf.cast(ints([9], 7, -9, 9), "float32")],
      ["cast f→b", () => tf.cast(tf.floor(x()), "bool")], ["cast b→f", () => tf.cast(tf.greater(x(), 0), "float32")],
    ];
    for (const [label, fn] of cases) await agree(label, fn);
  });

  test("binary ops with broadcasting, int32 and bool; comparisons give bool", async () => {
    const shapes: Array<[number[], number[]]> = [[[3, 1, 5], [1, 4, 5]], [[4, 5], [5]], [[2, 3], []], [[6], [6]]];
    for (const [sa, sb] of shapes) {
      const a = () => rand(sa, 11, -3, 3);
      const b = () => rand(sb, 12, 0.5, 3);
      for (const [label, fn] of [
        ["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div], ["floorDiv", tf.floorDiv], ["maximum", tf.maximum],
        ["minimum", tf.minimum], ["pow", tf.pow], ["squaredDifference", tf.squaredDifference], ["mod", tf.mod], ["atan2", tf.atan2],
        ["equal", tf.equal], ["notEqual", tf.notEqual], ["greater", tf.greater], ["greaterEqual", tf.greaterEqual], ["less", tf.less], ["lessEqual", tf.lessEqual],
      ] as Array<[string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor]>) {
        await agree(`${label} ${sa}×${sb}`, () => fn(a(), label === "pow" ? b() : tf.neg(b())));
      }
    }
    const ia = () => ints([3, 4], 13, -20, 20);
    const ib = () => ints([4], 14, 1, 7);
    for (const [label, fn] of [["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["floorDiv", tf.floorDiv], ["div", tf.div], ["mod", tf.mod], ["maximum", tf.maximum], ["equal", tf.equal]] as Array<
      [string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor]
    >) {
      await agree(`${label} int32`, () => fn(ia(), ib()));
      await agree(`${label} int32 / -b`, () => fn(ia(), tf.neg(ib())));
    }
    const p = () => tf.greater(rand([5, 3], 15), 0);
    const q = () => tf.greater(rand([3], 16), 0);
    await agree("logicalAnd", () => tf.logicalAnd(p(), q()));
    await agree("logicalOr", () => tf.logicalOr(p(), q()));
    await agree("logicalXor", () => tf.logicalXor(p(), q()));
    await agree("prelu", () => tf.prelu(rand([2, 3, 4], 17), rand([4], 18, 0, 1)));
    await agree("addN", () => tf.addN([rand([3, 3], 19), rand([3, 3], 20), rand([3, 3], 21)]));
  });

  test("reductions over every axis set, keepDims, int32 and bool", async () => {
    const x = () => rand([3, 4, 5], 31);
    const axesList: Array<number | number[] | undefined> = [undefined, 0, 1, 2, -1, [0, 2], [1, 2], [0, 1, 2]];
    for (const axis of axesList) {
      for (const keep of [false, true]) {
        const tag = `${JSON.stringify(axis)} keep=${keep}`;
        await agree(`sum ${tag}`, () => tf.sum(x(), axis, keep));
        await agree(`mean ${tag}`, () => tf.mean(x(), axis, keep));
        await agree(`max ${tag}`, () => tf.max(x(), axis, keep));
        await agree(`min ${tag}`, () => tf.min(x(), axis, keep));
        await agree(`prod ${tag}`, () => tf.prod(tf.div(x(), 2), axis, keep));
        await agree(`sum int ${tag}`, () => tf.sum(ints([3, 4, 5], 32, -9, 9), axis, keep));
        await agree(`max int ${tag}`, () => tf.max(ints([3, 4, 5], 33, -9, 9), axis, keep));
        await agree(`all ${tag}`, () => tf.all(tf.greater(x(), -1.5), axis, keep));
        await agree(`any ${tag}`, () => tf.any(tf.greater(x(), 1.5), axis, keep));
        await agree(`sum bool ${tag}`, () => tf.sum(tf.greater(x(), 0), axis, keep));
      }
    }
    for (const axis of [0, 1, 2, -1]) {
      await agree(`argMax ${axis}`, () => tf.argMax(x(), axis));
      await agree(`argMin ${axis}`, () => tf.argMin(x(), axis));
    }
    await agree("mean int", () => tf.mean(ints([6, 5], 34, -9, 9), 0));
    await agree("long sum (2e5 terms)", () => tf.sum(rand([200000], 35, 0, 1)), 1e-5);
    await agree("logSumExp", () => tf.logSumExp(x(), 1));
    await agree("softmax", () => tf.softmax(x()));
    await agree("logSoftmax", () => tf.logSoftmax(x()));
    await agree("moments", () => { const m = tf.moments(x(), [0, 1]); return [m.mean, m.variance]; });
  });

  test("layout ops: slices, strided slices, joins, splits, pads, gathers, one-hot, select, ranges, cumsum, top-k", async () => {
    const x = () => rand([4, 5, 6], 41);
    await agree("reshape", () => tf.reshape(x(), [20, -1]));
    await agree("transpose", () => tf.transpose(x(), [2, 0, 1]));
    await agree("transpose then add", () => tf.add(tf.transpose(x(), [1, 0, 2]), 1));
    await agree("expandDims/squeeze", () => [tf.expandDims(x(), 1), tf.squeeze(tf.reshape(x(), [4, 1, 5, 6, 1])), tf.squeeze(tf.reshape(x(), [4, 1, 5, 6, 1]), [1])]);
    await agree("slice", () => tf.slice(x(), [1, 0, 2], [2, -1, 3]));
    await agree("stridedSlice +", () => tf.stridedSlice(x(), [0, 1, 0], [4, 5, 6], [2, 2, 3]));
    await agree("stridedSlice −", () => tf.stridedSlice(x(), [3, 4, 5], [0, 0, 0], [-1, -2, -2]));
    await agree("stridedSlice masks", () => tf.stridedSlice(x(), [1, 0, 0], [2, 0, 0], [1, 1, 1], 0, 6, 0, 0, 1));
    await agree("concat", () => [tf.concat([x(), x()], 1), tf.concat([x(), tf.zeros([4, 5, 0])], 2), tf.concat([ints([2], 1, 0, 9), ints([3], 2, 0, 9)])]);
    await agree("stack/unstack", () => [tf.stack([x(), x()], 2), ...tf.unstack(x(), 1)]);
    await agree("split", () => [...tf.split(x(), 3, 2), ...tf.split(x(), [1, 3, -1], 1)]);
    await agree("tile", () => tf.tile(x(), [2, 1, 3]));
    await agree("broadcastTo", () => tf.add(tf.broadcastTo(rand([5, 1], 42), [3, 5, 4]), 0));
    await agree("pad", () => tf.pad(x(), [[1, 2], [0, 1], [3, 0]], 0.5));
    await agree("mirrorPad reflect", () => tf.mirrorPad(x(), [[1, 2], [0, 1], [3, 2]], "reflect"));
    await agree("mirrorPad symmetric", () => tf.mirrorPad(x(), [[1, 2], [0, 1], [3, 2]], "symmetric"));
    await agree("reverse", () => tf.reverse(x(), [0, 2]));
    await agree("gather", () => [tf.gather(x(), tf.tensor1d([3, 0, 3, 1], "int32"), 0), tf.gather(x(), tf.tensor2d([[5, 0], [2, 2]], [2, 2], "int32"), 2)]);
    await agree("oneHot", () => [tf.oneHot(tf.tensor1d([0, 3, 9, -1], "int32"), 5), tf.oneHot(tf.tensor1d([1, 2], "int32"), 3, 4, -1)]);
    await agree("where", () => [tf.where(tf.greater(x(), 0), x(), tf.neg(x())), tf.where(tf.tensor3d([true, false, true, false], [4, 1, 1], "bool"), x(), tf.zeros([1, 5, 6]))]);
    await agree("range/fill/linspace", () => [tf.range(0, 10, 3), tf.range(5, -3, -2, "int32"), tf.range(2, 2), tf.fill([2, 3], 7), tf.fill([2], 3, "int32"), tf.linspace(0, 1, 5)]);
    await agree("cumsum", () => [tf.cumsum(x(), 1), tf.cumsum(x(), 2, true), tf.cumsum(x(), 0, false, true), tf.cumsum(x(), 2, true, true), tf.cumsum(ints([6], 43, -5, 5))]);
    await agree("topk", () => { const r = tf.topk(rand([3, 11], 44), 4); return [r.values, r.indices]; });
    await agree("argMax of a cast mask", () => tf.argMax(tf.cast(tf.greater(x(), 1), "int32"), 2));
  });

  test("convolutions (forward, input and filter gradients) over sizes, strides 1–3, kernels 1–5 and same/valid/explicit padding", async () => {
    const pads: Array<"same" | "valid" | [[number, number], [number, number], [number, number], [number, number]]> = [
      "same",
      "valid",
      [[0, 0], [1, 2], [2, 0], [0, 0]],
    ];
    let n = 0;
    for (const [h, w] of [[7, 9], [8, 8]]) {
      for (const stride of [1, 2, 3]) {
        for (const k of [1, 2, 3, 4, 5]) {
          for (const pad of pads) {
            if (pad === "valid" && (k > h || k > w)) continue;
            const seed = 100 + n++;
            const x = () => rand4([3, h, w, 3], seed);
            const f = () => rand4([k, k, 3, 4], seed + 1000, -0.5, 0.5);
            const label = `conv ${h}×${w} s${stride} k${k} ${JSON.stringify(pad)}`;
            await agree(label, () => {
              const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))));
              return [tf.conv2d(x(), f(), stride, pad), ...g([x(), f()])];
            }, 2e-5);
          }
        }
      }
    }
    // oneDNN 2.6 corrupts the heap on this filter gradient (1×1, stride 2, channels-last, batch 25):
    // the addon computes 1×1 filter gradients as one matrix product instead.
    await agree("1×1 stride-2 filter gradient, batch 25", () => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))));
      return g([rand4([25, 28, 28, 8], 5), rand4([1, 1, 8, 16], 6, -0.5, 0.5)]);
    }, 2e-5);
    await agree("dilated conv", () => tf.conv2d(rand4([1, 9, 9, 2], 7), rand4([3, 3, 2, 3], 8), 1, "same", "NHWC", 2), 2e-5);
    await agree("conv2dTranspose", () => tf.conv2dTranspose(rand4([2, 4, 4, 5], 9), rand4([3, 3, 2, 5], 10), [2, 8, 8, 2], 2, "same"), 2e-5);
    await agree("fused conv + bias + relu", () => tf.fused.conv2d({ x: rand4([2, 6, 6, 3], 11), filter: rand4([3, 3, 3, 4], 12), strides: 1, pad: "same", bias: rand4([4], 13), activation: "relu" }), 2e-5);
    await agree("depthwise conv and gradients", () => {
      const x = rand4([2, 7, 7, 3], 14);
      const f = rand4([3, 3, 3, 2], 15, -0.5, 0.5);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same"))));
      return [tf.depthwiseConv2d(x, f, 1, "same"), ...g([x, f])];
    }, 2e-5);
    await agree("pools", () => {
      const x = rand4([2, 7, 8, 3], 16);
      return [tf.avgPool(x, 3, 2, "same"), tf.avgPool(x, 2, 2, "valid"), tf.maxPool(x, 3, 2, "same"), tf.maxPool(x, [2, 3], 1, "valid")];
    });
    await agree("average-pool gradients, valid windows", () => {
      const x = rand4([2, 7, 8, 3], 17);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.avgPool(a as tf.Tensor4D, 2, 2, "valid"))))(x), tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.avgPool(a as tf.Tensor4D, [3, 2], [1, 2], "valid"))))(x)];
    });
  });

  test("average-pool gradient with same padding (partial windows) equals finite differences of the forward", async () => {
    // tfjs' cpu AvgPoolGrad divides by the whole window even where its forward counts only real cells,
    // so the cpu kernel is no reference here; the pool is linear, so central differences are exact.
    await tf.setBackend("torch");
    const x = rand4([1, 7, 8, 2], 19);
    const w = rand4([1, 4, 4, 2], 20);
    const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 3, 2, "same"), w));
    const g = tf.grad(f)(x).dataSync();
    const xv = x.dataSync();
    for (let i = 0; i < xv.length; i += 5) {
      const [p, m] = [xv.slice(), xv.slice()];
      p[i] += 0.5;
      m[i] -= 0.5;
      const fd = f(tf.tensor(p, x.shape)).dataSync()[0] - f(tf.tensor(m, x.shape)).dataSync()[0];
      expect(Math.abs(g[i] - fd)).toBeLessThan(1e-5);
    }
  });

  test("matrix products: transposes, broadcast batches, fused bias + activation", async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      await agree(`matMul ${ta} ${tb}`, () => tf.matMul(rand(ta ? [7, 5] : [5, 7], 51), rand(tb ? [3, 7] : [7, 3], 52), ta, tb), 2e-5);
    }
    // (tfjs broadcasts batch dimensions only where one side repeats over the leading ones.)
    await agree("batch matMul, broadcast", () => [tf.matMul(rand([2, 3, 4, 6], 53), rand([3, 6, 2], 54)), tf.matMul(rand([3, 4, 6], 53), rand([6, 2], 54))], 2e-5);
    await agree("fused matMul relu", () => tf.fused.matMul({ a: rand([4, 6], 55), b: rand([6, 3], 56), bias: rand([3], 57), activation: "relu" }), 2e-5);
    await agree("dense layer gradients", () => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))));
      return g([rand([5, 8], 58), rand([8, 3], 59)]);
    }, 2e-5);
  });

  test("batch norm: inference kernel, and the fused training op (values and gradients) against the composite", async () => {
    await agree("FusedBatchNorm", () => tf.batchNorm(rand([2, 3, 3, 4], 61), rand([4], 62), rand([4], 63, 0.2, 2), rand([4], 64), rand([4], 65), 1e-3));
    for (const shape of [[6, 5, 5, 4], [9, 3]]) {
      await agree(`batchNormTrain ${shape}`, () => {
        const x = rand(shape, 66, -1, 3);
        const c = shape[shape.length - 1];
        const [gamma, beta] = [rand([c], 67, 0.5, 2), rand([c], 68)];
        const weight = rand(shape, 69);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(a, b, o, 1e-3).y, weight)));
        const r = batchNormTrain(x, gamma, beta, 1e-3);
        return [r.y, r.mean, r.variance, ...g([x, gamma, beta])];
      }, 2e-5);
    }
  });

  test("whole-model parameter gradients of the reference ResNet (L = 2) agree within 1e-4", async () => {
    const grads = () => {
      const model = buildPreActResNet({ inputShape: [16, 16, 1], blocksPerSection: 2, seed: 3, widths: [4, 8, 8] });
      const x = rand([8, 16, 16, 1], 71, 0, 1);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      const out = [value, ...model.trainableWeights.map((w) => grads[w.name])];
      const moving = model.weights.filter((w) => !w.trainable).map((w) => w.read().clone());
      model.dispose();
      return [...out, ...moving];
    };
    await agree("L=2 gradients", grads, 1e-4);
  });

  test("no leaks: numTensors and the addon's live tensors flat after 1 and 20 training steps", async () => {
    await tf.setBackend("torch");
    const native = loadNative();
    // (The addon is per process: test files run before this one in the same worker may have left tensors.)
    const [liveBefore, idsBefore] = [native.liveTensors(), tf.engine().backend.numDataIds()];
    const model = buildPreActResNet({ inputShape: [12, 12, 1], blocksPerSection: 1, seed: 4, widths: [4, 8, 8] });
    const x = rand([4, 12, 12, 1], 81, 0, 1);
    const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], "int32"), 10);
    const opt = tf.train.adam(1e-3);
    const step = () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      loss?.dataSync();
      loss?.dispose();
    };
    step(); // creates the optimizer's slots
    const [t0, n0] = [tf.memory().numTensors, native.liveTensors()];
    step();
    const [t1, n1] = [tf.memory().numTensors, native.liveTensors()];
    for (let i = 0; i < 20; i++) step();
    expect([tf.memory().numTensors, native.liveTensors()]).toEqual([t0, n0]);
    expect([t1, n1]).toEqual([t0, n0]);
    expect(native.liveTensors() - liveBefore).toBe(tf.engine().backend.numDataIds() - idsBefore);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
    // The addon frees exactly what tfjs frees (tfjs keeps a cached scalar or so past the model).
    expect(native.liveTensors() - liveBefore).toBe(tf.engine().backend.numDataIds() - idsBefore);
  });

  test("float64 Krylov bases in libtorch: the host's Gram–Schmidt to 1e-12, orthonormal, combinations, growth past the capacity", async () => {
    await tf.setBackend("torch");
    const n = 301;
    const torch = krylovBasis(n, 4); // grows past 4 rows
    expect(torch).toBeInstanceOf(TorchBasis);
    const host = new HostBasis(n);
    for (let j = 0; j < 12; j++) {
      const v = Float64Array.from(values(n, 900 + j));
      const [a, b] = [v.slice(), v.slice()];
      host.orthogonalise(a);
      torch.orthogonalise(b);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-12 * Math.sqrt(n) * 2);
      const len = Math.hypot(...a);
      host.push(a.map((x) => x / len));
      torch.push(a.map((x) => x / len));
    }
    expect(torch.count).toBe(12);
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        let d = 0;
        const [qi, qj] = [torch.vector(i), torch.vector(j)];
        for (let t = 0; t < n; t++) d += qi[t] * qj[t];
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    const coef = (j: number) => (j % 3) - 1 + j / 10;
    const [ch, ct] = [host.combine(coef, 9), torch.combine(coef, 9)];
    for (let i = 0; i < n; i++) expect(Math.abs(ch[i] - ct[i])).toBeLessThan(1e-12);
    torch.dispose();
  });

  test("top singular values of residual units on torch (Golub–Kahan, Lanczos on JᵀJ, block Lanczos in libtorch) agree with the dense SVD (cpu) to 1e-4", async () => {
    const model = buildBasicResNet({ inputShape: [6, 6, 3], blocksPerStage: 2, widths: [3, 4, 4], seed: 11 });
    const image = tf.randomNormal([1, 6, 6, 3], 0, 1, "float32", 12);
    await tf.setBackend("cpu");
    const dense: Record<string, number[]> = {};
    for (const unit of ["s0.b1", "s1.b0"]) {
      const J = unitJacobian(model, unit, image);
      dense[unit] = fullSpectrum(J);
      J.dispose();
    }
    await tf.setBackend("torch");
    for (const unit of ["s0.b1", "s1.b0"]) {
      const J = unitJacobian(model, unit, image);
      const gkl = topSingularValues(J, 6, { tol: 1e-8, vectors: true });
      const gram = topSingularValuesGram(J, 6, { tol: 1e-8 });
      const blocks = [topSingularValuesBlock(J, 6, { tol: 1e-8 }), topSingularValuesBlock(J, 6, { tol: 1e-8, block: 3 })];
      for (const r of [gkl, gram, ...blocks]) {
        expect(r.converged).toBe(true);
        r.values.forEach((s, i) => expect(Math.abs(s - dense[unit][i]) / dense[unit][0]).toBeLessThan(1e-4));
      }
      expect(gkl.rightVectors).toHaveLength(6);
      J.dispose();
    }
    image.dispose();
    model.dispose();
  });

  test("the dense spectrum on torch (float64 Gram eigenvalues in libtorch) equals ml-matrix's SVD on cpu, zeros included", async () => {
    // s1.b0 down-samples (m < n: its Gram is JJᵀ); a zero input channel gives exact zeros in s0.b1's spectrum
    const model = buildBasicResNet({ inputShape: [8, 8, 3], blocksPerStage: 2, widths: [3, 4, 4], seed: 13 });
    const image = tf.tidy(() => tf.mul(tf.randomNormal([1, 8, 8, 3], 0, 1, "float32", 14), tf.tensor1d([1, 1, 0])));
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      return ["s0.b1", "s1.b0", "s1"].map((unit) => {
        const J = unitJacobian(model, unit, image);
        try {
          return fullSpectrum(J);
        } finally {
          J.dispose();
        }
      });
    };
    const [cpu, torch] = [await on("cpu"), await on("torch")];
    cpu.forEach((want, u) => {
      expect(torch[u]).toHaveLength(want.length);
      torch[u].forEach((s, i) => expect(Math.abs(s - want[i])).toBeLessThan(1e-5 * want[0]));
      // singular values that are 0 in exact arithmetic stay ≈ 1e-7·σ₁ (a float32 Gram would lift them to ~3e-4·σ₁)
      want.forEach((s, i) => s < 1e-6 * want[0] && expect(torch[u][i]).toBeLessThan(1e-6 * want[0]));
    });
    expect(cpu[0].filter((s) => s < 1e-6 * cpu[0][0]).length).toBeGreaterThan(0);
    image.dispose();
    model.dispose();
  });

  test("block Lanczos on a rank-7 operator: the exact singular values, blocks that shrink, an invariant subspace", () => {
    // A = U diag(s) Vᵀ, 40×40, rank 7, with U and V orthonormal (QR of seeded normals, dense on the host)
    const n = 40, s = [9, 7, 5, 4, 3, 2, 1];
    const [U, V] = [21, 22].map((seed) => tf.tidy(() => tf.linalg.qr(tf.randomNormal([n, s.length], 0, 1, "float32", seed))[0].arraySync() as number[][]));
    const A = tf.tensor2d(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => s.reduce((acc, sk, k) => acc + U[i][k] * sk * V[j][k], 0))));
    const J = {
      inShape: [n], outShape: [n], value: tf.zeros([1, n]),
      jvp: (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, A, false, true),
      vjp: (u: tf.Tensor) => tf.matMul(u as tf.Tensor2D, A),
      dispose: () => undefined,
    };
    for (const block of [3, 4]) {
      const r = topSingularValuesBlock(J, 7, { tol: 1e-10, block });
      expect(r.converged).toBe(true);
      expect(r.products).toBeLessThan(2 * n); // stopped when the span stopped growing, not at n
      r.values.forEach((v, i) => expect(Math.abs(v - s[i]) / s[0]).toBeLessThan(1e-5));
    }
    tf.dispose([A, J.value]);
  });

  test("a kernel the addon lacks runs through the counted cpu fallback", async () => {
    resetFallbackCounts();
    await agree("diag (fallback)", () => tf.diag(tf.tensor1d([1, 2, 3])));
    expect(fallbackCounts()).toEqual({ Diag: 1 });
  });

  test("errors name the problem: string tensors are refused with what to do", async () => {
    await tf.setBackend("torch");
    expect(() => tf.tensor(["a"])).toThrow(/float32, int32 and bool.*%backend cpu/);
  });
});
