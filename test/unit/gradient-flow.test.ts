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
