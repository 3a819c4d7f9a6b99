/**
 * What the per-image measures run on: labelled images given directly or a dataset split, fed in
 * batches; per-image cross-entropy; and float64 accumulators for means, spreads and scores.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageDataset } from "../data/dataset";
import { selectIndices, imageSize } from "../data/dataset";
import { batches } from "../data/batches";
import { channelStats, type NormStats } from "../data/transforms";
import { replay } from "../models/replay";

/**
 * The images a measure runs on: normalised images [N, H, W, C] with their labels, or a split of
 * a dataset (normalised with `norm`, by default the training split's channel statistics, as
 * `train` does), optionally its first `limit` images.
 */
export type ProbeData =
  | { x: tf.Tensor4D; labels: ArrayLike<number> }
  | { dataset: ImageDataset; split?: "train" | "test"; norm?: NormStats; limit?: number };

/** Options every measure takes. */
export interface ProbeOptions {
  /** Images per forward/backward pass (default 100). */
  batchSize?: number;
}

/** One batch: images, labels, and whether the caller owns (disposes) the tensor. */
export interface ProbeBatch {
  x: tf.Tensor4D;
  labels: Int32Array;
  owned: boolean;
}

export function* probeBatches(data: ProbeData, batchSize: number): Generator<ProbeBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  if ("x" in data) {
    const n = data.x.shape[0];
    if (data.labels.length !== n) throw new RangeError(`${data.labels.length} labels for ${n} images: give one label per image`);
    for (let i = 0; i < n; i += batchSize) {
      const m = Math.min(batchSize, n - i);
      yield { x: i === 0 && m === n ? data.x : (tf.slice(data.x, [i, 0, 0, 0], [m, -1, -1, -1]) as tf.Tensor4D), labels: Int32Array.from(Array.from(data.labels).slice(i, i + m)), owned: !(i === 0 && m === n) };
    }
    return;
  }
  const ds = data.dataset;
  let split = ds[data.split ?? "test"];
  if (data.limit !== undefined) {
    if (!(Number.isInteger(data.limit) && data.limit >= 1)) throw new RangeError(`limit must be a whole number ≥ 1, got ${data.limit}`);
    if (data.limit < split.count) split = selectIndices(split, Array.from({ length: data.limit }, (_, i) => i), imageSize(ds));
  }
  const norm = data.norm ?? channelStats(ds.train, ds.shape[2]);
  for (const b of batches(ds, split, { batchSize, norm })) {
    const labels = Int32Array.from(b.y.dataSync());
    b.y.dispose();
    yield { x: b.x, labels, owned: true };
  }
}

/** Per-image cross-entropy of the true label, [N]. */
export function lossPerImage(logits: tf.Tensor2D, labels: Int32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, "int32"), logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, tf.Reduction.NONE) as tf.Tensor1D;
  });
}

/** Mean and standard deviation over images (float64 sums). */
export interface Spread {
  mean: number;
  std: number;
  /** Images it is over. */
  count: number;
}

export class Moments {
  private n = 0;
  private s = 0;
  private s2 = 0;
  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.n++;
    this.s += v;
    this.s2 += v * v;
  }
  result(): Spread {
    const mean = this.n ? this.s / this.n : NaN;
    const variance = this.n > 1 ? Math.max(0, (this.s2 - this.n * mean * mean) / (this.n - 1)) : NaN;
    return { mean, std: Math.sqrt(variance), count: this.n };
  }
}

/** Accuracy, mean loss and mean prediction entropy (nats) of logits over a probe set. */
export interface Scores {
  accuracy: number;
  loss: number;
  entropy: number;
  count: number;
}

export class ScoreSum {
  private correct = 0;
  private loss = 0;
  private entropy = 0;
  private n = 0;
  add(logits: tf.Tensor2D, labels: Int32Array): void {
    const [pred, loss, ent] = tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1));
      return [tf.argMax(logits, 1).dataSync(), lossPerImage(logits, labels).dataSync(), entropy.dataSync()];
    });
    for (let i = 0; i < labels.length; i++) {
      if (pred[i] === labels[i]) this.correct++;
      this.loss += loss[i];
      this.entropy += ent[i];
    }
    this.n += labels.length;
  }
  result(): Scores {
    return { accuracy: this.correct / this.n, loss: this.loss / this.n, entropy: this.entropy / this.n, count: this.n };
  }
}


/**
 * ∂L/∂h at each hidden tensor in `at` ([N, ...shape] each), all from one backward pass: zero
 * offsets added there while the model replays in inference mode are differentiated. L is the
 * cross-entropy of `labels` summed over the images ("sum": each image's gradient is that of its
 * own loss) or their mean ("mean"). Not in a tidy: callers dispose the returned tensors.
 */
export function lossGradientsAt(model: tf.LayersModel, x: tf.Tensor, labels: ArrayLike<number>, at: tf.SymbolicTensor[], reduction: "sum" | "mean"): tf.Tensor[] {
  const n = x.shape[0];
  const output = (model.outputs as tf.SymbolicTensor[])[0];
  const ints = Int32Array.from(labels);
  const zeros = at.map((s) => tf.zeros([n, ...(s.shape.slice(1) as number[])]));
  try {
    return tf.grads((...offs: tf.Tensor[]) => {
      const logits = replay(model, x, [output], { offsets: new Map(at.map((s, i) => [s, offs[i]])) })[0] as tf.Tensor2D;
      const total = tf.sum(lossPerImage(logits, ints));
      return reduction === "mean" ? tf.div(total, n) : total;
    })(zeros);
  } finally {
    tf.dispose(zeros);
  }
}
