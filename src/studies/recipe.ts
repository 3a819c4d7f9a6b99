/**
 * What the studies share: how a study trains its networks, and where it keeps them.
 */
import * as path from "path";
import { CIFAR_AUGMENTATION } from "../data/transforms";
import type { TrainOptions } from "../train/train";
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
  /** Seed 000's augmentation (CIFAR-10: pad 4, random crop, flip). */
  augment: boolean;
}

/** The options of `train()` for a recipe; `model` describes the network for the live figure. */
export function recipeTrainOptions(r: TrainingRecipe, model: string, live: boolean): Omit<TrainOptions, "seed" | "checkpointDir"> {
  return { epochs: r.epochs, batchSize: r.batchSize, lr: r.lr, optimizer: r.optimizer, weightDecay: r.weightDecay, augment: r.augment ? CIFAR_AUGMENTATION : undefined, live, model };
}

/** A study's results folder as an absolute path (relative ones are under the package root). */
export function resolveResultsDir(dir: string): string {
  return path.isAbsolute(dir) ? dir : path.join(PACKAGE_ROOT, dir);
}
