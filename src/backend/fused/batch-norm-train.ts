/**
 * Batch normalisation in training mode as one op: statistics over every axis but the last
 * (channels of NHWC data), normalisation, scale and offset.
 *
 *   μ = mean(x),  σ² = mean((x − μ)²)  (biased, as tf.moments),  y = (x − μ)·γ/√(σ² + ε) + β
 *
 * On the torch backend it is one native kernel forward and one backward (ATen's batch norm on
 * channels-last data); elsewhere it is the composite tf.layers runs (tf.moments + tf.batchNorm),
 * with the same values. The mean and variance are returned for the moving averages; gradients
 * flow to x, γ and β through y only (the statistics' own dependence on x is inside y's gradient).
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs";
import { BN_TRAIN, BN_TRAIN_GRAD, activeBackendHas } from "./kernel-names";

/** What {@link batchNormTrain} returns: y has x's shape, mean and variance are [C]. */
export interface BatchNormTrainResult {
  y: Tensor;
  mean: Tensor;
  variance: Tensor;
}

/**
 * Training-mode batch norm of x ([..., C], statistics over all but the last axis) with scale
 * γ and offset β ([C], optional) and ε (default 1e-3, tf.layers' default).
 */
export function batchNormTrain(x: Tensor, scale?: Tensor, offset?: Tensor, epsilon = 1e-3): BatchNormTrainResult {
  const channels = x.shape[x.rank - 1];
  if (activeBackendHas(BN_TRAIN) && x.rank >= 2) {
    return tf.tidy(() => {
      const inputs = { x, scale: scale ?? tf.ones([channels]), offset: offset ?? tf.zeros([channels]) };
      const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN, inputs, { varianceEpsilon: epsilon }) as Tensor[];
      return { y, mean, variance };
    });
  }
  return tf.tidy(() => {
    const axes = [...Array(x.rank - 1).keys()];
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, offset, scale, epsilon);
    return { y, mean, variance };
  });
}

/** The gradient of the fused kernel: one native backward kernel for dx, dγ and dβ. */
export const batchNormTrainGradConfig: GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ["x", "scale"],
  outputsToSave: [false, true, false, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, scale, mean, invstd] = saved;
    const dy = (dys as Tensor[])[0];
    const [dx, dscale, doffset] = tf.engine().runKernel(BN_TRAIN_GRAD, { dy, x, scale, mean, invstd }, attrs) as Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};
