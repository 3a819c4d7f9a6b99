/**
 * FGSM against the analytic gradient of a linear classifier, random perturbations of equal norm,
 * propagated differences against sub-models built independently, and the seed's eq. (1) for the
 * linearised change against the projections on every right singular vector.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { fgsmAttack, imageNorms, perturbationAlignment, propagatedPerturbations, randomPerturbationLike } from "../../src/analysis/propagation";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

const norm = { mean: [0.2, 0.5], std: [0.25, 0.5] };

/** logits = flatten(x)·W, no bias: ∇ₓ CE = W·(softmax − onehot), reshaped like x. */
function linearClassifier(seed: number) {
  const input = tf.input({ shape: [3, 3, 2] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed }) }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe("FGSM", () => {
  const model = linearClassifier(1);
  const x = tf.randomNormal([5, 3, 3, 2], 0, 0.3, "float32", 2) as tf.Tensor4D;
  const labels = [0, 1, 2, 3, 0];

  test("δ = ε·sign(∇ₓ loss)/std per channel, clipped to valid pixels", () => {
    const eps = 0.01;
    const r = fgsmAttack(model, x, labels, eps, norm);
    const W = model.layers[2].getWeights()[0].arraySync() as number[][]; // [18, 4]
    const logits = model.predict(x) as tf.Tensor2D;
    const p = tf.softmax(logits).arraySync() as number[][];
    const xs = x.reshape([5, 18]).arraySync() as number[][];
    const d = r.delta.reshape([5, 18]).arraySync() as number[][];
    for (let b = 0; b < 5; b++) {
      for (let i = 0; i < 18; i++) {
        const g = W[i].reduce((s, w, k) => s + w * (p[b][k] - (k === labels[b] ? 1 : 0)), 0);
        const c = i % 2;
        const lo = -norm.mean[c] / norm.std[c], hi = (1 - norm.mean[c]) / norm.std[c];
        const want = Math.min(Math.max(xs[b][i] + Math.sign(g) * eps / norm.std[c], lo), hi) - xs[b][i];
        expect(d[b][i]).toBeCloseTo(want, 5);
      }
    }
    expect(r.eps).toEqual([eps, eps, eps, eps, eps]);
    r.norms.forEach((n, b) => expect(n).toBeCloseTo(Math.hypot(...d[b]), 4));
    r.delta.dispose();
  });

  test("a ladder gives each image the smallest ε that flips it", () => {
    const ladder = [0.01, 0.1, 0.5, 2];
    const r = fgsmAttack(model, x, labels, ladder, norm);
    for (let b = 0; b < 5; b++) {
      const xb = tf.slice(x, [b, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      // independent: attack image b alone at each ε and see where it first flips
      const flips = ladder.map((e) => {
        const s = fgsmAttack(model, xb, [labels[b]], e, norm);
        const pred = tf.argMax(model.predict(tf.add(xb, s.delta)) as tf.Tensor, 1).dataSync()[0];
        s.delta.dispose();
        return pred !== labels[b];
      });
      const first = flips.indexOf(true);
      expect(r.flipped[b]).toBe(first >= 0);
      expect(r.eps[b]).toBe(first >= 0 ? ladder[first] : ladder[ladder.length - 1]);
    }
    r.delta.dispose();
  });

  test("bad ε is a clear error", () => {
    expect(() => fgsmAttack(model, x, labels, [0.1, 0.05], norm)).toThrow(/ascending/);
    expect(() => fgsmAttack(model, x, labels, -1, norm)).toThrow(/positive/);
    expect(() => fgsmAttack(model, x, [0, 1], 0.1, norm)).toThrow(/2 labels for 5 images/);
  });
});

test("random perturbations have each image's norm of the reference and are uniform-shaped", () => {
  const like = tf.randomNormal([4, 5, 5, 2], 0, 1, "float32", 3);
  const r = randomPerturbationLike(like, 7);
  imageNorms(r).forEach((n, b) => expect(n).toBeCloseTo(imageNorms(like)[b], 3));
  // c·U(−1, 1): no value beyond c, and RMS ≈ c/√3, so max/RMS → √3 (a Gaussian of 50 values would give ≈ 2.3–3)
  const maxOverRms = (t: tf.Tensor) => t.abs().max().dataSync()[0] / Math.sqrt(t.square().mean().dataSync()[0]);
  for (let b = 0; b < 4; b++) {
    const ratio = maxOverRms(tf.slice(r, [b, 0, 0, 0], [1, -1, -1, -1]));
    expect(ratio).toBeGreaterThan(1.4);
    expect(ratio).toBeLessThan(Math.sqrt(3) * 1.15);
  }
  expect(randomPerturbationLike(like, 7).sub(r).abs().max().dataSync()[0]).toBe(0); // seeded
});

describe("propagation through a post-activation ResNet", () => {
  const model = buildBasicResNet({ inputShape: [8, 8, 2], blocksPerStage: 2, widths: [3, 4, 4], seed: 5 });
  const x = tf.randomNormal([3, 8, 8, 2], 0, 1, "float32", 6) as tf.Tensor4D;
  const delta = tf.mul(tf.randomNormal([3, 8, 8, 2], 0, 1, "float32", 7), 0.05);

  test("RMS differences at every unit match sub-models run on x and x+δ", () => {
    const p = propagatedPerturbations(model, x, delta);
    expect(p.units).toEqual(["input", "s0.b0", "s0.b1", "s1.b0", "s1.b1", "s2.b0", "s2.b1"]);
    const layerOf = (u: string) => (u === "input" ? "s0b0_in" : `${u.replace(".", "")}_out`);
    p.units.forEach((u, k) => {
      const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layerOf(u)).output as tf.SymbolicTensor });
      const a = sub.predict(x) as tf.Tensor, b = sub.predict(tf.add(x, delta)) as tf.Tensor;
      const size = a.shape.slice(1).reduce((s, q) => s * q, 1);
      const want = imageNorms(tf.sub(b, a)).map((n) => n / Math.sqrt(size));
      want.forEach((w, i) => expect(p.values[i][k]).toBeCloseTo(w, 5));
    });
  });

  test("eq. (1): the linearised change equals √(Σ α_i² σ_i²) over all singular pairs, and ≈ the actual change for small δ", () => {
    const x1 = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const d1 = tf.mul(tf.slice(delta, [0, 0, 0, 0], [1, -1, -1, -1]), 0.01);
    // unit s2.b1 has 2×2×4 = 16 dimensions: ask for all pairs (Lanczos stops early at J's rank; the null space adds nothing to eq. 1)
    const a = perturbationAlignment(model, "s2.b1", x1, d1, 16);
    expect(a.sigma.length).toBeGreaterThan(8);
    const sumA2 = a.alpha.reduce((s, v) => s + v * v, 0);
    expect(sumA2).toBeLessThanOrEqual(1 + 1e-4); // projections on orthonormal vectors
    const eq1 = Math.sqrt(a.alpha.reduce((s, v, i) => s + v * v * a.sigma[i] ** 2, 0));
    expect(Math.abs(eq1 - a.predicted) / a.predicted).toBeLessThan(1e-3);
    expect(Math.abs(a.actual - a.predicted) / a.predicted).toBeLessThan(0.05);
  });
});
