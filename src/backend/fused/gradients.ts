/**
 * Gradients ResLab registers for every backend, replacing tfjs' stock ones where those build
 * more than they need (same values, checked against the stock gradients in the tests):
 *
 * - Relu: dy·[x > 0]. One native kernel on torch; tfjs' dy·cast(step(x)) elsewhere.
 * - Mean: dy broadcast to x's shape over the reduction size (a view on torch, a broadcasting add
 *   elsewhere: wasm's Tile is a slow generic loop). tfjs' stock gradient multiplies by
 *   `ones(x.shape)`, made on the host and uploaded, on every call (27 times per training step
 *   of the reference ResNet).
 * - The fused training batch norm (./batch-norm-train.ts), and the ReLU gradient's own gradient
 *   (so second derivatives still work).
 */
import * as tf from "@tensorflow/tfjs";
import type { GradConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs";
import { batchNormTrainGradConfig } from "./batch-norm-train";
import { RELU_GRAD, activeBackendHas } from "./kernel-names";

function reluGrad(dy: Tensor, x: Tensor): Tensor {
  if (activeBackendHas(RELU_GRAD)) return tf.engine().runKernel(RELU_GRAD, { dy, x }, {}) as Tensor;
  return tf.mul(dy, tf.cast(tf.step(x), "float32"));
}

export const reluGradConfig: GradConfig = {
  kernelName: "Relu",
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => ({ x: () => reluGrad(dy as Tensor, saved[0]) }),
};

/** d(reluGrad(dy, x)) = reluGrad(d·, x) for dy, 0 for x (piecewise constant in x). */
export const reluGradGradConfig: GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => ({
    dy: () => reluGrad(dy as Tensor, saved[0]),
    x: () => tf.zerosLike(saved[0]),
  }),
};

export const meanGradConfig: GradConfig = {
  kernelName: "Mean",
  inputsToSave: ["x"],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const { axis } = attrs as unknown as { axis: number | number[] };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    const kept = tf.backend_util.expandShapeToKeepDim((dy as Tensor).shape, axes);
    return {
      x: () => {
        const scaled = tf.div(tf.reshape(dy as Tensor, kept), tf.scalar(reduceSize));
        // torch: broadcastTo is a view (expand). Elsewhere it is a full Tile (a slow generic loop on
        // wasm): a broadcasting add onto zerosLike(x) makes the same tensor in one fast pass.
        return tf.getBackend() === "torch" ? tf.broadcastTo(scaled, x.shape) : tf.add(tf.zerosLike(x), scaled);
      },
    };
  },
};

let registered = false;

/** Registers the gradients above (once); tfjs' override warnings are silenced for these only. */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    for (const g of [reluGradConfig, reluGradGradConfig, meanGradConfig, batchNormTrainGradConfig]) tf.registerGradient(g);
  } finally {
    console.warn = warn;
  }
}
