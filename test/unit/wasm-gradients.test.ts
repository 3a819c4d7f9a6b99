/**
 * The wasm backend's added gradient kernels against float64 references written here from the
 * definition (loops), and against the pure-JS cpu backend; then whole-model gradients and leaks.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildPreActResNet } from "../../src/models/preact-resnet";

type Pad = "same" | "valid";

/** TensorFlow's output size and leading padding, from the definition. */
function geometry(n: number, k: number, s: number, pad: Pad): { out: number; before: number } {
  if (pad === "valid") return { out: Math.ceil((n - k + 1) / s), before: 0 };
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2) };
}

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function randomArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() * 2);
}

interface Case { B: number; H: number; W: number; Cin: number; Cout: number; k: number; s: number; pad: Pad }

/** dW[i,j,ci,co] = Σ x[b, oh·s+i−top, ow·s+j−left, ci] · dy[b, oh, ow, co], in float64. */
function filterGradRef(c: Case, x: Float64Array, dy: Float64Array): Float64Array {
  const gh = geometry(c.H, c.k, c.s, c.pad), gw = geometry(c.W, c.k, c.s, c.pad);
  const out = new Float64Array(c.k * c.k * c.Cin * c.Cout);
  for (let b = 0; b < c.B; b++)
    for (let oh = 0; oh < gh.out; oh++)
      for (let ow = 0; ow < gw.out; ow++)
        for (let i = 0; i < c.k; i++) {
          const h = oh * c.s + i - gh.before;
          if (h < 0 || h >= c.H) continue;
          for (let j = 0; j < c.k; j++) {
            const w = ow * c.s + j - gw.before;
            if (w < 0 || w >= c.W) continue;
            for (let ci = 0; ci < c.Cin; ci++) {
              const xv = x[((b * c.H + h) * c.W + w) * c.Cin + ci];
              for (let co = 0; co < c.Cout; co++) {
                out[((i * c.k + j) * c.Cin + ci) * c.Cout + co] += xv * dy[((b * gh.out + oh) * gw.out + ow) * c.Cout + co];
              }
            }
          }
        }
  return out;
}

/** dx[b,h,w,ci] = Σ dy[b, oh, ow, co] · W[h−oh·s+top, w−ow·s+left, ci, co], in float64. */
function inputGradRef(c: Case, filter: Float64Array, dy: Float64Array): Float64Array {
  const gh = geometry(c.H, c.k, c.s, c.pad), gw = geometry(c.W, c.k, c.s, c.pad);
  const out = new Float64Array(c.B * c.H * c.W * c.Cin);
  for (let b = 0; b < c.B; b++)
    for (let oh = 0; oh < gh.out; oh++)
      for (let ow = 0; ow < gw.out; ow++)
        for (let i = 0; i < c.k; i++) {
          const h = oh * c.s + i - gh.before;
          if (h < 0 || h >= c.H) continue;
          for (let j = 0; j < c.k; j++) {
            const w = ow * c.s + j - gw.before;
            if (w < 0 || w >= c.W) continue;
            for (let ci = 0; ci < c.Cin; ci++)
              for (let co = 0; co < c.Cout; co++)
                out[((b * c.H + h) * c.W + w) * c.Cin + ci] +=
                  dy[((b * gh.out + oh) * gw.out + ow) * c.Cout + co] * filter[((i * c.k + j) * c.Cin + ci) * c.Cout + co];
          }
        }
  return out;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return den === 0 ? num : num / den;
}

const cases: Case[] = [];
for (const [H, W] of [[5, 7], [8, 6], [11, 9]])
  for (const s of [1, 2, 3])
    for (const k of [1, 2, 3, 4, 5])
      for (const pad of ["same", "valid"] as Pad[]) {
        if (pad === "valid" && (k > H || k > W)) continue;
        cases.push({ B: 2, H, W, Cin: 3, Cout: 4, k, s, pad });
      }

async function onBackend<T>(name: "wasm" | "cpu", fn: () => Promise<T>): Promise<T> {
  await selectBackend({ prefer: name, strict: true });
  return fn();
}

function kernelGrads(c: Case, x: Float64Array, dy: Float64Array, filter: Float64Array) {
  const gh = geometry(c.H, c.k, c.s, c.pad), gw = geometry(c.W, c.k, c.s, c.pad);
  return tf.tidy(() => {
    const xt = tf.tensor4d(Float32Array.from(x), [c.B, c.H, c.W, c.Cin]);
    const dyt = tf.tensor4d(Float32Array.from(dy), [c.B, gh.out, gw.out, c.Cout]);
    const ft = tf.tensor4d(Float32Array.from(filter), [c.k, c.k, c.Cin, c.Cout]);
    const dW = tf.engine().runKernel("Conv2DBackpropFilter", { x: xt, dy: dyt }, {
      strides: [c.s, c.s], pad: c.pad, dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [c.k, c.k, c.Cin, c.Cout],
    } as never) as tf.Tensor;
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy: dyt, filter: ft }, {
      strides: [c.s, c.s], pad: c.pad, dataFormat: "NHWC", dimRoundingMode: undefined, inputShape: [c.B, c.H, c.W, c.Cin],
    } as never) as tf.Tensor;
    return { dW: dW.dataSync().slice(), dx: dx.dataSync().slice() };
  });
}

describe("conv gradient kernels on wasm", () => {
  afterAll(() => selectBackend({ prefer: "wasm" }));

  test(`filter and input gradients match float64 and the cpu backend to 1e-5 over ${cases.length} shapes`, async () => {
    let worstWasm = 0, worstCpu = 0;
    for (const [n, c] of cases.entries()) {
      const gh = geometry(c.H, c.k, c.s, c.pad), gw = geometry(c.W, c.k, c.s, c.pad);
      const x = randomArray(c.B * c.H * c.W * c.Cin, 3 * n + 1);
      const dy = randomArray(c.B * gh.out * gw.out * c.Cout, 3 * n + 2);
      const filter = randomArray(c.k * c.k * c.Cin * c.Cout, 3 * n + 3);
      // reference on the float32-rounded inputs, as the kernels see them
      const r32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
      const refW = filterGradRef(c, r32(x), r32(dy));
      const refX = inputGradRef(c, r32(filter), r32(dy));
      const wasm = await onBackend("wasm", async () => kernelGrads(c, x, dy, filter));
      const cpu = await onBackend("cpu", async () => kernelGrads(c, x, dy, filter));
      const e = [relErr(wasm.dW, refW), relErr(wasm.dx, refX)];
      const ec = [relErr(cpu.dW, refW), relErr(cpu.dx, refX)];
      worstWasm = Math.max(worstWasm, ...e);
      worstCpu = Math.max(worstCpu, ...ec);
      if (Math.max(...e) > 1e-5) throw new Error(`wasm off for ${JSON.stringify(c)}: dW ${e[0]}, dx ${e[1]}`);
    }
    expect(worstCpu).toBeLessThan(1e-5); // the reference itself agrees with tfjs' own cpu kernels
    expect(worstWasm).toBeLessThan(1e-5);
  });

  test("whole-model parameter gradients (pre-act ResNet, L=2, training-mode BatchNorm) match the cpu backend to 1e-4", async () => {
    await selectBackend({ prefer: "wasm", strict: true });
    const model = buildPreActResNet({ inputShape: [14, 14, 1], blocksPerSection: 2, widths: [8, 16, 32], seed: 3 });
    const xs = Float32Array.from(randomArray(8 * 14 * 14, 11), (v) => v + 0.5);
    const labels = Array.from({ length: 8 }, (_, i) => i % 10);
    const grads = async () => {
      const x = tf.tensor4d(xs, [8, 14, 14, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
      const { value, grads } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      );
      const out: Record<string, Float32Array> = {};
      for (const [k, g] of Object.entries(grads)) out[k] = g.dataSync().slice() as Float32Array;
      const loss = value.dataSync()[0];
      tf.dispose([x, y, value, ...Object.values(grads)]);
      return { loss, out };
    };
    const wasm = await grads();
    await selectBackend({ prefer: "cpu", strict: true });
    const cpu = await grads();
    await selectBackend({ prefer: "wasm", strict: true });
    expect(Object.keys(wasm.out).sort()).toEqual(Object.keys(cpu.out).sort());
    expect(Object.keys(wasm.out).filter((k) => k.includes("conv")).length).toBeGreaterThanOrEqual(13);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
    for (const [name, g] of Object.entries(cpu.out)) {
      let num = 0, den = 0;
      for (let i = 0; i < g.length; i++) {
        num += (wasm.out[name][i] - g[i]) ** 2;
        den += g[i] ** 2;
      }
      const rel = Math.sqrt(num / (den || 1));
      if (rel > 1e-4) throw new Error(`${name}: relative gradient difference ${rel}`);
    }
    model.dispose();
  });

  test("training on wasm leaks no tensors: the count after 20 steps equals the count after 1", async () => {
    await selectBackend({ prefer: "wasm", strict: true });
    const model = buildPreActResNet({ inputShape: [14, 14, 1], blocksPerSection: 2, widths: [8, 16, 32], seed: 5 });
    const opt = tf.train.momentum(0.05, 0.9);
    const x = tf.tensor4d(Float32Array.from(randomArray(16 * 14 * 14, 21)), [16, 14, 14, 1]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32"), 10);
    const step = () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
      const v = loss!.dataSync()[0];
      loss!.dispose();
      return v;
    };
    const first = step();
    const after1 = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 19; i++) last = step();
    expect(tf.memory().numTensors).toBe(after1);
    expect(last).toBeLessThan(first); // it also learns: 20 steps on one batch lower the loss
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});
