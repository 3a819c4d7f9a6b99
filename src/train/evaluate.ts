/**
 * Loss and accuracy of a classifier on a split, in inference mode, batch by batch.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageDataset, ImageSplit } from "../data/dataset";
import { batches } from "../data/batches";
import type { NormStats } from "../data/transforms";

/** Mean softmax cross-entropy and accuracy (fraction correct). */
export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** Evaluates `model` on `split` (logits out, labels in [0, K)). */
export function evaluate(model: tf.LayersModel, ds: Pick<ImageDataset, "shape" | "classes">, split: ImageSplit, norm: NormStats, batchSize = 256): Evaluation {
  let lossSum = 0, correct = 0, count = 0;
  for (const b of batches(ds, split, { batchSize, norm })) {
    const [l, c] = tf.tidy(() => {
      const logits = model.predict(b.x) as tf.Tensor2D;
      const y = tf.oneHot(b.y, ds.classes.length);
      const loss = tf.sum(tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE));
      const ok = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), b.y), "float32"));
      return [loss.dataSync()[0], ok.dataSync()[0]];
    });
    lossSum += l;
    correct += c;
    count += b.indices.length;
    tf.dispose([b.x, b.y]);
  }
  return { loss: lossSum / count, accuracy: correct / count, count };
}
