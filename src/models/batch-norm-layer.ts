/**
 * ResLab's batch-norm layer: tf.layers' BatchNormalization (same weights, names, config and
 * inference path) whose training-mode call is one fused op, `batchNormTrain`
 * (src/backend/fused/batch-norm-train.ts): a native forward and backward kernel on the torch
 * backend, tfjs' composite of moments + batchNorm elsewhere. The moving averages are updated as
 * tf.layers does: m ← m − (m − batch)·(1 − momentum).
 *
 * The layer keeps the class name "BatchNormalization", so the Jacobian linearisation, unit
 * surgery and saved models treat it as the stock layer.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormTrain } from "../backend/fused/batch-norm-train";

type LayerVariable = { read(): tf.Tensor; write(t: tf.Tensor): void };
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}
type Kwargs = { training?: boolean } & Record<string, unknown>;
type BatchNormCtor = new (args: Record<string, unknown>) => tf.layers.Layer;

const StockBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as BatchNormCtor;

/** BatchNormalization whose training step is one fused op (see the module comment). */
export class FusedBatchNormalization extends StockBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormInternals;
    const axis = self.axis < 0 ? self.axis + x.rank : self.axis;
    if (!kwargs?.training || axis !== x.rank - 1) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrain(x, self.gamma?.read(), self.beta?.read(), self.epsilon);
      const update = (v: LayerVariable, batch: tf.Tensor) =>
        tf.tidy(() => {
          const old = v.read();
          v.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - self.momentum)));
        });
      update(self.movingMean, mean);
      update(self.movingVariance, variance);
      return y;
    });
  }
}

/** Drop-in for `tf.layers.batchNormalization(args)` with the fused training path. */
export function batchNormalization(args: Parameters<typeof tf.layers.batchNormalization>[0]): tf.layers.Layer {
  return new FusedBatchNormalization((args ?? {}) as Record<string, unknown>);
}
