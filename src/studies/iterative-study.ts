/**
 * The iterative-inference study of seed 003 end to end: train the seed's ResNet variants (or load
 * them when stored), then measure, per variant, the alignment of block outputs with the loss
 * gradient (Fig. 3), dropped blocks (Fig. 4), ‖F‖/‖h‖ (Fig. 5), intermediate accuracy (Fig. 6),
 * the unrolled last block (Fig. 7), and train/test curves of naive block sharing against an
 * unshared net with the same weights count (Fig. 8). Notebook 06 and the `%align` /
 * `%dropblocks` / `%unroll` magics call the analysis functions this module gathers.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { buildBasicResNet, type BasicResNetConfig } from "../models/basic-resnet";
import { channelStats, type NormStats } from "../data/transforms";
import type { ImageDataset } from "../data/dataset";
import { readRun, runDir, sweep, type RunRecord } from "../train/sweep";
import { loadWeightsInto } from "../train/checkpoint";
import { currentBackend } from "../backend/select";
import type { Provenance } from "../display/provenance";
import { paramsAtScale, type StudyScale } from "./scale";
import { loadStudyDataset, recipeTrainOptions, resolveResultsDir, HE_CIFAR_SCHEDULE, QUICK_RECIPE, type StudyData, type TrainingRecipe } from "./recipe";
import {
  blockChangeRatios,
  dropBlockAccuracy,
  gradientAlignment,
  intermediateAccuracy,
  unrollLastBlock,
  type AlignmentRow,
  type ChangeRatioRow,
  type DropBlockResult,
  type IntermediateRow,
  type ProbeData,
  type UnrollRow,
} from "../analysis/iterative-inference";

/** The seed's four architectures (Figs. 3–6) and the pair of Fig. 8. */
export type IterativeVariant = "original" | "single" | "avgpool" | "wide" | "shared" | "unshared";

/** Parameters of the iterative-inference study. */
export interface IterativeParams extends TrainingRecipe, StudyData {
  /** Blocks per stage n of the three-stage variants (6n + 2 layers). */
  blocksPerStage: number;
  /** Stage widths of the original ResNet. */
  widths: number[];
  /** Width factor of the wide ResNet. */
  widthFactor: number;
  /** The architectures of Figs. 3–6 to train and measure. */
  variants: Array<Exclude<IterativeVariant, "shared" | "unshared">>;
  /** Fig. 8: blocks per stage of the shared net and how many of its last blocks share weights. */
  sharing: { blocksPerStage: number; shareLast: number };
  seed: number;
  /** Test images the measures run on. */
  probeImages: number;
  /** Fig. 7: extra applications of the last block, and the step scales s tried (the seed unrolls "with an appropriate scaling"). */
  unrollSteps: number;
  unrollScales: number[];
  /** Where trained models are kept (relative paths are under the package root). */
  resultsDir: string;
}

/**
 * Quick mode: ResNet-20-sized variants, widths 4/8/16, on embedded MNIST shrunk to 14×14, two
 * epochs each (a few minutes on a 2-core CPU for all six networks).
 */
export const QUICK_ITERATIVE: IterativeParams = {
  dataset: "mnist-embedded", downsample: 2, trainN: 2000, testN: 500, blocksPerStage: 3, widths: [4, 8, 16], widthFactor: 2,
  variants: ["original", "single", "avgpool", "wide"], sharing: { blocksPerStage: 5, shareLast: 3 }, seed: 0,
  ...QUICK_RECIPE,
  probeImages: 200, unrollSteps: 10, unrollScales: [1, 0.5, 0.2, 0.05], resultsDir: "results/iterative-quick",
};

/**
 * Full mode: the seed's set-up on CIFAR-10 (ResNet-110-sized variants, wide factor 4, ResNet-110
 * with its top 13 blocks per stage shared against ResNet-38), for a GPU or the torch backend.
 */
export const FULL_ITERATIVE_CIFAR: IterativeParams = {
  dataset: "cifar10", downsample: 1, blocksPerStage: 18, widths: [16, 32, 64], widthFactor: 4,
  variants: ["original", "single", "avgpool", "wide"], sharing: { blocksPerStage: 18, shareLast: 13 }, seed: 0,
  epochs: 160, batchSize: 128, lr: 0.1, optimizer: "momentum", weightDecay: 1e-4, augment: true, schedule: HE_CIFAR_SCHEDULE,
  probeImages: 1000, unrollSteps: 20, unrollScales: [1, 0.5, 0.2, 0.05], resultsDir: "results/iterative-cifar10",
};

/**
 * CPU scale (RESLAB_SCALE=cpu): ResNet-20-sized variants with the seed's widths 16/32/64 (wide ×2;
 * the shared net n = 5 with its last 3 blocks shared, against n = 3) on all 8,000 / 2,000 embedded
 * digits at 28×28, three epochs of Adam each: the six networks train in about 13 minutes on
 * 2 cores with the torch backend. CIFAR-10 at this cost would leave each network under three
 * epochs on a fifth of the data, so this scale keeps the embedded digits; measures on 1,000 test
 * images, the last block unrolled 20 more times as in the seed.
 */
export const CPU_ITERATIVE: IterativeParams = {
  dataset: "mnist-embedded", downsample: 1, blocksPerStage: 3, widths: [16, 32, 64], widthFactor: 2,
  variants: ["original", "single", "avgpool", "wide"], sharing: { blocksPerStage: 5, shareLast: 3 }, seed: 0,
  epochs: 3, batchSize: 64, lr: 1e-3, optimizer: "adam", weightDecay: 1e-4, augment: false,
  probeImages: 1000, unrollSteps: 20, unrollScales: [1, 0.5, 0.2, 0.05], resultsDir: "results/iterative-cpu-mnist-embedded",
};

/** The study's parameters at the scale the environment asks for (src/studies/scale.ts). */
export function iterativeAtScale(env: NodeJS.ProcessEnv = process.env): { scale: StudyScale; params: IterativeParams } {
  return paramsAtScale({ quick: QUICK_ITERATIVE, cpu: CPU_ITERATIVE, full: () => FULL_ITERATIVE_CIFAR }, "iterative-", env);
}

/** The builder configuration of a variant on a dataset of `shape` with `classes` classes. */
export function variantConfig(p: IterativeParams, v: IterativeVariant, shape: [number, number, number], classes: number): BasicResNetConfig {
  const base: BasicResNetConfig = { inputShape: shape, blocksPerStage: p.blocksPerStage, widths: p.widths, numClasses: classes, seed: p.seed };
  switch (v) {
    case "original":
      return base;
    case "single":
      // one stage after the stem at the middle width, as many blocks as the original has in all
      return { ...base, widths: [p.widths[Math.min(1, p.widths.length - 1)]], blocksPerStage: p.blocksPerStage * p.widths.length };
    case "avgpool":
      return { ...base, downsample: "avgpool" };
    case "wide":
      return { ...base, widthFactor: p.widthFactor };
    case "shared":
      return { ...base, blocksPerStage: p.sharing.blocksPerStage, shareLast: p.sharing.shareLast };
    case "unshared":
      return { ...base, blocksPerStage: p.sharing.blocksPerStage - p.sharing.shareLast + 1 };
  }
}

/** A variant as words, for provenance and legends. */
export function variantLabel(p: IterativeParams, v: IterativeVariant): string {
  const n = p.blocksPerStage, depth = (k: number, stages = p.widths.length) => 2 * stages * k + 2;
  switch (v) {
    case "original":
      return `original ResNet-${depth(n)} (post-activation BasicBlock, widths ${p.widths.join("/")})`;
    case "single":
      return `single-representation ResNet (one stage of ${n * p.widths.length} blocks, width ${p.widths[Math.min(1, p.widths.length - 1)]}, no down-sampling)`;
    case "avgpool":
      return `avg-pooling ResNet-${depth(n)} (down-sampling by 2×2 average pooling)`;
    case "wide":
      return `wide ResNet-${depth(n)}×${p.widthFactor} (widths ${p.widths.map((w) => w * p.widthFactor).join("/")})`;
    case "shared":
      return `ResNet-${depth(p.sharing.blocksPerStage)} with its last ${p.sharing.shareLast} blocks per stage naively shared (BN too)`;
    case "unshared":
      return `ResNet-${depth(p.sharing.blocksPerStage - p.sharing.shareLast + 1)} (unshared, the same number of weights)`;
  }
}

/** Trained variants and what the measures need. Dispose with `dispose()`. */
export interface IterativeContext {
  params: IterativeParams;
  dataset: ImageDataset;
  norm: NormStats;
  models: Map<IterativeVariant, tf.LayersModel>;
  runs: Map<IterativeVariant, RunRecord>;
  /** The probe images: the first `probeImages` of the test split. */
  probe: ProbeData;
  provenance(v: IterativeVariant | IterativeVariant[], note?: string): Provenance;
  dispose(): void;
}

/** The study's dataset (cut and shrunk as asked). */
export async function iterativeDataset(p: IterativeParams): Promise<ImageDataset> {
  return loadStudyDataset(p);
}

/**
 * Trains every variant (each in its own folder under `resultsDir`; stored runs are loaded, an
 * interrupted one is redone) and rebuilds each from its configuration with the stored weights.
 */
export async function prepareIterative(p: IterativeParams, opts: { live?: boolean; variants?: IterativeVariant[] } = {}): Promise<IterativeContext> {
  const ds = await iterativeDataset(p);
  const wanted = opts.variants ?? [...p.variants, "shared", "unshared"];
  const models = new Map<IterativeVariant, tf.LayersModel>();
  const runs = new Map<IterativeVariant, RunRecord>();
  const root = resolveResultsDir(p.resultsDir);
  try {
    for (const v of wanted) {
      const config = variantConfig(p, v, ds.shape, ds.classes.length);
      const dir = path.join(root, v);
      await sweep({
        blocks: [config.blocksPerStage],
        seeds: [p.seed],
        dataset: ds,
        build: () => buildBasicResNet(config),
        train: recipeTrainOptions(p, variantLabel(p, v), opts.live ?? false),
        resultsDir: dir,
        measureImages: Math.min(200, ds.test.count),
      });
      runs.set(v, readRun(dir, config.blocksPerStage, p.seed)!);
      models.set(v, await loadWeightsInto(buildBasicResNet(config), path.join(runDir(dir, config.blocksPerStage, p.seed), "checkpoint")));
    }
  } catch (e) {
    for (const m of models.values()) m.dispose();
    throw e;
  }
  const norm = channelStats(ds.train, ds.shape[2]);
  const probeImages = Math.min(p.probeImages, ds.test.count);
  return {
    params: p,
    dataset: ds,
    norm,
    models,
    runs,
    probe: { dataset: ds, split: "test", norm, limit: probeImages },
    provenance: (v, note) => {
      const vs = Array.isArray(v) ? v : [v];
      const errors = vs.map((x) => `${x} ${(100 * runs.get(x)!.testError).toFixed(1)}%`).join(", ");
      return {
        dataset: `${ds.name} (${ds.shape.join("×")}, ${ds.train.count.toLocaleString("en-US")} train / ${ds.test.count.toLocaleString("en-US")} test; measures on the first ${probeImages} test images)`,
        model: vs.length === 1 ? variantLabel(p, vs[0]) : `${vs.join(", ")} (${p.blocksPerStage} blocks per stage, widths ${p.widths.join("/")}; see variantLabel)`,
        seed: p.seed,
        epochs: p.epochs,
        backend: currentBackend()?.active ?? tf.getBackend(),
        note: [`test error ${errors}`, note].filter(Boolean).join(" · "),
      };
    },
    dispose: () => {
      for (const m of models.values()) m.dispose();
    },
  };
}

/** Every measure of Figs. 3–7 for one variant. */
export interface VariantMeasures {
  variant: IterativeVariant;
  alignment: AlignmentRow[];
  drop: DropBlockResult;
  ratios: ChangeRatioRow[];
  intermediate: IntermediateRow[];
  /** One unrolling per step scale in `params.unrollScales`. */
  unroll: Array<{ scale: number; rows: UnrollRow[] }>;
}

/** Runs the measures of Figs. 3–7 on one trained variant. */
export function measureVariant(ctx: IterativeContext, v: IterativeVariant): VariantMeasures {
  const model = ctx.models.get(v);
  if (!model) throw new Error(`variant "${v}" was not trained in this context; trained: ${[...ctx.models.keys()].join(", ")}`);
  return {
    variant: v,
    alignment: gradientAlignment(model, ctx.probe),
    drop: dropBlockAccuracy(model, ctx.probe),
    ratios: blockChangeRatios(model, ctx.probe),
    intermediate: intermediateAccuracy(model, ctx.probe),
    unroll: ctx.params.unrollScales.map((scale) => ({ scale, rows: unrollLastBlock(model, ctx.probe, { steps: ctx.params.unrollSteps, scale }) })),
  };
}
