/**
 * What the studies share: how a study trains its networks, and where it keeps them.
 */
import * as path from "path";
import { CIFAR_AUGMENTATION, downsampleDataset, subsetDataset, type Augmentation } from "../data/transforms";
import { loadDataset } from "../data/load";
import type { ImageDataset } from "../data/dataset";
import type { Schedule, TrainOptions } from "../train/train";
import { PACKAGE_ROOT } from "../version";

/** How a study trains its networks. */
export interface TrainingRecipe {
  epochs: number;
  batchSize: number;
  /** Learning rate at the start. */
  lr: number;
  /** Optimizer (full modes: SGD with momentum 0.9, the usual ResNet recipe). */
  optimizer: "sgd" | "momentum" | "adam";
  weightDecay: number;
  /**
   * Augmentation: `true` is seed 000's CIFAR-10 recipe (pad 4, random crop, flip), an object
   * another pad (pixels per side) and flip, `false` none.
   */
  augment: boolean | Augmentation;
  /** Learning-rate schedule over epochs (constant when omitted). */
  schedule?: Schedule;
}

/**
 * The usual CIFAR-10 schedule of He et al. (2016) (the seeds do not state theirs): lr ÷ 10 at 32k
 * and 48k iterations, i.e. near epochs 82 and 123 at batch 128 (391 iterations per epoch); the
 * full modes' 160-epoch recipes step at epochs 80 and 120.
 */
export const HE_CIFAR_SCHEDULE: Schedule = { kind: "step", milestones: [80, 120], gamma: 0.1 };

/** The quick-mode recipe every study's tests use: two epochs of Adam on small nets (about a minute per network on 2 cores). */
export const QUICK_RECIPE: TrainingRecipe = { epochs: 2, batchSize: 25, lr: 3e-3, optimizer: "adam", weightDecay: 5e-4, augment: false };

/** The options of `train()` for a recipe; `model` describes the network for the live figure. */
export function recipeTrainOptions(r: TrainingRecipe, model: string, live: boolean): Omit<TrainOptions, "seed" | "checkpointDir"> {
  return {
    epochs: r.epochs, batchSize: r.batchSize, lr: r.lr, optimizer: r.optimizer, weightDecay: r.weightDecay, schedule: r.schedule,
    augment: recipeAugmentation(r.augment), live, model,
  };
}

/** The augmentation a recipe's `augment` stands for (undefined: none). */
export function recipeAugmentation(augment: boolean | Augmentation): Augmentation | undefined {
  if (augment === true) return CIFAR_AUGMENTATION;
  if (augment === false) return undefined;
  const ok = typeof augment === "object" && augment !== null && Number.isInteger(augment.pad) && augment.pad >= 0 && typeof augment.flip === "boolean";
  if (!ok) {
    throw new RangeError(`augment must be true, false or { pad: whole number ≥ 0, flip: boolean }, got ${JSON.stringify(augment)}`);
  }
  return augment;
}

/** A study's results folder as an absolute path (relative ones are under the package root). */
export function resolveResultsDir(dir: string): string {
  return path.isAbsolute(dir) ? dir : path.join(PACKAGE_ROOT, dir);
}

/** Which data a study trains on: a dataset name, optional per-class subsets, a pooling factor. */
export interface StudyData {
  dataset: string;
  /** Images kept per split (stratified by class); all when omitted. */
  trainN?: number;
  testN?: number;
  /** Shrink images by this factor (mean pooling); 1 or omitted keeps them. */
  downsample?: number;
  dataDir?: string;
}

/** Loads a study's dataset, cut to per-class subsets and shrunk as its parameters say. */
export async function loadStudyDataset(p: StudyData): Promise<ImageDataset> {
  let ds = await loadDataset(p.dataset, { dir: p.dataDir });
  if (p.trainN || p.testN) ds = subsetDataset(ds, { trainN: p.trainN, testN: p.testN, perClass: true });
  return p.downsample && p.downsample !== 1 ? downsampleDataset(ds, p.downsample) : ds;
}
