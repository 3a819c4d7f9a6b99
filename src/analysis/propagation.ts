/**
 * How input perturbations travel through a ResNet (seed 001, §3.3): adversarial (FGSM) and
 * random perturbations of the same size, their propagated differences x_k(x+δ) − x_k(x) at every
 * unit, and for one unit the projections of the incoming difference onto the right singular
 * vectors of its Jacobian with the change the linearisation predicts.
 *
 * Images are normalised NHWC tensors (as the model sees them); perturbation sizes ε are given
 * in pixel units on the 0–1 scale and converted per channel with the normalisation's std.
 */
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../runtime/seeds";
import type { NormStats } from "../data/transforms";
import { hookPoints, runWithCache } from "../models/hooks";
import { unitJacobian } from "./linearize";
import { topSingularValues } from "./spectrum";

/** Result of {@link fgsmAttack}: one perturbation per image. Dispose `delta`. */
export interface FgsmResult {
  /** δ [B, H, W, C] in normalised units (x + δ stays inside the valid pixel range). */
  delta: tf.Tensor4D;
  /** ε used for each image (pixel units, 0–1 scale). */
  eps: number[];
  /** Whether the prediction on x + δ differs from the label. */
  flipped: boolean[];
  /** Whether the clean image was classified correctly. */
  cleanCorrect: boolean[];
  /** ‖δ‖₂ per image (normalised units). */
  norms: number[];
}

const perImage = (t: tf.Tensor) => Array.from({ length: t.rank - 1 }, (_, i) => i + 1);

/** ‖t_b‖₂ for each image b. */
export function imageNorms(t: tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(t), perImage(t))).dataSync()));
}

/** Per-channel bounds of valid pixels [0, 1] in normalised units. */
function pixelBounds(norm: NormStats) {
  return {
    lo: tf.tensor1d(norm.mean.map((m, c) => -m / norm.std[c])),
    hi: tf.tensor1d(norm.mean.map((m, c) => (1 - m) / norm.std[c])),
    perPixel: tf.tensor1d(norm.std.map((s) => 1 / s)),
  };
}

/**
 * FGSM (Goodfellow et al.): δ = ε·sign(∇ₓ CE(model(x), y)), clipped so that x + δ is a valid
 * image. Given a ladder of ε (ascending), each image gets the smallest ε whose δ changes its
 * prediction away from the label (the seed's "causes the previously correctly-identified image to
 * be misclassified"); images that no ε flips keep the largest.
 *
 * @param x normalised images [B, H, W, C]
 * @param labels class indices [B]
 * @param eps one ε or an ascending ladder, pixel units on the 0–1 scale (8/255 ≈ 0.031)
 */
export function fgsmAttack(model: tf.LayersModel, x: tf.Tensor4D, labels: ArrayLike<number>, eps: number | number[], norm: NormStats): FgsmResult {
  const ladder = (Array.isArray(eps) ? eps : [eps]).slice();
  if (!ladder.length || ladder.some((e) => !(e > 0) || !Number.isFinite(e))) throw new RangeError(`FGSM ε must be positive numbers (pixel units, e.g. 0.03); got ${JSON.stringify(eps)}`);
  if (ladder.some((e, i) => i > 0 && e <= ladder[i - 1])) throw new RangeError(`an FGSM ε ladder must be ascending; got ${ladder.join(", ")}`);
  const B = x.shape[0];
  if (labels.length !== B) throw new RangeError(`fgsmAttack: ${labels.length} labels for ${B} images`);
  const y = tf.tensor1d(Array.from(labels), "int32");
  const bounds = pixelBounds(norm);
  try {
    const sign = tf.tidy(() => {
      const onehot = tf.oneHot(y, model.outputs[0].shape[1] as number);
      const g = tf.grad((xx: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, model.apply(xx, { training: false }) as tf.Tensor, undefined, 0, tf.Reduction.SUM))(x);
      return tf.sign(g);
    });
    const predict = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.argMax(model.predict(t) as tf.Tensor, 1).dataSync()));
    const clean = predict(x);
    const chosen = new Array<number>(B).fill(-1);
    const flipped = new Array<boolean>(B).fill(false);
    const deltas: tf.Tensor[] = [];
    for (const [k, e] of ladder.entries()) {
      const d = tf.tidy(() => tf.sub(tf.minimum(tf.maximum(tf.add(x, tf.mul(sign, tf.mul(bounds.perPixel, e))), bounds.lo), bounds.hi), x));
      deltas.push(d);
      const moved = tf.add(x, d);
      const pred = predict(moved);
      moved.dispose();
      for (let b = 0; b < B; b++) {
        if (chosen[b] >= 0) continue;
        if (pred[b] !== labels[b]) {
          chosen[b] = k;
          flipped[b] = true;
        } else if (k === ladder.length - 1) chosen[b] = k;
      }
      if (chosen.every((c) => c >= 0)) break; // every image has its ε: larger ones are not needed
    }
    const delta = tf.tidy(() => tf.concat(chosen.map((k, b) => tf.slice(deltas[k], [b, 0, 0, 0], [1, -1, -1, -1])))) as tf.Tensor4D;
    tf.dispose([sign, ...deltas]);
    return { delta, eps: chosen.map((k) => ladder[k]), flipped, cleanCorrect: clean.map((p, b) => p === labels[b]), norms: imageNorms(delta) };
  } finally {
    tf.dispose([y, bounds.lo, bounds.hi, bounds.perPixel]);
  }
}

/** Uniform noise U(−1, 1), rescaled per image to the ‖·‖₂ of `like` (seed 001: random perturbations of the adversarial size). */
export function randomPerturbationLike(like: tf.Tensor, seed = 0): tf.Tensor {
  return tf.tidy(() => {
    const u = tf.randomUniform(like.shape, -1, 1, "float32", tfSeed(seed));
    const axes = perImage(like);
    const scale = tf.div(tf.sqrt(tf.sum(tf.square(like), axes, true)), tf.sqrt(tf.sum(tf.square(u), axes, true)));
    return tf.mul(u, scale);
  });
}

/** Result of {@link propagatedPerturbations}. */
export interface Propagation {
  /** Hook points, in network order: the first unit's input, then every unit's output. */
  points: string[];
  /** Units (`s{S}.b{B}`) whose output each point is ("input" for the first). */
  units: string[];
  /** values[b][k] = ‖x_k(x_b+δ_b) − x_k(x_b)‖₂ / √(size of x_k): the root-mean-square change per element. */
  values: number[][];
}

/**
 * Propagated perturbations (seed 001, Fig. 3): the difference between the activations of the
 * perturbed and the clean images at the input of the first unit and after every unit, normalised
 * by the activation size (RMS per element, so stages of different sizes compare).
 *
 * @param x clean normalised images [B, H, W, C]; `delta` the same shape
 */
export function propagatedPerturbations(model: tf.LayersModel, x: tf.Tensor4D, delta: tf.Tensor): Propagation {
  const points = hookPoints(model);
  const outs = points.filter((p) => p.side === "out");
  const first = points.find((p) => p.side === "in");
  if (!first || !outs.length) throw new Error("this model has no residual units with hook points: build it with buildBasicResNet or buildPreActResNet");
  const names = [first.name, ...outs.map((p) => p.name)];
  const clean = runWithCache(model, x, { names });
  const xp = tf.add(x, delta);
  const pert = runWithCache(model, xp, { names });
  try {
    const values: number[][] = Array.from({ length: x.shape[0] }, () => []);
    for (const name of names) {
      const a = clean.activations.get(name)!, b = pert.activations.get(name)!;
      const size = a.shape.slice(1).reduce((p, q) => p * q, 1);
      const norms = tf.tidy(() => imageNorms(tf.sub(b, a)));
      norms.forEach((v, i) => values[i].push(v / Math.sqrt(size)));
    }
    return { points: names, units: ["input", ...outs.map((p) => p.name.replace(/\.out$/, ""))], values };
  } finally {
    clean.dispose();
    pert.dispose();
    xp.dispose();
  }
}

/** Result of {@link comparePerturbations}. Dispose `deltas` when done. */
export interface PerturbationComparison {
  fgsm: Omit<FgsmResult, "delta">;
  adversarial: Propagation;
  random: Propagation;
  /** The perturbations themselves: FGSM's δ and the random one of the same norm per image. */
  deltas: { adversarial: tf.Tensor4D; random: tf.Tensor };
}

/**
 * Seed 001, Fig. 3: FGSM perturbations of `x` (see {@link fgsmAttack}), uniform noise of the
 * same norm per image, and how each propagates through the units.
 */
export function comparePerturbations(model: tf.LayersModel, x: tf.Tensor4D, labels: ArrayLike<number>, eps: number | number[], norm: NormStats, seed = 0): PerturbationComparison {
  const { delta, ...fgsm } = fgsmAttack(model, x, labels, eps, norm);
  const random = randomPerturbationLike(delta, seed);
  return { fgsm, adversarial: propagatedPerturbations(model, x, delta), random: propagatedPerturbations(model, x, random), deltas: { adversarial: delta, random } };
}

/** Result of {@link perturbationAlignment}. */
export interface Alignment {
  unit: string;
  /** ‖δx_k‖₂ of the incoming difference (normalised units). */
  incoming: number;
  /** Actual change ‖δx_{k+1}‖ / ‖δx_k‖ through the unit. */
  actual: number;
  /** Linearised change ‖J δx_k‖ / ‖δx_k‖ (eq. 1 with every singular vector; J at the clean image). */
  predicted: number;
  /** Top singular values σ_i of the unit's Jacobian, descending. */
  sigma: number[];
  /** α_i = ⟨δx_k/‖δx_k‖, v_i⟩ for the matching right singular vectors. */
  alpha: number[];
  /** Products J·v / Jᵀ·u used by the Lanczos run. */
  products: number;
}

/**
 * Seed 001, Fig. 4: for one image and one residual unit k, the propagated difference
 * δx_k = x_k(x+δ) − x_k(x) arriving at the unit, its projections α_i onto the unit's top-k right
 * singular vectors, and the actual against the linearised change of its size through the unit.
 *
 * @param x one clean image [1, H, W, C]; `delta` [1, H, W, C]
 * @param k number of singular pairs
 */
export function perturbationAlignment(model: tf.LayersModel, unit: string, x: tf.Tensor4D, delta: tf.Tensor, k: number): Alignment {
  if (x.shape[0] !== 1) throw new RangeError(`perturbationAlignment takes one image [1, H, W, C]; got a batch of ${x.shape[0]}`);
  const names = [`${unit}.in`, `${unit}.out`];
  const clean = runWithCache(model, x, { names });
  const xp = tf.add(x, delta);
  const pert = runWithCache(model, xp, { names });
  const J = unitJacobian(model, unit, x);
  try {
    const dIn = tf.sub(pert.activations.get(names[0])!, clean.activations.get(names[0])!);
    const dOut = tf.sub(pert.activations.get(names[1])!, clean.activations.get(names[1])!);
    const [nIn] = imageNorms(dIn), [nOut] = imageNorms(dOut);
    const jd = J.jvp(dIn);
    const [nPred] = imageNorms(jd);
    const top = topSingularValues(J, k, { vectors: true, tol: 1e-6 });
    const d = Float64Array.from(dIn.dataSync());
    const alpha = top.rightVectors!.map((v) => {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += d[i] * v[i];
      return s / (nIn || 1);
    });
    tf.dispose([dIn, dOut, jd]);
    return { unit, incoming: nIn, actual: nOut / (nIn || 1), predicted: nPred / (nIn || 1), sigma: top.values, alpha, products: top.products };
  } finally {
    J.dispose();
    clean.dispose();
    pert.dispose();
    xp.dispose();
  }
}
