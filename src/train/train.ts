/**
 * Training a classifier on an ImageDataset: SGD / momentum / Adam, learning-rate schedules,
 * weight decay, augmentation, seeded order; a live display; divergence and interrupts stop
 * cleanly and leave the model usable; optional checkpoints.
 */
import * as tf from "@tensorflow/tfjs";
import { batches } from "../data/batches";
import type { ImageDataset } from "../data/dataset";
import { channelStats, type Augmentation, type NormStats } from "../data/transforms";
import { DisplayHandle, display } from "../display/display";
import { integerAxis, secondaryAxis, TOP_LEGEND } from "../display/axes";
import { figure } from "../display/plotly";
import { ProgressBar } from "../display/progress";
import type { Provenance } from "../display/provenance";
import { InterruptedError, interruptToken, throwIfInterrupted } from "../runtime/interrupt";
import { saveCheckpoint } from "./checkpoint";
import { evaluate, type Evaluation } from "./evaluate";

/** A learning-rate schedule over epochs. */
export type Schedule =
  | { kind: "constant" }
  | { kind: "step"; milestones: number[]; gamma: number }
  | { kind: "cosine"; minLr?: number };

/** Options of {@link train}. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Learning rate at the start. */
  lr: number;
  optimizer?: "sgd" | "momentum" | "adam";
  /** Momentum of "momentum" (default 0.9). */
  momentum?: number;
  /** L2 weight decay on conv and dense kernels (adds wd/2·Σw² to the loss). */
  weightDecay?: number;
  schedule?: Schedule;
  augment?: Augmentation;
  /** Seed of the batch order and augmentation (default 0). */
  seed?: number;
  /** Normalisation; computed on the training split when omitted. */
  norm?: NormStats;
  /** Show a progress bar and loss/accuracy curves updating in place (default true). */
  live?: boolean;
  /** Save a checkpoint here after every epoch. */
  checkpointDir?: string;
  /** Provenance for the live figure (dataset and seed are filled in). */
  model?: string;
  /** The loss counts as diverged above this multiple of the first batch's loss (default 1000), or when not finite. */
  divergeFactor?: number;
  /** Called after each epoch with its record (e.g. a queue worker reporting progress). */
  onEpoch?: (record: EpochRecord, epochs: number) => void | Promise<void>;
}

/** One epoch of history. */
export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  history: EpochRecord[];
  norm: NormStats;
  /** Why training ended early, if it did. */
  stopped?: { reason: "diverged" | "interrupted"; message: string; epoch: number; batch: number };
  final?: Evaluation;
}

/** The learning rate of an epoch under a schedule. */
export function scheduledLr(base: number, epoch: number, epochs: number, schedule: Schedule = { kind: "constant" }): number {
  switch (schedule.kind) {
    case "constant":
      return base;
    case "step":
      return base * schedule.gamma ** schedule.milestones.filter((m) => epoch >= m).length;
    case "cosine": {
      const min = schedule.minLr ?? 0;
      return min + (base - min) * 0.5 * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)));
    }
  }
}

function makeOptimizer(opts: TrainOptions): tf.Optimizer {
  switch (opts.optimizer ?? "momentum") {
    case "sgd":
      return tf.train.sgd(opts.lr);
    case "adam":
      return tf.train.adam(opts.lr);
    case "momentum":
      return tf.train.momentum(opts.lr, opts.momentum ?? 0.9);
    default:
      throw new Error(`unknown optimizer "${opts.optimizer}": use sgd, momentum or adam`);
  }
}

function setLr(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (v: number) => void; learningRate: number };
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * Disposes an optimizer and everything it holds. tfjs' MomentumOptimizer.dispose() does not call
 * SGD's, so the learning-rate scalar `c` would outlive it: one tensor per momentum run.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
}

function checkOptions(opts: TrainOptions): void {
  const bad = (what: string, v: unknown) => new RangeError(`train: ${what}, got ${v}`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw bad("epochs must be a whole number ≥ 1", opts.epochs);
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw bad("batchSize must be a whole number ≥ 1", opts.batchSize);
  if (!(opts.lr > 0)) throw bad("lr must be a positive number", opts.lr);
  if (opts.weightDecay !== undefined && !(opts.weightDecay >= 0)) throw bad("weightDecay must be ≥ 0", opts.weightDecay);
}

/**
 * Trains `model` (logits out) on `ds.train`, evaluating on `ds.test` after each epoch.
 * Divergence (a non-finite loss) restores the weights of the last finished epoch and stops;
 * a kernel interrupt stops after the current batch. Both return the history so far.
 */
export async function train(model: tf.LayersModel, ds: ImageDataset, opts: TrainOptions): Promise<TrainResult> {
  checkOptions(opts);
  const token = interruptToken();
  const norm = opts.norm ?? channelStats(ds.train, ds.shape[2]);
  const optimizer = makeOptimizer(opts);
  const kernels = model.trainableWeights.filter((w) => /kernel/.test(w.name)).map((w) => w.read());
  const live = opts.live ?? true;
  const history: EpochRecord[] = [];
  const result: TrainResult = { history, norm };
  const provenance: Provenance = {
    dataset: `${ds.name} (${ds.train.count} train / ${ds.test.count} test)`,
    model: opts.model ?? model.name,
    seed: opts.seed ?? 0,
    epochs: opts.epochs,
  };
  let curves: DisplayHandle | undefined;
  const batchesPerEpoch = Math.ceil(ds.train.count / opts.batchSize);
  let snapshot = model.getWeights().map((w) => w.clone());
  let firstLoss: number | undefined;
  const divergeFactor = opts.divergeFactor ?? 1000;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const lr = scheduledLr(opts.lr, epoch, opts.epochs, opts.schedule);
      setLr(optimizer, lr);
      const bar = live ? new ProgressBar(batchesPerEpoch, { label: `epoch ${epoch + 1}/${opts.epochs}`, unit: "batch" }) : undefined;
      const t0 = performance.now();
      let lossSum = 0, correct = 0, seen = 0, batchNo = 0;
      for (const b of batches(ds, ds.train, { batchSize: opts.batchSize, norm, seed: opts.seed ?? 0, epoch, augment: opts.augment })) {
        try {
          throwIfInterrupted(token);
          const y = tf.oneHot(b.y, ds.classes.length);
          let acc = 0;
          const loss = optimizer.minimize(() => {
            const logits = model.apply(b.x, { training: true }) as tf.Tensor2D;
            const ok = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), b.y), "float32"));
            acc = ok.dataSync()[0];
            let l = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
            if (opts.weightDecay) l = tf.add(l, tf.mul(opts.weightDecay / 2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
            return l;
          }, true)!;
          const lv = loss.dataSync()[0];
          tf.dispose([loss, y]);
          firstLoss ??= lv;
          if (!Number.isFinite(lv) || lv > divergeFactor * Math.max(firstLoss, 1)) {
            model.setWeights(snapshot);
            result.stopped = {
              reason: "diverged",
              message: `Training diverged: the loss became ${lv.toPrecision(3)} at epoch ${epoch + 1}, batch ${batchNo + 1} (learning rate ${lr}; first loss ${firstLoss.toPrecision(3)}). ` +
                `The weights of the last finished epoch were restored. Try a smaller learning rate.`,
              epoch,
              batch: batchNo,
            };
            break;
          }
          lossSum += lv * b.indices.length;
          correct += acc;
          seen += b.indices.length;
          batchNo++;
          bar?.tick(1, { loss: (lossSum / seen).toFixed(4), acc: (correct / seen).toFixed(3) });
        } finally {
          tf.dispose([b.x, b.y]);
        }
        // let the event loop run (kernel interrupts arrive as SIGINT handlers)
        await new Promise((r) => setImmediate(r));
      }
      bar?.close();
      if (result.stopped) break;
      const test = evaluate(model, ds, ds.test, norm);
      history.push({
        epoch: epoch + 1,
        lr,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds: (performance.now() - t0) / 1000,
      });
      tf.dispose(snapshot);
      snapshot = model.getWeights().map((w) => w.clone());
      if (opts.checkpointDir) await saveCheckpoint(model, opts.checkpointDir);
      await opts.onEpoch?.(history[history.length - 1], opts.epochs);
      if (live) {
        // one figure, replaced in place after every epoch
        const fig = trainingCurves(history, provenance);
        if (!curves) curves = display(fig, { updatable: true });
        else curves.update(fig);
      }
    }
  } catch (e) {
    if (!(e instanceof InterruptedError)) throw e;
    result.stopped = { reason: "interrupted", message: e.message, epoch: history.length, batch: 0 };
  } finally {
    tf.dispose(snapshot);
    disposeOptimizer(optimizer);
  }
  if (result.stopped && live) process.stdout.write(result.stopped.message + "\n");
  if (history.length) {
    const last = history[history.length - 1];
    result.final = { loss: last.testLoss, accuracy: last.testAccuracy, count: ds.test.count };
  }
  return result;
}

/** Loss and accuracy per epoch, train and test. */
export function trainingCurves(history: EpochRecord[], provenance: Provenance) {
  const ep = history.map((h) => h.epoch);
  return figure(
    [
      { x: ep, y: history.map((h) => h.trainLoss), name: "train loss", type: "scatter", mode: "lines+markers" },
      { x: ep, y: history.map((h) => h.testLoss), name: "test loss", type: "scatter", mode: "lines+markers" },
      { x: ep, y: history.map((h) => 1 - h.testAccuracy), name: "test error", type: "scatter", mode: "lines+markers", yaxis: "y2" },
    ],
    {
      layout: {
        title: { text: "Training curves" },
        xaxis: integerAxis("epoch", ep),
        yaxis: { title: { text: "loss" } },
        yaxis2: secondaryAxis("test error", { rangemode: "tozero" }),
        legend: TOP_LEGEND,
        margin: { t: 100 },
      },
      provenance,
    },
  );
}
