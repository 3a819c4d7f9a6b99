/** Names of ResLab's own fused kernels (implemented natively by the torch backend). */
import * as tf from "@tensorflow/tfjs";

/** Batch norm in training mode: inputs {x, scale, offset}, outputs [y, mean, variance, invstd]. */
export const BN_TRAIN = "ReslabBatchNormTrain";
/** Its gradient: inputs {dy, x, scale, mean, invstd}, outputs [dx, dscale, doffset]. */
export const BN_TRAIN_GRAD = "ReslabBatchNormTrainGrad";
/** ReLU's gradient in one pass: inputs {dy, x}, output dy·[x > 0]. */
export const RELU_GRAD = "ReslabReluGrad";

/** True when the active backend has kernel `name`. */
export function activeBackendHas(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}
