/**
 * The gradient-flow study of seeds 002 and 004: gradient norms by depth for plain and residual
 * nets (dense nets of seed 002's form, conv nets), along one network at initialisation and after
 * training, the ODE view of a weight-shared τ-ResNet, and seed 004's direct vs through-the-weights
 * decomposition for pre- and post-activation units. Notebook 07 and `%gradflow` call it.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { batches } from "../data/batches";
import { channelStats, firstN, type NormStats } from "../data/transforms";
import { imageSize, type ImageDataset } from "../data/dataset";
import { buildDenseResidual } from "../models/dense-residual";
import { buildBasicResNet } from "../models/basic-resnet";
import { buildPreActResNet } from "../models/preact-resnet";
import { train, type TrainOptions } from "../train/train";
import { runDir, sweepRun } from "../train/sweep";
import { loadWeightsInto, saveCheckpoint } from "../train/checkpoint";
import { currentBackend } from "../backend/select";
import type { Provenance } from "../display/provenance";
import { depthSweepRow, gradientDecomposition, gradientDepthSweep, gradientNorms, type DecompositionRow, type DepthSweepRow, type GradientNorms } from "../analysis/gradient-norms";
import { eulerConvergence, type ConvergenceOptions, type ConvergenceResult } from "../analysis/ode-view";
import { loadStudyDataset, resolveResultsDir, type StudyData, type TrainingRecipe } from "./recipe";
import { paramsAtScale, type StudyScale } from "./scale";

/** Parameters of the gradient-flow study. */
export interface GradientFlowParams extends TrainingRecipe, StudyData {
  /** Test images the gradients are taken on (one batch). */
  probeImages: number;
  /** Dense nets y ← y + σ(Wy + b) vs y ← σ(Wy + b): layers, width, σ. */
  denseDepths: number[];
  denseWidth: number;
  denseActivation: "relu" | "tanh" | "sigmoid" | "softplus";
  /** Conv nets (post-activation BasicBlock ResNets and their plain counterparts): blocks per stage, widths. */
  convDepths: number[];
  convWidths: number[];
  /** Blocks per stage of the conv pair trained for the "during training" figure. */
  trainedDepth: number;
  ode: ConvergenceOptions;
  seed: number;
  /**
   * Where the trained networks are kept (relative paths are under the package root): the trained
   * depth sweeps as sweep runs, the "during training" nets as one checkpoint per epoch, so a
   * second run of the notebook only measures.
   */
  resultsDir: string;
}

/** Quick mode: embedded MNIST at 14×14, dense width 32 up to 64 layers, conv widths 4/8/16 up to 16 blocks per stage, one epoch of training. */
export const QUICK_GRADIENT_FLOW: GradientFlowParams = {
  dataset: "mnist-embedded", downsample: 2, trainN: 1000, testN: 200, probeImages: 64,
  denseDepths: [4, 8, 16, 32, 64], denseWidth: 32, denseActivation: "relu",
  convDepths: [1, 2, 4, 8, 16], convWidths: [4, 8, 16], trainedDepth: 8,
  ode: { width: 8, T: 1, depths: [4, 8, 16, 32, 64, 128, 256], activation: "tanh" }, seed: 0,
  epochs: 1, batchSize: 25, lr: 3e-3, optimizer: "adam", weightDecay: 0, augment: false,
  resultsDir: "results/gradient-flow-quick",
};

/** Full mode: CIFAR-10, conv nets up to ResNet-110 depth (18 blocks per stage), ten epochs for the trained pair. */
export const FULL_GRADIENT_FLOW_CIFAR: GradientFlowParams = {
  dataset: "cifar10", downsample: 1, probeImages: 128,
  denseDepths: [4, 8, 16, 32, 64], denseWidth: 128, denseActivation: "relu",
  convDepths: [1, 3, 9, 18], convWidths: [16, 32, 64], trainedDepth: 18,
  ode: { width: 16, T: 1, depths: [4, 8, 16, 32, 64, 128, 256, 512], activation: "tanh" }, seed: 0,
  epochs: 10, batchSize: 128, lr: 0.1, optimizer: "momentum", weightDecay: 1e-4, augment: false,
  resultsDir: "results/gradient-flow-cifar10",
};

/**
 * CPU scale (RESLAB_SCALE=cpu): all 8,000 / 2,000 embedded digits at 28×28, dense width 64 up to
 * 64 layers, conv widths 8/16/32 up to 16 blocks per stage, every depth trained for two epochs
 * of Adam (a few minutes on 2 cores with the torch backend).
 */
export const CPU_GRADIENT_FLOW: GradientFlowParams = {
  dataset: "mnist-embedded", downsample: 1, probeImages: 128,
  denseDepths: [4, 8, 16, 32, 64], denseWidth: 64, denseActivation: "relu",
  convDepths: [1, 2, 4, 8, 16], convWidths: [8, 16, 32], trainedDepth: 8,
  ode: { width: 16, T: 1, depths: [4, 8, 16, 32, 64, 128, 256, 512], activation: "tanh" }, seed: 0,
  epochs: 2, batchSize: 64, lr: 1e-3, optimizer: "adam", weightDecay: 0, augment: false,
  resultsDir: "results/gradient-flow-cpu-mnist-embedded",
};

/** The study's parameters at the scale the environment asks for (src/studies/scale.ts). */
export function gradientFlowAtScale(env: NodeJS.ProcessEnv = process.env): { scale: StudyScale; params: GradientFlowParams } {
  return paramsAtScale({ quick: QUICK_GRADIENT_FLOW, cpu: CPU_GRADIENT_FLOW, full: () => FULL_GRADIENT_FLOW_CIFAR }, "gradient-flow-", env);
}

/** The data and the probe batch. Dispose with `dispose()`. */
export interface GradientFlowContext {
  params: GradientFlowParams;
  dataset: ImageDataset;
  norm: NormStats;
  /** The probe images, normalised [N, H, W, C], the same flattened [N, H·W·C], and their labels. */
  images: tf.Tensor4D;
  flat: tf.Tensor2D;
  labels: number[];
  provenance(model: string, note?: string): Provenance;
  dispose(): void;
}

export async function prepareGradientFlow(p: GradientFlowParams): Promise<GradientFlowContext> {
  const ds = await loadStudyDataset(p);
  const norm = channelStats(ds.train, ds.shape[2]);
  const split = firstN(ds.test, Math.min(p.probeImages, ds.test.count), imageSize(ds));
  const b = batches(ds, split, { batchSize: split.count, norm }).next().value!;
  const labels = Array.from(b.y.dataSync() as Int32Array | Float32Array, Number);
  b.y.dispose();
  const flat = tf.reshape(b.x, [b.x.shape[0], -1]) as tf.Tensor2D;
  return {
    params: p,
    dataset: ds,
    norm,
    images: b.x,
    flat,
    labels,
    provenance: (model, note) => ({
      dataset: `${ds.name} (${ds.shape.join("×")}; gradients on ${labels.length} test images)`,
      model,
      seed: p.seed,
      backend: currentBackend()?.active ?? tf.getBackend(),
      note,
    }),
    dispose: () => tf.dispose([b.x, flat]),
  };
}

/** Dense nets of seed 002's form, residual and plain, at initialisation, by depth. */
export function denseDepthStudy(ctx: GradientFlowContext): DepthSweepRow[] {
  const p = ctx.params;
  return gradientDepthSweep({
    depths: p.denseDepths,
    build: (L, residual) => buildDenseResidual({ inputDim: ctx.flat.shape[1], widths: [p.denseWidth], blocksPerSection: L, activation: p.denseActivation, numClasses: ctx.dataset.classes.length, seed: p.seed, skipScale: residual ? 1 : 0 }),
    data: { x: ctx.flat, labels: ctx.labels },
  });
}

/** BasicBlock ResNets and their plain counterparts (skip scale 0), at initialisation, by blocks per stage. */
export function convDepthStudy(ctx: GradientFlowContext): DepthSweepRow[] {
  const p = ctx.params;
  return gradientDepthSweep({
    depths: p.convDepths,
    build: (n, residual) => buildBasicResNet({ inputShape: ctx.dataset.shape, blocksPerStage: n, widths: p.convWidths, numClasses: ctx.dataset.classes.length, seed: p.seed, skipScale: residual ? 1 : 0 }),
    data: { x: ctx.images, labels: ctx.labels },
  });
}

/** The training options of the study's recipe for one network (`model` describes it). */
function recipeOptions(ctx: GradientFlowContext, model: string, live: boolean): Omit<TrainOptions, "seed" | "checkpointDir"> {
  const p = ctx.params;
  return { epochs: p.epochs, batchSize: p.batchSize, lr: p.lr, optimizer: p.optimizer, weightDecay: p.weightDecay, live, norm: ctx.norm, model };
}

/**
 * A depth sweep after `epochs` of training at every depth: each network (residual and plain, from
 * the same seed) is trained on the study's images, or read from `resultsDir/<family>-<kind>/` when
 * a finished run is stored (sweep runs: a run trained otherwise is an error), then measured on the
 * probe batch.
 */
async function trainedDepthSweep(ctx: GradientFlowContext, family: string, depths: number[], build: (depth: number, residual: boolean) => tf.LayersModel, label: (depth: number, residual: boolean) => string, live: boolean): Promise<DepthSweepRow[]> {
  const p = ctx.params;
  const rows: DepthSweepRow[] = [];
  for (const residual of [true, false]) {
    const dir = path.join(resolveResultsDir(p.resultsDir), `${family}-${residual ? "residual" : "plain"}`);
    for (const depth of depths) {
      await sweepRun({ dataset: ctx.dataset, build: () => build(depth, residual), train: recipeOptions(ctx, label(depth, residual), live), resultsDir: dir, measureImages: p.probeImages }, depth, p.seed);
      const model = await loadWeightsInto(build(depth, residual), path.join(runDir(dir, depth, p.seed), "checkpoint"));
      try {
        rows.push(depthSweepRow(depth, residual, gradientNorms(model, { x: ctx.images, labels: ctx.labels })));
      } finally {
        model.dispose();
      }
    }
  }
  return rows;
}

/** The conv depth sweep after `epochs` of training at every depth (each net trained from the same seed). */
export function trainedConvDepthStudy(ctx: GradientFlowContext, opts: { live?: boolean } = {}): Promise<DepthSweepRow[]> {
  const p = ctx.params;
  return trainedDepthSweep(ctx, "conv", p.convDepths,
    (n, residual) => buildBasicResNet({ inputShape: ctx.dataset.shape, blocksPerStage: n, widths: p.convWidths, numClasses: ctx.dataset.classes.length, seed: p.seed, skipScale: residual ? 1 : 0 }),
    (n, residual) => `${residual ? "residual" : "plain"} ResNet-${6 * n + 2}`, opts.live ?? false);
}

/**
 * The dense depth sweep after `epochs` of training at every depth: the same nets as
 * {@link denseDepthStudy} (and the same initial weights), taking the images flattened.
 */
export function trainedDenseDepthStudy(ctx: GradientFlowContext, opts: { live?: boolean } = {}): Promise<DepthSweepRow[]> {
  const p = ctx.params;
  return trainedDepthSweep(ctx, "dense", p.denseDepths,
    (L, residual) => buildDenseResidual({ inputShape: ctx.dataset.shape, widths: [p.denseWidth], blocksPerSection: L, activation: p.denseActivation, numClasses: ctx.dataset.classes.length, seed: p.seed, skipScale: residual ? 1 : 0 }),
    (L, residual) => `${residual ? "residual" : "plain"} dense net, ${L} layers`, opts.live ?? false);
}

/**
 * Gradient norms along a plain and a residual conv net, at initialisation and after each epoch.
 * Each epoch's weights are kept in `resultsDir/during-<kind>/epoch<e>/` (a checkpoint, then
 * `epoch.json` with the settings it was trained with), so a second run reads them instead of
 * training; stored epochs trained otherwise are an error.
 */
export async function trainingGradientStudy(ctx: GradientFlowContext, opts: { live?: boolean } = {}): Promise<Array<{ label: string; residual: boolean; epoch: number; norms: GradientNorms }>> {
  const p = ctx.params;
  const out: Array<{ label: string; residual: boolean; epoch: number; norms: GradientNorms }> = [];
  for (const residual of [true, false]) {
    const model = buildBasicResNet({ inputShape: ctx.dataset.shape, blocksPerStage: p.trainedDepth, widths: p.convWidths, numClasses: ctx.dataset.classes.length, seed: p.seed, skipScale: residual ? 1 : 0 });
    const kind = residual ? "residual" : "plain";
    const root = path.join(resolveResultsDir(p.resultsDir), `during-${kind}`);
    try {
      out.push({ label: `${kind}, initialisation`, residual, epoch: 0, norms: gradientNorms(model, { x: ctx.images, labels: ctx.labels }) });
      for (let e = 1; e <= p.epochs; e++) {
        const dir = path.join(root, `epoch${e}`);
        const { norm: _norm, live: _live, ...recipe } = recipeOptions(ctx, `${kind} ResNet-${6 * p.trainedDepth + 2}, widths ${p.convWidths.join("/")}`, false);
        const settings = { ...recipe, epochs: 1, seed: p.seed + e, dataset: ctx.dataset.name, trainImages: ctx.dataset.train.count, epoch: e };
        const stored = readEpoch(path.join(dir, "epoch.json"));
        if (stored !== undefined) {
          if (stored !== JSON.stringify(settings)) throw new Error(`${dir} holds an epoch trained otherwise (stored ${stored}, asked ${JSON.stringify(settings)}). Delete ${root} to train it again, or give this study another results folder.`);
          await loadWeightsInto(model, dir);
        } else {
          // each epoch is a fresh train() call (a new optimizer), so training on from a stored epoch is the same run
          await train(model, ctx.dataset, { ...recipeOptions(ctx, `${kind} ResNet-${6 * p.trainedDepth + 2}`, opts.live ?? false), epochs: 1, seed: p.seed + e });
          await saveCheckpoint(model, dir);
          const tmp = path.join(dir, `epoch.json.tmp-${process.pid}`);
          fs.writeFileSync(tmp, JSON.stringify(settings));
          fs.renameSync(tmp, path.join(dir, "epoch.json"));
        }
        out.push({ label: `${kind}, after ${e} epoch${e > 1 ? "s" : ""}`, residual, epoch: e, norms: gradientNorms(model, { x: ctx.images, labels: ctx.labels }) });
      }
    } finally {
      model.dispose();
    }
  }
  return out;
}

/** A stored epoch's settings (its JSON text), or undefined when that epoch is not finished. */
function readEpoch(file: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/** The ODE view: the weight-shared τ-ResNet against RK4. */
export function odeStudy(ctx: GradientFlowContext): ConvergenceResult {
  return eulerConvergence({ seed: ctx.params.seed, ...ctx.params.ode });
}

/** Seed 004's decomposition at initialisation, pre-activation (identity after the addition) vs post-activation units. */
export function decompositionStudy(ctx: GradientFlowContext): { pre: DecompositionRow[]; post: DecompositionRow[] } {
  const p = ctx.params, classes = ctx.dataset.classes.length;
  const pre = buildPreActResNet({ inputShape: ctx.dataset.shape, blocksPerSection: p.trainedDepth, widths: p.convWidths, numClasses: classes, seed: p.seed });
  const post = buildBasicResNet({ inputShape: ctx.dataset.shape, blocksPerStage: p.trainedDepth, widths: p.convWidths, numClasses: classes, seed: p.seed });
  try {
    return { pre: gradientDecomposition(pre, { x: ctx.images, labels: ctx.labels }), post: gradientDecomposition(post, { x: ctx.images, labels: ctx.labels }) };
  } finally {
    pre.dispose();
    post.dispose();
  }
}
