/**
 * Stochastic Lanczos quadrature for singular-value densities: against an operator whose spectrum
 * is known exactly, and against the dense matrix of small residual units (proportions, moments,
 * scree and smoothed density).
 */
import * as tf from "@tensorflow/tfjs";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { unitJacobian, type JacobianOperator } from "../../src/analysis/linearize";
import { denseJacobian, fullSpectrum } from "../../src/analysis/spectrum";
import {
  SEED_BINS,
  ZERO_TOL,
  densityCurve,
  densityProportions,
  quantileCurve,
  rademacherProbes,
  spectralDensity,
  spectrumProportions,
} from "../../src/analysis/slq";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** Gives every BatchNorm non-trivial statistics and affine parameters (as in linearize.test.ts). */
function randomiseBatchNorm(model: tf.LayersModel): void {
  let seed = 100;
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * J: R⁶⁰ → R⁴⁰, J v = d ⊙ v[0:40], so Jᵀu = [d ⊙ u, 0]: singular values d (4 zeros, 8 × 0.5,
 * 20 × 1, 8 × 2) and 20 more zeros from the null space, over the 60 input directions.
 */
const dValues = [...Array(4).fill(0), ...Array(8).fill(0.5), ...Array(20).fill(1), ...Array(8).fill(2)];
function knownOperator(): JacobianOperator & { batches: number[] } {
  const d = tf.tensor2d([dValues]);
  const batches: number[] = [];
  return {
    inShape: [60],
    outShape: [40],
    jvp: (v) => {
      batches.push(v.shape[0]);
      return tf.tidy(() => tf.mul(tf.slice(v, [0, 0], [-1, 40]), d));
    },
    vjp: (u) => tf.tidy(() => tf.pad(tf.mul(u, d), [[0, 0], [0, 20]])),
    value: d,
    dispose: () => d.dispose(),
    batches,
  };
}

describe("an operator with a known spectrum", () => {
  const J = knownOperator();
  const density = spectralDensity(J, { probes: 4, steps: 30, seed: 3 });
  afterAll(() => J.dispose());

  test("every probe stops after 4 steps (4 distinct σ) with the exact nodes and weights (count / n)", () => {
    expect(density.n).toBe(60);
    expect(density.m).toBe(40);
    expect(density.steps).toBe(30);
    for (let p = 0; p < 4; p++) {
      expect(density.nodes[p]).toHaveLength(4);
      [0, 0.5, 1, 2].forEach((s, j) => expect(density.nodes[p][j]).toBeCloseTo(s, 6));
      // Rademacher: (vᵢᵀz)² = 1 for every coordinate direction, so weight = multiplicity / n
      [24, 8, 20, 8].forEach((c, j) => expect(density.weights[p][j]).toBeCloseTo(c / 60, 6));
    }
  });

  test("all probes share one batched jvp and one vjp call per step", () => {
    // steps 1–4: J·v for all 4 probes; Jᵀ·u after steps 1–3 (at step 4 J·v lies in span U: α₄ = 0, σ = 0 found)
    expect(J.batches).toEqual([4, 4, 4, 4]);
    expect(density.calls).toBe(4 + 3);
    expect(density.products).toBe(4 * 4 + 4 * 3);
  });

  test("proportions: exact, zero error, and the n − m null directions counted as ≈ 0 by both routes", () => {
    const expected = [8 / 60, 20 / 60, 8 / 60, 24 / 60]; // SEED_BINS order: >1.01, ≈1, between, ≈0
    const fromDensity = densityProportions(density);
    const fromValues = spectrumProportions([...dValues].sort((a, b) => b - a), 60);
    fromDensity.forEach((b, i) => {
      expect(b.label).toBe(SEED_BINS[i].label);
      expect(b.estimate).toBeCloseTo(expected[i], 6);
      expect(b.stdError).toBeLessThan(1e-6);
      expect(b.quadratureChange).toBe(0); // the probes reached invariant subspaces: exact quadrature
      expect(fromValues[i].estimate).toBeCloseTo(expected[i], 12);
      expect(fromValues[i]).toMatchObject({ stdError: 0, lower: fromValues[i].estimate, upper: fromValues[i].estimate });
    });
  });

  test("smoothed density is the Gaussian mixture of the spectrum, the scree curve the sorted values", () => {
    const grid = [-0.5, 0, 0.3, 0.5, 0.99, 1, 1.7, 2, 3];
    const h = 0.05;
    const exact = grid.map((g) => sum(dValues.concat(Array(20).fill(0)).map((s) => Math.exp(-0.5 * ((g - s) / h) ** 2))) / (60 * h * Math.sqrt(2 * Math.PI)));
    densityCurve(density, grid, h).forEach((v, i) => expect(v).toBeCloseTo(exact[i], 5));
    const sorted = [...dValues, ...Array(20).fill(0)].sort((a, b) => b - a);
    for (const points of [7, 13]) { // fractions i/points off the multiplicity boundaries k/60, where float rounding decides
      const q = quantileCurve(density, points);
      expect(q.fraction).toHaveLength(points);
      q.fraction.forEach((f, i) => {
        expect(f).toBeCloseTo((i + 1) / points, 12);
        expect(q.sigma[i]).toBeCloseTo(sorted[Math.ceil(f * 60 - 1e-9) - 1], 6);
      });
    }
  });
});

describe("residual units (BatchNorm randomised) against their dense Jacobians", () => {
  const model = buildBasicResNet({ inputShape: [6, 6, 3], blocksPerStage: 2, widths: [3, 4, 4], seed: 3 });
  randomiseBatchNorm(model);
  const image = tf.randomNormal([1, 6, 6, 3], 0, 1, "float32", 5);

  const model8 = buildBasicResNet({ inputShape: [8, 8, 4], blocksPerStage: 2, widths: [4, 8, 8], seed: 3 });
  randomiseBatchNorm(model8);
  const image8 = tf.randomNormal([1, 8, 8, 4], 0, 1, "float32", 5);

  test.each([
    ["6×6×3", "s0.b1", 108, 60],
    ["6×6×3", "s0.b1", 108, 200],
    ["6×6×3", "s1.b0", 108, 60], // down-sampling: 108 → 36, at least 72 zeros
    ["8×8×4", "s1.b1", 128, 60],
  ])("%s %s (n = %d), %d steps: proportions within the error bars of the dense spectrum's", (input, unit, n, steps) => {
    const J = input === "6×6×3" ? unitJacobian(model, unit, image) : unitJacobian(model8, unit, image8);
    const values = fullSpectrum(J);
    const exact = spectrumProportions(values, n);
    const density = spectralDensity(J, { probes: 8, steps });
    expect(density.steps).toBe(Math.min(steps, n));
    densityProportions(density).forEach((b, i) => {
      // ±2 SE covers the probes' noise; quadratureChange flags unresolved bins; 0.02 absolute slack
      expect(Math.abs(b.estimate - exact[i].estimate)).toBeLessThanOrEqual(2 * b.stdError + b.quadratureChange + 0.02);
      expect(b.lower).toBeLessThanOrEqual(b.estimate);
      expect(b.upper).toBeGreaterThanOrEqual(b.estimate);
    });
    // the seed-001 picture of this unit is not trivial: zeros, the plateau region and σ > 1 all occur
    if (unit !== "s1.b0") exact.forEach((b, i) => expect(b.estimate).toBeGreaterThan(i === 1 ? 0 : 0.05));
    // nodes in [0, σ_max], weights a probability per probe
    const top = values[0];
    density.nodes.flat().forEach((s) => {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(top * (1 + 1e-6));
    });
    density.weights.forEach((w) => expect(sum(w)).toBeCloseTo(1, 10));
    J.dispose();
  });

  test("n − m missing zeros: the dense SVD's 36 values and the 108 eigenvalues of JᵀJ give the same proportions", () => {
    const J = unitJacobian(model, "s1.b0", image);
    const M = denseJacobian(J);
    const values = fullSpectrum(J);
    expect(values).toHaveLength(36);
    const eig = new EigenvalueDecomposition(M.transpose().mmul(M), { assumeSymmetric: true }).realEigenvalues;
    const fromEig = spectrumProportions(eig.map((l) => Math.sqrt(Math.max(l, 0))));
    spectrumProportions(values, 108).forEach((b, i) => expect(b.estimate).toBeCloseTo(fromEig[i].estimate, 12));
    expect(fromEig[3].estimate).toBeGreaterThanOrEqual(72 / 108);
    J.dispose();
  });

  test("steps ≥ n: Gauss quadrature reproduces each probe's moments zᵀ(JᵀJ)ᵏz / n; mean σ² within Hutchinson noise of ‖J‖²_F / n", () => {
    const J = unitJacobian(model, "s0.b1", image);
    const n = 108, probes = 6, seed = 9;
    const density = spectralDensity(J, { probes, steps: n, seed });
    const M = denseJacobian(J);
    const A = M.transpose().mmul(M);
    const Z = rademacherProbes(n, probes, seed);
    const hutchinson: number[] = [];
    Z.forEach((z, p) => {
      let x = Matrix.columnVector(Array.from(z));
      const zt = Matrix.rowVector(Array.from(z));
      for (let k = 1; k <= 3; k++) {
        x = A.mmul(x); // A^k z
        const exact = zt.mmul(x).get(0, 0) / n;
        const quad = sum(density.nodes[p].map((s, j) => density.weights[p][j] * s ** (2 * k)));
        expect(Math.abs(quad - exact) / exact).toBeLessThan(k === 1 ? 1e-6 : 1e-5);
        if (k === 1) hutchinson.push(exact);
      }
    });
    const meanQuad = sum(density.nodes.map((row, p) => sum(row.map((s, j) => density.weights[p][j] * s * s)))) / probes;
    expect(Math.abs(meanQuad - sum(hutchinson) / probes)).toBeLessThan(1e-6 * meanQuad);
    // E[zᵀAz/n] = tr(A)/n = ‖J‖²_F/n; Var[zᵀAz] = 2 Σ_{i≠j} A_ij² for Rademacher z
    const frob = sum(M.to1DArray().map((v) => v * v));
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += A.get(i, j) ** 2;
    const se = Math.sqrt(2 * off) / n / Math.sqrt(probes);
    expect(Math.abs(meanQuad - frob / n)).toBeLessThan(4 * se);
    J.dispose();
  });

  test("scree curve and smoothed density follow the dense spectrum", () => {
    const J = unitJacobian(model, "s0.b1", image);
    const n = 108;
    const values = fullSpectrum(J);
    const density = spectralDensity(J, { probes: 8, steps: 60 });
    // scree: σ(f) lies between the exact σ at index fractions f ± 0.06 (values equal within ZERO_TOL count as equal)
    const exactAt = (f: number) => values[Math.min(n - 1, Math.max(0, Math.ceil(f * n) - 1))];
    const q = quantileCurve(density, 50);
    q.fraction.forEach((f, i) => {
      expect(q.sigma[i]).toBeLessThanOrEqual(exactAt(f - 0.06) + ZERO_TOL);
      expect(q.sigma[i]).toBeGreaterThanOrEqual(exactAt(f + 0.06) - ZERO_TOL);
    });
    // smoothed density: integrates to 1 and is close in L1 to the same smoothing of the exact values
    const h = 0.1, dg = 0.01;
    const grid = Array.from({ length: Math.ceil((values[0] + 1.5) / dg) }, (_, i) => -0.75 + i * dg);
    const rho = densityCurve(density, grid, h);
    const exact = grid.map((g) => sum(values.map((s) => Math.exp(-0.5 * ((g - s) / h) ** 2))) / (n * h * Math.sqrt(2 * Math.PI)));
    expect(sum(rho) * dg).toBeCloseTo(1, 3);
    expect(sum(rho.map((r, i) => Math.abs(r - exact[i]))) * dg).toBeLessThan(0.15);
    J.dispose();
  });

  test("deterministic for a seed, different for another", () => {
    const J = unitJacobian(model, "s1.b1", image);
    const a = spectralDensity(J, { probes: 2, steps: 10, seed: 4 });
    const b = spectralDensity(J, { probes: 2, steps: 10, seed: 4 });
    const c = spectralDensity(J, { probes: 2, steps: 10, seed: 5 });
    expect(b.nodes).toEqual(a.nodes);
    expect(b.weights).toEqual(a.weights);
    expect(c.weights).not.toEqual(a.weights);
    J.dispose();
  });
});

describe("bad input is a clear error", () => {
  const J = knownOperator();
  afterAll(() => J.dispose());

  test("probes, steps and seed", () => {
    expect(() => spectralDensity(J, { probes: 0 })).toThrow(/probes must be a positive integer; got 0/);
    expect(() => spectralDensity(J, { probes: 2.5 })).toThrow(/probes must be a positive integer/);
    expect(() => spectralDensity(J, { steps: 0 })).toThrow(/steps must be a positive integer; got 0/);
    expect(() => spectralDensity(J, { seed: NaN })).toThrow(/seed must be an integer/);
  });

  test("an operator producing non-finite values", () => {
    const bad: JacobianOperator = { ...J, jvp: (v) => tf.tidy(() => tf.mul(J.jvp(v), NaN)) };
    expect(() => spectralDensity(bad, { probes: 2, steps: 3 })).toThrow(/non-finite values \(probe 0, step 1\)/);
  });

  test("values, n, bins, bandwidth and points", () => {
    expect(() => spectrumProportions([1, NaN])).toThrow(/finite and ≥ 0; got NaN/);
    expect(() => spectrumProportions([1, -0.5])).toThrow(/finite and ≥ 0; got -0.5/);
    expect(() => spectrumProportions([1, 2], 1)).toThrow(/n must be an integer ≥ the number of values \(2\)/);
    expect(() => spectrumProportions([1], 1, [{ label: "empty", min: 1, max: 1 }])).toThrow(/bin "empty": need min < max/);
    const density = spectralDensity(J, { probes: 2, steps: 5 });
    expect(() => densityCurve(density, [0, 1], 0)).toThrow(/bandwidth must be a positive finite number; got 0/);
    expect(() => densityCurve(density, [0, NaN], 0.1)).toThrow(/grid must hold finite numbers/);
    expect(() => quantileCurve(density, 0)).toThrow(/points must be a positive integer; got 0/);
  });
});
