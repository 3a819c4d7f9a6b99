/**
 * Surgery on (trained) BasicResNets for seed 001 §3.4 (Fig. 5): the same weights with every
 * skip connection scaled by α, x(k+1) = σ(α·shortcut(x(k)) + R(x(k))), or one residual unit's
 * conv kernels blended with Gaussian noise, θ̂(t) = tθ + (1 − t)η (eq. 3). Both rebuild the model
 * from its recorded configuration ({@link basicResNetConfig}) and return a new model that the
 * caller disposes; the original is left untouched.
 */
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../runtime/seeds";
import { basicResNetConfig, buildBasicResNet, type BasicResNetConfig } from "./basic-resnet";

/** A fresh BasicResNet from `model`'s configuration with `changes`, carrying `model`'s weights (matched by layer name). */
function rebuild(model: tf.LayersModel, changes: Partial<BasicResNetConfig>): tf.LayersModel {
  const copy = buildBasicResNet({ ...basicResNetConfig(model), ...changes });
  for (const layer of copy.layers) {
    if (layer.weights.length) layer.setWeights(model.getLayer(layer.name).getWeights());
  }
  return copy;
}

/**
 * A copy of `model` (built by buildBasicResNet) with skip scale α on every unit's shortcut, after
 * the projection of down-sampling units: α replaces the model's own skip scale, it does not
 * multiply it. The weights are `model`'s (the Rescaling layers that carry α have none); α = 0
 * gives the plain network.
 */
export function withSkipScale(model: tf.LayersModel, alpha: number): tf.LayersModel {
  if (!Number.isFinite(alpha)) throw new RangeError(`the skip scale α must be a finite number, got ${alpha}`);
  return rebuild(model, { skipScale: alpha });
}

/** Options of {@link withInterpolatedWeights}. */
export interface InterpolationOptions {
  /** Seed of the noise η (default 0): the same seed gives the same η for every t. */
  seed?: number;
}

/**
 * A copy of `model` (built by buildBasicResNet) in which the residual branch's conv kernels θ of
 * unit `unit` ("s1.b2": `s1b2_conv1` and `s1b2_conv2`) are replaced by θ̂(t) = tθ + (1 − t)η
 * (seed eq. 3), 0 ≤ t ≤ 1: t = 1 is the trained unit, t = 0 pure noise. η is standard Gaussian
 * noise of the kernel's shape [kh, kw, in, out], scaled to the Frobenius norm of θ, drawn
 * independently for each kernel and reproducibly from `seed`. Every other weight is kept: the
 * BatchNorm parameters of the unit, and the projection shortcut of a down-sampling unit (it is the
 * skip path, not R).
 */
export function withInterpolatedWeights(model: tf.LayersModel, unit: string, t: number, opts: InterpolationOptions = {}): tf.LayersModel {
  if (!(t >= 0 && t <= 1)) throw new RangeError(`t = ${t} is outside [0, 1]: θ̂(t) = tθ + (1 − t)η runs from the noise η (t = 0) to the trained kernel θ (t = 1)`);
  const m = /^s(\d+)\.b(\d+)$/.exec(unit);
  if (!m) throw new Error(`"${unit}" is not a residual unit: name one as s{stage}.b{block}, e.g. s1.b2`);
  const names = [`s${m[1]}b${m[2]}_conv1`, `s${m[1]}b${m[2]}_conv2`];
  if (!names.every((n) => model.layers.some((l) => l.name === n))) {
    const units = model.layers.map((l) => /^(s\d+)(b\d+)_conv1$/.exec(l.name)).flatMap((x) => (x ? [`${x[1]}.${x[2]}`] : []));
    throw new Error(`unknown residual unit "${unit}": this model has ${units.length ? `${units[0]} … ${units[units.length - 1]}` : "none (it was not built by buildBasicResNet)"}`);
  }
  const copy = rebuild(model, {});
  const seed = opts.seed ?? 0;
  names.forEach((name, i) => {
    const blended = tf.tidy(() => {
      const theta = model.getLayer(name).getWeights()[0];
      const noise = tf.randomNormal(theta.shape, 0, 1, "float32", tfSeed(seed, i));
      const eta = tf.mul(noise, tf.div(tf.norm(theta), tf.norm(noise)));
      return tf.add(tf.mul(theta, t), tf.mul(eta, 1 - t));
    });
    copy.getLayer(name).setWeights([blended]);
    blended.dispose();
  });
  return copy;
}
