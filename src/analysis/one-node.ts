/**
 * Seed 002's one-node-per-layer example: scalar layers with weights w_0 … w_{L−1}, no biases,
 *
 *   residual:  y_ℓ = y_{ℓ−1} + σ(w_{ℓ−1} y_{ℓ−1})        plain:  y_ℓ = σ(w_{ℓ−1} y_{ℓ−1}),
 *
 * y_0 = u. With a^{[ℓ]} := σ(w_{ℓ−1} y_{ℓ−1}) the chain rule gives the seed's closed form
 *
 *   ∂L/∂w_ℓ = ∂L/∂y_L · ∏_{j=L}^{ℓ+2} (1 + ∂a^{[j]}/∂y_{j−1}) · ∂y_{ℓ+1}/∂w_ℓ,
 *
 * where ∂a^{[j]}/∂y_{j−1} = σ′(w_{j−1} y_{j−1})·w_{j−1} and ∂y_{ℓ+1}/∂w_ℓ = σ′(w_ℓ y_ℓ)·y_ℓ; the plain
 * network has the same product without the 1. This module evaluates it in float64, and the same
 * gradient by tfjs' autodiff, so the two can be set side by side.
 */
import * as tf from "@tensorflow/tfjs";

/** The activations the example supports, with their derivatives. */
const SIGMA: Record<string, { f: (z: number) => number; d: (z: number) => number; tf: (z: tf.Tensor) => tf.Tensor }> = {
  tanh: { f: Math.tanh, d: (z) => 1 - Math.tanh(z) ** 2, tf: tf.tanh },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), d: (z) => { const s = 1 / (1 + Math.exp(-z)); return s * (1 - s); }, tf: tf.sigmoid },
  softplus: { f: (z) => Math.log1p(Math.exp(z)), d: (z) => 1 / (1 + Math.exp(-z)), tf: tf.softplus },
};

/** The example's set-up. The loss is L(y_L) = ½ (y_L − target)², so ∂L/∂y_L = y_L − target. */
export interface OneNodeNet {
  /** Weights w_0 … w_{L−1}. */
  weights: number[];
  /** The input u = y_0. */
  input: number;
  target: number;
  /** σ (default tanh). */
  activation?: "tanh" | "sigmoid" | "softplus";
  /** True for y_ℓ = y_{ℓ−1} + a^{[ℓ]} (default), false for the plain y_ℓ = a^{[ℓ]}. */
  residual?: boolean;
}

function sigmaOf(net: OneNodeNet) {
  const s = SIGMA[net.activation ?? "tanh"];
  if (!s) throw new Error(`activation "${net.activation}" is not one of ${Object.keys(SIGMA).join(", ")}`);
  return s;
}

/**
 * ∂L/∂w_ℓ for every ℓ by the seed's closed form (float64), with the factors of the product.
 * `factors[j]` is 1 + ∂a^{[j]}/∂y_{j−1} (residual) or ∂a^{[j]}/∂y_{j−1} (plain), j = 1 … L.
 */
export function oneNodeClosedForm(net: OneNodeNet): { gradients: number[]; factors: number[]; output: number } {
  const s = sigmaOf(net), L = net.weights.length, res = net.residual ?? true;
  const y = [net.input];
  for (let l = 1; l <= L; l++) y.push((res ? y[l - 1] : 0) + s.f(net.weights[l - 1] * y[l - 1]));
  const dLdy = y[L] - net.target;
  const factors = [NaN];
  for (let j = 1; j <= L; j++) factors.push((res ? 1 : 0) + s.d(net.weights[j - 1] * y[j - 1]) * net.weights[j - 1]);
  const gradients = net.weights.map((w, l) => {
    let prod = 1;
    for (let j = L; j >= l + 2; j--) prod *= factors[j];
    return dLdy * prod * s.d(w * y[l]) * y[l];
  });
  return { gradients, factors: factors.slice(1), output: y[L] };
}

/** The same gradients by tfjs' reverse mode (float32). */
export function oneNodeAutodiff(net: OneNodeNet): number[] {
  const s = sigmaOf(net), res = net.residual ?? true;
  return tf.tidy(() => {
    const ws = net.weights.map((w) => tf.scalar(w));
    const loss = (...vars: tf.Tensor[]) => {
      let y: tf.Tensor = tf.scalar(net.input);
      for (const w of vars) y = res ? tf.add(y, s.tf(tf.mul(w, y))) : s.tf(tf.mul(w, y));
      return tf.mul(0.5, tf.square(tf.sub(y, net.target))) as tf.Scalar;
    };
    return tf.grads(loss)(ws).map((g) => g.dataSync()[0]);
  });
}
