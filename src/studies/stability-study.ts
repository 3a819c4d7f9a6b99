/**
 * The stability study of seed 001 end to end, on a post-activation BasicBlock ResNet: train (or
 * resume), then the Jacobian spectra of residual units and stages (Figs. 1–2), random vs FGSM
 * perturbation propagation (Fig. 3), projections onto singular vectors (Fig. 4), and the effect
 * of skip scaling and weight noise on a unit's spectrum (Fig. 5). Notebooks 04–05 and the
 * `%jacobian` / `%spectrum` / `%perturb` magics call this module.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { buildBasicResNet, blocksForDepth, type BasicResNetConfig } from "../models/basic-resnet";
import { hookPoints } from "../models/hooks";
import { channelStats, type NormStats } from "../data/transforms";
import { loadStudyDataset, recipeTrainOptions, resolveResultsDir, HE_CIFAR_SCHEDULE, QUICK_RECIPE, type StudyData, type TrainingRecipe } from "./recipe";
import type { ImageDataset } from "../data/dataset";
import { batches } from "../data/batches";
import { readRun, runDir, sweep, type RunRecord } from "../train/sweep";
import { loadWeightsInto } from "../train/checkpoint";
import { currentBackend } from "../backend/select";
import type { Provenance } from "../display/provenance";
import { unitJacobian } from "../analysis/linearize";
import { unitSpectrum, type SpectrumOptions, type UnitSpectrum } from "../analysis/unit-spectrum";
import type { ScreeRow } from "../analysis/stability-figures";
import { comparePerturbations, perturbationAlignment, type Alignment, type PerturbationComparison } from "../analysis/propagation";
import { withInterpolatedWeights, withSkipScale } from "../models/unit-surgery";
import { paramsAtScale, type StudyScale } from "./scale";

/** Parameters of the stability study. */
export interface StabilityParams extends TrainingRecipe, StudyData {
  /** 6n + 2: 20, 56, 110. */
  depth: number;
  widths: number[];
  seed: number;
  /** Test images whose spectra are overlaid (Fig. 1). */
  images: number;
  /** Test images whose perturbations are propagated (Fig. 3). */
  perturbImages: number;
  /** FGSM ε ladder, pixel units (0–1 scale): each image takes the smallest that flips it. */
  fgsmEps: number[];
  /** How spectra are computed (dense up to `denseLimit` inputs, else top-k + SLQ). */
  spectrum: SpectrumOptions;
  /** Singular pairs for the projections of Fig. 4. */
  alignK: number;
  /** Skip scales α (Fig. 5, left) and interpolation t (Fig. 5, right). */
  skipScales: number[];
  interpolation: number[];
  /** Where the trained model is kept (relative paths are under the package root). */
  resultsDir: string;
}

/**
 * Quick mode: ResNet-20, widths 4/8/16, on embedded MNIST shrunk to 14×14 (units of 784, 392 and
 * 256 dimensions, so most spectra are dense SVDs): trains in about a minute on a 2-core CPU.
 */
export const QUICK_STABILITY: StabilityParams = {
  dataset: "mnist-embedded", downsample: 2, trainN: 2000, testN: 500, depth: 20, widths: [4, 8, 16], seed: 0,
  ...QUICK_RECIPE,
  images: 3, perturbImages: 6, fgsmEps: [0.02, 0.05, 0.1, 0.2, 0.3],
  spectrum: { denseLimit: 400, k: 20, probes: 8, steps: 40 }, alignK: 20,
  skipScales: [0.5, 1, 1.5, 2], interpolation: [0, 0.25, 0.5, 0.75, 1],
  resultsDir: "results/stability-quick",
};

/** Full mode: ResNet-56 on CIFAR-10 as in the seed (units of 16,384 dimensions: top-k + SLQ). */
export const FULL_STABILITY_CIFAR: StabilityParams = {
  dataset: "cifar10", downsample: 1, depth: 56, widths: [16, 32, 64], seed: 0,
  epochs: 160, batchSize: 128, lr: 0.1, optimizer: "momentum", weightDecay: 1e-4, augment: true, schedule: HE_CIFAR_SCHEDULE,
  images: 5, perturbImages: 10, fgsmEps: [1 / 255, 2 / 255, 4 / 255, 8 / 255, 16 / 255],
  spectrum: { denseLimit: 0, k: 40, probes: 16, steps: 80 }, alignK: 40,
  skipScales: [0.5, 1, 1.5, 2], interpolation: [0, 0.25, 0.5, 0.75, 1],
  resultsDir: "results/stability-cifar10-resnet56",
};

/** Full mode with ResNet-110. */
export const FULL_STABILITY_CIFAR_110: StabilityParams = { ...FULL_STABILITY_CIFAR, depth: 110, resultsDir: "results/stability-cifar10-resnet110" };

/**
 * CPU scale (RESLAB_SCALE=cpu): the seed's dataset and network family at the smallest depth —
 * ResNet-20 (widths 16/32/64) on all of CIFAR-10 shrunk to 16×16, twelve epochs of Adam with a
 * cosine schedule and light augmentation (pad 2, random crop, flip: seed 000's pad of 4 scaled to
 * the smaller images); about 10 minutes on 2 cores with the torch backend, 28 % test error here
 * (without augmentation and schedule it was 34 %, the test accuracy flat after seven epochs). At
 * 16×16 the units have 4,096, 2,048 and 1,024 dimensions, small enough for dense spectra
 * (libtorch, seconds each): the seed's ±1 % band around σ = 1 needs them, SLQ does not resolve it
 * (see claims/seed001.ts), and at 32×32 a dense spectrum of a first-stage unit (16,384
 * dimensions) takes minutes. CIFAR-10 is found in RESLAB_DATA_DIR or data/cifar10, else
 * downloaded once (163 MB).
 */
export const CPU_STABILITY: StabilityParams = {
  ...FULL_STABILITY_CIFAR, downsample: 2, depth: 20,
  epochs: 12, batchSize: 128, lr: 1e-3, optimizer: "adam", weightDecay: 1e-4,
  augment: { pad: 2, flip: true }, schedule: { kind: "cosine" },
  spectrum: { denseLimit: 4096, k: 40, probes: 16, steps: 80 },
  resultsDir: "results/stability-cpu-cifar10-16x16-aug",
};

/**
 * The study's parameters at the scale the environment asks for (src/studies/scale.ts); full mode
 * is ResNet-56 on CIFAR-10, or ResNet-110 with RESLAB_DEPTH=110.
 */
export function stabilityAtScale(env: NodeJS.ProcessEnv = process.env): { scale: StudyScale; params: StabilityParams } {
  const deep = env.RESLAB_DEPTH === "110";
  return paramsAtScale({ quick: QUICK_STABILITY, cpu: CPU_STABILITY, full: () => (deep ? FULL_STABILITY_CIFAR_110 : FULL_STABILITY_CIFAR) }, deep ? "stability-resnet110-" : "stability-", env);
}

/** A trained model with everything the measurements need. Dispose with `dispose()`. */
export interface StabilityContext {
  params: StabilityParams;
  model: tf.LayersModel;
  config: BasicResNetConfig;
  dataset: ImageDataset;
  norm: NormStats;
  run: RunRecord;
  /** Correctly classified test images, normalised [N, H, W, C], and their labels. */
  images: tf.Tensor4D;
  labels: number[];
  /** Indices of those images in the test split. */
  indices: number[];
  /** The residual units of the model, by stage: ["s0.b0", "s0.b1", …]. */
  stages: string[][];
  provenance(note?: string): Provenance;
  dispose(): void;
}

/** The study's dataset (downsampled and cut as asked). */
export async function stabilityDataset(p: StabilityParams): Promise<ImageDataset> {
  return loadStudyDataset(p);
}

/** Model description used in provenance. */
export function stabilityModel(p: StabilityParams): string {
  return `ResNet-${p.depth} (post-activation BasicBlock), widths ${p.widths.join("/")}`;
}

/**
 * Trains the study's network, or loads it when a finished run is stored (an interrupted run is
 * redone), and picks correctly classified test images for the measurements.
 */
export async function prepareStability(p: StabilityParams, opts: { live?: boolean } = {}): Promise<StabilityContext> {
  const ds = await stabilityDataset(p);
  const n = blocksForDepth(p.depth);
  const config: BasicResNetConfig = { inputShape: ds.shape, blocksPerStage: n, widths: p.widths, numClasses: ds.classes.length, seed: p.seed };
  const dir = resolveResultsDir(p.resultsDir);
  await sweep({
    blocks: [n],
    seeds: [p.seed],
    dataset: ds,
    build: () => buildBasicResNet(config),
    train: recipeTrainOptions(p, stabilityModel(p), opts.live ?? false),
    resultsDir: dir,
    measureImages: 200,
  });
  const run = readRun(dir, n, p.seed)!;
  // Rebuilt from the config (so unit surgery can rebuild it too), weights from the checkpoint.
  const model = await loadWeightsInto(buildBasicResNet(config), path.join(runDir(dir, n, p.seed), "checkpoint"));
  const norm = channelStats(ds.train, ds.shape[2]);
  const picked = pickTestImages(model, ds, norm, Math.max(p.images, p.perturbImages));
  const stages = unitsByStage(model);
  return {
    params: p,
    model,
    config,
    dataset: ds,
    norm,
    run,
    images: picked.images,
    labels: picked.labels,
    indices: picked.indices,
    stages,
    provenance: (note?: string) => ({
      dataset: `${ds.name} (${ds.shape.join("×")}, ${ds.train.count.toLocaleString("en-US")} train / ${ds.test.count.toLocaleString("en-US")} test)`,
      model: stabilityModel(p),
      seed: p.seed,
      epochs: p.epochs,
      backend: currentBackend()?.active ?? tf.getBackend(),
      note: [`test error ${(100 * run.testError).toFixed(1)}%`, note].filter(Boolean).join(" · "),
    }),
    dispose: () => {
      model.dispose();
      picked.images.dispose();
    },
  };
}

/**
 * The first `count` test images that `model` classifies correctly (normalised, [N, H, W, C]),
 * with their labels and indices in the test split. Throws when there is none.
 */
export function pickTestImages(model: tf.LayersModel, ds: ImageDataset, norm: NormStats, count: number): { images: tf.Tensor4D; labels: number[]; indices: number[] } {
  const indices: number[] = [], labels: number[] = [], parts: tf.Tensor4D[] = [];
  for (const b of batches(ds, ds.test, { batchSize: 100, norm })) {
    const pred = tf.tidy(() => Array.from(tf.argMax(model.predict(b.x) as tf.Tensor, 1).dataSync()));
    const y = Array.from(b.y.dataSync());
    const keep = pred.flatMap((q, i) => (q === y[i] ? [i] : [])).slice(0, count - indices.length);
    if (keep.length) parts.push(tf.gather(b.x, keep) as tf.Tensor4D);
    keep.forEach((i) => (indices.push(b.indices[i]), labels.push(y[i])));
    tf.dispose([b.x, b.y]);
    if (indices.length >= count) break;
  }
  if (!indices.length) throw new Error("the model classifies no test image correctly: train it (longer) before measuring stability");
  const images = tf.concat(parts) as tf.Tensor4D;
  tf.dispose(parts);
  return { images, labels, indices };
}

/** Image b of the context as [1, H, W, C] (caller disposes). */
export function contextImage(ctx: StabilityContext, b: number): tf.Tensor4D {
  if (!(b >= 0 && b < ctx.images.shape[0])) throw new RangeError(`image ${b} is not among the ${ctx.images.shape[0]} prepared test images (0–${ctx.images.shape[0] - 1})`);
  return tf.slice(ctx.images, [b, 0, 0, 0], [1, -1, -1, -1]);
}

/** The spectrum of `unit` ("s1.b4" or a stage "s2") of `model` at one image. */
export function spectrumAt(model: tf.LayersModel, unit: string, image: tf.Tensor, opts: SpectrumOptions): UnitSpectrum {
  const J = unitJacobian(model, unit, image);
  try {
    return unitSpectrum(J, opts);
  } finally {
    J.dispose();
  }
}

/**
 * Fig. 1: spectra of the fifth unit of each stage (the last unit when a stage is shorter), of
 * each stage's first unit (the down-sampling one in stages 2 and 3), and of each whole stage, at
 * the first `images` prepared images.
 */
export function screeStudy(ctx: StabilityContext, images = ctx.params.images): ScreeRow[] {
  const rows: ScreeRow[] = [];
  const count = Math.min(images, ctx.images.shape[0]);
  const at = (unit: string) =>
    Array.from({ length: count }, (_, b) => {
      const x = contextImage(ctx, b);
      try {
        return spectrumAt(ctx.model, unit, x, ctx.params.spectrum);
      } finally {
        x.dispose();
      }
    });
  ctx.stages.forEach((units, s) => {
    const fifth = units[Math.min(4, units.length - 1)];
    rows.push({ kind: "unit", stage: s, unit: fifth, spectra: at(fifth) });
    rows.push({ kind: "first unit", stage: s, unit: units[0], spectra: at(units[0]) });
    rows.push({ kind: "stage", stage: s, unit: `s${s}`, spectra: at(`s${s}`) });
  });
  return rows;
}

/** Fig. 2: the seed's proportions for every residual unit at one image. */
export function unitProportionsStudy(ctx: StabilityContext, image = 0): Array<{ unit: string; stage: number; spectrum: UnitSpectrum }> {
  const x = contextImage(ctx, image);
  try {
    return ctx.stages.flatMap((units, s) => units.map((unit) => ({ unit, stage: s, spectrum: spectrumAt(ctx.model, unit, x, ctx.params.spectrum) })));
  } finally {
    x.dispose();
  }
}

/** Fig. 3: propagated random and FGSM perturbations for the first `perturbImages` images. Dispose `deltas`. */
export function propagationStudy(ctx: StabilityContext, opts: { images?: number; eps?: number[]; seed?: number } = {}): PerturbationComparison {
  const count = Math.min(opts.images ?? ctx.params.perturbImages, ctx.images.shape[0]);
  const x = tf.slice(ctx.images, [0, 0, 0, 0], [count, -1, -1, -1]) as tf.Tensor4D;
  try {
    return comparePerturbations(ctx.model, x, ctx.labels.slice(0, count), opts.eps ?? ctx.params.fgsmEps, ctx.norm, opts.seed ?? ctx.params.seed);
  } finally {
    x.dispose();
  }
}

/**
 * Fig. 4: for one image, the adversarial and the random perturbation's projections onto the top
 * singular vectors of each unit of the last stage, with actual and linearised changes.
 */
export function alignmentStudy(ctx: StabilityContext, deltas: { adversarial: tf.Tensor; random: tf.Tensor }, opts: { image?: number; units?: string[]; k?: number } = {}): { adversarial: Alignment[]; random: Alignment[] } {
  const b = opts.image ?? 0;
  const units = opts.units ?? ctx.stages[ctx.stages.length - 1].slice(1); // regular units of the last stage
  const x = contextImage(ctx, b);
  const one = (d: tf.Tensor) => tf.slice(d, [b, 0, 0, 0], [1, -1, -1, -1]);
  const dA = one(deltas.adversarial), dR = one(deltas.random);
  try {
    const k = opts.k ?? ctx.params.alignK;
    return {
      adversarial: units.map((u) => perturbationAlignment(ctx.model, u, x, dA, k)),
      random: units.map((u) => perturbationAlignment(ctx.model, u, x, dR, k)),
    };
  } finally {
    tf.dispose([x, dA, dR]);
  }
}

/** The unit's spectrum at one image in each variant of the model `make` builds (then disposes). */
function variantSpectra<T>(ctx: StabilityContext, unit: string, image: number, variants: T[], make: (v: T) => tf.LayersModel): UnitSpectrum[] {
  const x = contextImage(ctx, image);
  try {
    return variants.map((v) => {
      const m = make(v);
      try {
        return spectrumAt(m, unit, x, ctx.params.spectrum);
      } finally {
        m.dispose();
      }
    });
  } finally {
    x.dispose();
  }
}

/** Fig. 5, left: the unit's spectrum with the skip connection scaled by each α. */
export function skipScaleStudy(ctx: StabilityContext, unit: string, alphas = ctx.params.skipScales, image = 0): Array<{ alpha: number; spectrum: UnitSpectrum }> {
  const spectra = variantSpectra(ctx, unit, image, alphas, (alpha) => withSkipScale(ctx.model, alpha));
  return alphas.map((alpha, i) => ({ alpha, spectrum: spectra[i] }));
}

/** Fig. 5, right: the unit's spectrum with its conv weights θ̂(t) = tθ + (1−t)η (seed eq. 3). */
export function interpolationStudy(ctx: StabilityContext, unit: string, ts = ctx.params.interpolation, image = 0): Array<{ t: number; spectrum: UnitSpectrum }> {
  const spectra = variantSpectra(ctx, unit, image, ts, (t) => withInterpolatedWeights(ctx.model, unit, t, { seed: ctx.params.seed + 1 }));
  return ts.map((t, i) => ({ t, spectrum: spectra[i] }));
}

/** The units of a model built by ResLab, by stage (from its hook points). */
export function unitsByStage(model: tf.LayersModel): string[][] {
  const out: string[][] = [];
  for (const p of hookPoints(model)) if (p.side === "out") (out[p.section] ??= []).push(`s${p.section}.b${p.block}`);
  return out;
}
