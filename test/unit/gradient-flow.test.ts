/**
 * Seed 002's theory against independent computations: the one-node example's closed form against
 * autodiff (and a hand-worked two-layer case), Euler and RK4 against the exact solution of a linear
 * field, and the order of convergence of a weight-shared τ-ResNet to its ODE.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { oneNodeAutodiff, oneNodeClosedForm } from "../../src/analysis/one-node";
import { euler, rk4, eulerConvergence } from "../../src/analysis/ode-view";
import { buildDenseResidual } from "../../src/models/dense-residual";
import { gradientDecomposition, gradientDepthSweep, gradientNorms } from "../../src/analysis/gradient-norms";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { loadEmbeddedMnist } from "../../src/data/embedded";
import { channelStats, subsetDataset } from "../../src/data/transforms";
import { train } from "../../src/train/train";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

describe("the one-node example", () => {
  test("two layers by hand: ∂L/∂w_0 = (y_2 − t)·(1 + σ′(w_1 y_1) w_1)·σ′(w_0 u)·u", () => {
    const [w0, w1, u, t] = [0.7, -1.3, 0.9, 0.2];
    const y1 = u + Math.tanh(w0 * u);
    const y2 = y1 + Math.tanh(w1 * y1);
    const d = (z: number) => 1 - Math.tanh(z) ** 2;
    const want0 = (y2 - t) * (1 + d(w1 * y1) * w1) * d(w0 * u) * u;
    const want1 = (y2 - t) * d(w1 * y1) * y1;
    const got = oneNodeClosedForm({ weights: [w0, w1], input: u, target: t });
    expect(got.gradients[0]).toBeCloseTo(want0, 12);
    expect(got.gradients[1]).toBeCloseTo(want1, 12);
    expect(got.output).toBeCloseTo(y2, 12);
  });

  test("closed form equals autodiff for L = 1…30, residual and plain, three activations", () => {
    for (const activation of ["tanh", "sigmoid", "softplus"] as const) {
      for (const residual of [true, false]) {
        for (const L of [1, 3, 10, 30]) {
          const weights = Array.from({ length: L }, (_, i) => 0.8 * Math.sin(1.7 * i + (residual ? 0.3 : 1.1)));
          const net = { weights, input: 0.6, target: -0.4, activation, residual };
          const closed = oneNodeClosedForm(net).gradients;
          const auto = oneNodeAutodiff(net);
          const scale = Math.max(...closed.map(Math.abs), 1e-30);
          closed.forEach((g, i) => expect(Math.abs(g - auto[i])).toBeLessThan(1e-5 * scale + 1e-7));
        }
      }
    }
  });

  test("with |∂a/∂y| < 1 the plain product vanishes with depth, the residual one keeps the identity term", () => {
    const weights = Array.from({ length: 40 }, () => 0.5); // σ′·w ≤ 0.5 everywhere
    const plain = oneNodeClosedForm({ weights, input: 1, target: 0, residual: false });
    const res = oneNodeClosedForm({ weights, input: 1, target: 0, residual: true });
    const product = (f: number[]) => f.slice(1).reduce((a, b) => a * b, 1); // ∏_{j=L}^{2}, what reaches w_0
    expect(Math.abs(product(plain.factors))).toBeLessThan(0.5 ** 39 * 1.0001);
    expect(res.factors.every((f) => f >= 1)).toBe(true);
    expect(product(res.factors)).toBeGreaterThanOrEqual(1);
  });
});

describe("the ODE view", () => {
  // dy/dt = W y + b with W = diag(w): y_i(T) = (y0_i + b_i/w_i) e^{w_i T} − b_i/w_i
  const w = [-1.5, 0.5, -0.2], b = [0.3, -0.1, 0.7], y0 = [1, -2, 0.5], T = 2;
  const f = (y: Float64Array) => y.map((v, i) => w[i] * v + b[i]);
  const exact = w.map((wi, i) => (y0[i] + b[i] / wi) * Math.exp(wi * T) - b[i] / wi);
  const err = (y: Float64Array) => Math.hypot(...Array.from(y, (v, i) => v - exact[i]));

  test("RK4 is fourth order and Euler first order on a linear field with a known solution", () => {
    const e = [16, 32, 64].map((n) => [err(euler(f, y0, T, n)), err(rk4(f, y0, T, n))]);
    for (let k = 1; k < e.length; k++) {
      expect(e[k - 1][0] / e[k][0]).toBeGreaterThan(1.8); // halving τ halves Euler's error
      expect(e[k - 1][0] / e[k][0]).toBeLessThan(2.2);
      expect(e[k - 1][1] / e[k][1]).toBeGreaterThan(14); // and divides RK4's by 16
    }
    expect(err(rk4(f, y0, T, 4096))).toBeLessThan(1e-12);
  });

  test("a weight-shared τ-ResNet is Euler's scheme: its error against RK4 falls like τ (fitted slope ≈ 1)", () => {
    const r = eulerConvergence({ depths: [8, 16, 32, 64, 128] });
    expect(r.fit.slope).toBeGreaterThan(0.9);
    expect(r.fit.slope).toBeLessThan(1.1);
    for (let k = 1; k < r.rows.length; k++) expect(r.rows[k].error).toBeLessThan(r.rows[k - 1].error);
    // the network's forward pass is Euler on the same weights (float32 against float64)
    const model = buildDenseResidual({ inputDim: 3, widths: [3], blocksPerSection: 5, tau: 0.2, activation: "tanh", numClasses: 0, shareWeights: true, seed: 3 });
    const [K, B] = model.getLayer("s0shared_dense").getWeights().map((t) => t.arraySync()) as [number[][], number[]];
    const field = (y: Float64Array) => Float64Array.from(B, (bj, j) => Math.tanh(bj + y.reduce((s, v, i) => s + v * K[i][j], 0)));
    const want = euler(field, y0, 1, 5);
    const got = (model.predict(tf.tensor2d([y0])) as tf.Tensor).dataSync();
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(model.countParams()).toBe(3 * 3 + 3); // one W, b for all five layers
  });
});


describe("gradientNorms", () => {
  const crossEntropyMean = (logits: number[][], labels: number[]) =>
    logits.reduce((s, l, i) => {
      const m = Math.max(...l);
      return s + m + Math.log(l.reduce((a, v) => a + Math.exp(v - m), 0)) - l[labels[i]];
    }, 0) / logits.length;

  test("‖∂L/∂W‖ of every kernel and ‖∂L/∂x_0‖ equal central finite differences (dense residual net, softplus)", () => {
    const model = buildDenseResidual({ inputDim: 3, widths: [3], blocksPerSection: 2, activation: "softplus", numClasses: 2, seed: 7 });
    const x = tf.tensor2d([[0.5, -1, 0.3], [1.2, 0.1, -0.7], [-0.4, 0.8, 0.9]]);
    const labels = [0, 1, 1];
    const g = gradientNorms(model, { x, labels });
    const lossAt = () => crossEntropyMean((model.predict(x) as tf.Tensor).arraySync() as number[][], labels);
    const eps = 1e-2;
    for (const row of g.weights) {
      const layer = model.getLayer(row.layer);
      const [k, ...rest] = layer.getWeights();
      const base = k.dataSync().slice();
      let sq = 0;
      for (let i = 0; i < base.length; i++) {
        const at = (d: number) => {
          const v = base.slice();
          v[i] += d;
          layer.setWeights([tf.tensor(v, k.shape), ...rest]);
          return lossAt();
        };
        sq += ((at(eps) - at(-eps)) / (2 * eps)) ** 2;
      }
      layer.setWeights([tf.tensor(base, k.shape), ...rest]);
      expect(Math.abs(g.weights.find((w) => w.layer === row.layer)!.gradNorm - Math.sqrt(sq)) / Math.sqrt(sq)).toBeLessThan(2e-2);
    }
    expect(g.weights.map((w) => w.layer)).toEqual(["s0b0_dense", "s0b1_dense", "head_dense"]);
    // block 0's input is the network's input here (no projection): perturb x itself
    const xv = x.dataSync();
    let sq = 0;
    for (let i = 0; i < xv.length; i++) {
      const at = (d: number) => {
        const v = xv.slice();
        v[i] += d;
        return crossEntropyMean((model.predict(tf.tensor(v, x.shape)) as tf.Tensor).arraySync() as number[][], labels);
      };
      sq += ((at(eps) - at(-eps)) / (2 * eps)) ** 2;
    }
    expect(Math.abs(g.blocks[0].gradNorm - Math.sqrt(sq)) / Math.sqrt(sq)).toBeLessThan(2e-2);
    expect(g.loss).toBeCloseTo(lossAt(), 5);
  });

  test("identity blocks pass the gradient unchanged: every ‖∂L/∂x_l‖ = ‖(softmax − onehot) W_headᵀ‖ / N, worked by hand", () => {
    const model = buildDenseResidual({ inputDim: 2, widths: [2], blocksPerSection: 4, numClasses: 2, seed: 1 });
    for (const l of model.layers.filter((x) => /_dense$/.test(x.name) && x.name !== "head_dense")) l.setWeights(l.getWeights().map((w) => tf.zerosLike(w)));
    const head = model.getLayer("head_dense");
    head.setWeights([tf.tensor2d([[1, -2], [0.5, 3]]), tf.tensor1d([0.1, -0.1])]);
    const x = [[1, 2], [-1, 0.5]], labels = [1, 0];
    const g = gradientNorms(model, { x: tf.tensor2d(x), labels });
    // F = relu(0·y + 0) = 0: every block is the identity, logits = x·W + b
    const W = [[1, -2], [0.5, 3]], b = [0.1, -0.1];
    const dz = x.map((xi, n) => {
      const z = [0, 1].map((j) => xi[0] * W[0][j] + xi[1] * W[1][j] + b[j]);
      const e = z.map((v) => Math.exp(v));
      return e.map((v, j) => (v / (e[0] + e[1]) - (j === labels[n] ? 1 : 0)) / x.length);
    });
    const dx = dz.map((d) => [0, 1].map((i) => d[0] * W[i][0] + d[1] * W[i][1]));
    const want = Math.hypot(...dx.flat());
    expect(g.blocks).toHaveLength(4);
    for (const row of g.blocks) expect(row.gradNorm).toBeCloseTo(want, 5);
  });
});

describe("gradientDepthSweep", () => {
  test("sigmoid dense nets at initialisation: the plain net's first-layer gradient vanishes with depth, the residual one does not", () => {
    const x = tf.randomNormal([32, 16], 0, 1, "float32", 5);
    const labels = Array.from({ length: 32 }, (_, i) => i % 4);
    const rows = gradientDepthSweep({
      depths: [4, 16, 32],
      build: (L, residual) => buildDenseResidual({ inputDim: 16, widths: [16], blocksPerSection: L, activation: "sigmoid", numClasses: 4, seed: 2, skipScale: residual ? 1 : 0, tau: residual ? 1 / L : 1 }),
      data: { x, labels },
    });
    const at = (residual: boolean, depth: number) => rows.find((r) => r.residual === residual && r.depth === depth)!;
    expect(rows).toHaveLength(6);
    expect(at(false, 32).firstInputGrad / at(false, 4).firstInputGrad).toBeLessThan(1e-3);
    expect(at(true, 32).firstInputGrad / at(true, 4).firstInputGrad).toBeGreaterThan(0.3);
    expect(at(false, 32).firstWeightGrad).toBeLessThan(at(true, 32).firstWeightGrad);
  });
});

test("conv nets and their plain counterparts (skip scale 0) have a row per block and per kernel, stem first", () => {
  const x = tf.randomNormal([4, 8, 8, 1], 0, 1, "float32", 6);
  for (const skipScale of [1, 0]) {
    const model = buildBasicResNet({ inputShape: [8, 8, 1], blocksPerStage: 2, widths: [2, 3, 4], seed: 3, skipScale });
    const g = gradientNorms(model, { x, labels: [0, 1, 2, 3] });
    expect(g.blocks.map((b) => b.point)).toEqual(["s0.b0.in", "s0.b1.in", "s1.b0.in", "s1.b1.in", "s2.b0.in", "s2.b1.in"]);
    expect(g.weights[0].layer).toBe("stem_conv");
    expect(g.weights).toHaveLength(1 + 6 * 2 + 2 + 1); // stem, two convs per block, two projections, head
    expect(g.blocks.every((b) => Number.isFinite(b.gradNorm) && b.gradNorm > 0)).toBe(true);
    model.dispose();
  }
});


test("seed 004's decomposition on a linear residual net: through = ‖g_L((I + W_2)(I + W_1)…)ᵀ − g_L‖, worked by hand", () => {
  // y ← y + y·W_j (linear σ, no bias effect on the Jacobian): ∂x_L/∂x_l = ∏ (I + W_j) in tfjs' row convention
  const model = buildDenseResidual({ inputDim: 2, widths: [2], blocksPerSection: 3, activation: "linear", numClasses: 2, seed: 4 });
  const Ws = [[[0.1, -0.3], [0.2, 0.05]], [[-0.2, 0.1], [0.4, -0.1]], [[0.3, 0.0], [-0.1, 0.2]]];
  Ws.forEach((W, j) => model.getLayer(`s0b${j}_dense`).setWeights([tf.tensor2d(W), tf.tensor1d([0.01, -0.02])]));
  const x = tf.tensor2d([[0.5, -1], [1, 2]]);
  const rows = gradientDecomposition(model, { x, labels: [1, 0] });
  expect(rows.map((r) => r.point)).toEqual(["s0.b0.in", "s0.b1.in", "s0.b2.in"]);
  // g_L by hand: (softmax − onehot)/N · W_headᵀ at the final state
  const [Wh, bh] = model.getLayer("head_dense").getWeights().map((t) => t.arraySync()) as [number[][], number[]];
  const mul = (A: number[][], B: number[][]) => A.map((r) => B[0].map((_, j) => r.reduce((s, v, k) => s + v * B[k][j], 0)));
  const plusI = (W: number[][]) => W.map((r, i) => r.map((v, j) => v + (i === j ? 1 : 0)));
  let y = x.arraySync() as number[][];
  for (const W of Ws) y = y.map((r) => r.map((v, j) => v + mul([r], W)[0][j] + [0.01, -0.02][j]));
  const z = mul(y, Wh).map((r) => r.map((v, j) => v + bh[j]));
  const labels = [1, 0];
  const dz = z.map((r, n) => { const e = r.map(Math.exp); const s = e[0] + e[1]; return e.map((v, j) => (v / s - (j === labels[n] ? 1 : 0)) / 2); });
  const gLhand = dz.map((d) => [0, 1].map((i) => d[0] * Wh[i][0] + d[1] * Wh[i][1]));
  const norm = (A: number[][]) => Math.hypot(...A.flat());
  rows.forEach((r, l) => {
    // ∂ε/∂x_l = g_L · (∏_{j=l}^{L−1} (I + W_j))ᵀ in row form: g_l = g_L · Pᵀ with P = (I+W_l)(I+W_{l+1})…
    let P = [[1, 0], [0, 1]];
    for (let j = l; j < Ws.length; j++) P = mul(P, plusI(Ws[j]));
    const Pt = P[0].map((_, i) => P.map((row) => row[i]));
    const gl = mul(gLhand, Pt);
    expect(r.direct).toBeCloseTo(norm(gLhand), 5);
    expect(r.through).toBeCloseTo(norm(gl.map((row, n) => row.map((v, i) => v - gLhand[n][i]))), 5);
  });
});

test("a dense net on images (inputShape) is the flat net on the flattened images, and train() trains it", async () => {
  const ds = subsetDataset(loadEmbeddedMnist({ seed: 0 }), { trainN: 300, testN: 100, perClass: true });
  const cfg = { widths: [16], blocksPerSection: 4, activation: "relu" as const, seed: 2 };
  const img = buildDenseResidual({ ...cfg, inputShape: [28, 28, 1] });
  const flat = buildDenseResidual({ ...cfg, inputDim: 784 });
  const x = tf.randomNormal([5, 28, 28, 1], 0, 1, "float32", 3);
  const a = img.predict(x) as tf.Tensor, b = flat.predict(tf.reshape(x, [5, 784])) as tf.Tensor;
  expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
  const gi = gradientNorms(img, { x, labels: [0, 1, 2, 3, 4] }), gf = gradientNorms(flat, { x: tf.reshape(x, [5, 784]), labels: [0, 1, 2, 3, 4] });
  expect(gi.blocks.map((r) => r.point)).toEqual(gf.blocks.map((r) => r.point));
  gi.blocks.forEach((r, i) => expect(r.gradNorm).toBeCloseTo(gf.blocks[i].gradNorm, 5));
  const res = await train(img, ds, { epochs: 3, batchSize: 25, lr: 3e-3, optimizer: "adam", seed: 0, live: false, norm: channelStats(ds.train, 1) });
  expect(res.history[2].trainLoss).toBeLessThan(0.7 * res.history[0].trainLoss);
  expect(() => buildDenseResidual({ ...cfg })).toThrow(/needs inputDim .* or inputShape/);
  tf.dispose([x, a, b]);
  img.dispose();
  flat.dispose();
});
