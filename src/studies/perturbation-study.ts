/**
 * The study of seed 000 end to end: sweep L, measure, plot, apply the stopping rule.
 * Notebooks 01–03, the `%sweep` magic and `npm start` all call this; the sweep itself is a plan
 * (src/sweep/plan.ts), the same one the array runner and the queue execute.
 */
import * as path from "path";
import * as aq from "arquero";
import { loadStudyDataset, resolveResultsDir, HE_CIFAR_SCHEDULE, QUICK_RECIPE, type StudyData, type TrainingRecipe } from "./recipe";
import type { ImageDataset } from "../data/dataset";
import { readRun, runDir, sweepTable, type RunRecord } from "../train/sweep";
import { planPerturbationSweep } from "../sweep/plan";
import { paramsAtScale, type StudyScale } from "./scale";
import { runPlanEntry } from "../sweep/run-entry";
import { loadCheckpoint } from "../train/checkpoint";
import {
  distanceFigure, meanPerturbationFigure, stoppingRuleFigure, perturbationCurvesFigure, stoppingRuleRows, sweepProvenance, testErrorFigure,
} from "../analysis/figures";
import type { Figure } from "../display/plotly";

/** Parameters of the study. */
export interface StudyParams extends TrainingRecipe, StudyData {
  /** Section widths. */
  widths: number[];
  /** Blocks per section to sweep. */
  blocks: number[];
  seeds: number[];
  /** ε of the stopping rule. */
  eps: number;
  /** Test images used for the measurements. */
  measureImages: number;
  /** Where runs are stored (relative paths are under the package root). */
  resultsDir: string;
}

/** Quick mode: embedded MNIST, narrow widths, a few L: about a minute on a 2-core CPU (wasm). */
export const QUICK_STUDY: StudyParams = {
  dataset: "mnist-embedded", trainN: 1000, testN: 500, widths: [8, 16, 32], blocks: [1, 2, 4], seeds: [0],
  // Adam reaches 23–30% test error in 2 short epochs here, momentum SGD ~70% (measured on L = 2)
  ...QUICK_RECIPE, eps: 0.1, measureImages: 500,
  resultsDir: "results/quick-mnist-embedded",
};

/** Full mode on MNIST as in the seed (a GPU machine with tfjs-node-gpu: hours). */
export const FULL_STUDY_MNIST: StudyParams = {
  dataset: "mnist", widths: [16, 32, 64], blocks: [2, 4, 6, 8, 10, 16, 20, 30, 40, 50, 60, 70, 80, 90, 100], seeds: [0, 1, 2],
  epochs: 30, batchSize: 128, lr: 0.1, optimizer: "momentum", weightDecay: 1e-4, augment: false, eps: 0.1, measureImages: 1000,
  resultsDir: "results/full-mnist",
};

/** Full mode on CIFAR-10 with the seed's augmentation. */
export const FULL_STUDY_CIFAR: StudyParams = { ...FULL_STUDY_MNIST, dataset: "cifar10", augment: true, epochs: 160, schedule: HE_CIFAR_SCHEDULE, resultsDir: "results/full-cifar10" };

/**
 * CPU scale (RESLAB_SCALE=cpu): all 8,000 / 2,000 embedded MNIST digits shrunk to 14×14 (sections of
 * 14×14×16, 7×7×32 and 4×4×64: the seed's widths at half its resolution), L ∈ {2, 4, 8, 16, 32, 48},
 * one seed, two epochs of Adam, in about 18 minutes on 2 cores with the torch backend. The depth is
 * what the seed's stopping rule needs (its MNIST crossings of ε = 0.1 are at L = 32–40); at the
 * seed's 28×28 the same sweep costs four times as much, L ≤ 8 could not reach a crossing, and
 * L = 64 took the notebook past 20 minutes (21 min measured).
 */
export const CPU_STUDY: StudyParams = {
  dataset: "mnist-embedded", downsample: 2, widths: [16, 32, 64], blocks: [2, 4, 8, 16, 32, 48], seeds: [0],
  epochs: 2, batchSize: 64, lr: 1e-3, optimizer: "adam", weightDecay: 1e-4, augment: false, eps: 0.1, measureImages: 1000,
  resultsDir: "results/cpu-mnist-embedded-14x14",
};

/** The study's parameters at the scale the environment asks for (src/studies/scale.ts). */
export function perturbationStudyAtScale(env: NodeJS.ProcessEnv = process.env): { scale: StudyScale; params: StudyParams } {
  return paramsAtScale({ quick: QUICK_STUDY, cpu: CPU_STUDY, full: (d) => (d === "cifar10" ? FULL_STUDY_CIFAR : FULL_STUDY_MNIST) }, "", env);
}

/** What {@link runPerturbationStudy} returns. */
export interface StudyResult {
  params: StudyParams;
  runs: RunRecord[];
  /** One row per run (see sweepTable). */
  table: ReturnType<typeof aq.from>;
  /** One row per section: d_scaled, the rule's L and the empirical depth. */
  stopping: ReturnType<typeof aq.from>;
  figures: { testError: Figure; perturbation: Figure; scaledPerturbation: Figure; distance: Figure; scaledDistance: Figure; meanPerturbation: Figure; meanScaledPerturbation: Figure; stoppingRule: Figure };
}

/** Loads the study's dataset (subset as asked). */
export async function studyDataset(p: StudyParams): Promise<ImageDataset> {
  return loadStudyDataset(p);
}

/** Model description used in provenance. */
export function studyModel(p: StudyParams): string {
  return `pre-act ResNet (seed 000 eq. 13), widths ${p.widths.join("/")}`;
}

/** The absolute results folder of a study. */
export function studyResultsDir(p: StudyParams): string {
  return resolveResultsDir(p.resultsDir);
}

/** The trained model of one finished run of a study (from its checkpoint). */
export function loadStudyModel(p: StudyParams, L: number, seed: number) {
  return loadCheckpoint(path.join(runDir(studyResultsDir(p), L, seed), "checkpoint"));
}

/** Runs (or resumes) the sweep, then builds the figures and the stopping-rule table. */
export async function runPerturbationStudy(p: StudyParams, opts: { live?: boolean; note?: string } = {}): Promise<StudyResult> {
  const resultsDir = studyResultsDir(p);
  // the same plan `reslab sweep plan` writes, run entry by entry in this process
  const plan = planPerturbationSweep(p);
  for (const entry of plan.entries) await runPlanEntry(plan, entry, resultsDir, { live: opts.live ?? false, dataDir: p.dataDir });
  return analysePerturbationStudy(p, opts);
}

/**
 * The study's tables and figures from its finished runs (all of them must be in the results
 * folder: after {@link runPerturbationStudy}, the array runner or the queue's workers).
 */
export function analysePerturbationStudy(p: StudyParams, opts: { note?: string } = {}): StudyResult {
  const resultsDir = studyResultsDir(p);
  const missing = p.blocks.flatMap((L) => p.seeds.filter((s) => !readRun(resultsDir, L, s)).map((s) => `L=${L} seed=${s}`));
  if (missing.length) throw new Error(`${missing.length} run(s) of the sweep are not finished in ${resultsDir} (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}): run them first`);
  const runs = p.blocks.flatMap((L) => p.seeds.map((s) => readRun(resultsDir, L, s)!));
  const table = sweepTable(runs);
  const prov = sweepProvenance(runs, studyModel(p), opts.note);
  return {
    params: p,
    runs,
    table,
    stopping: aq.from(stoppingRuleRows(runs, p.eps)),
    figures: {
      testError: testErrorFigure(runs, prov),
      perturbation: perturbationCurvesFigure(runs, prov, false),
      scaledPerturbation: perturbationCurvesFigure(runs, prov, true),
      distance: distanceFigure(runs, prov, false),
      scaledDistance: distanceFigure(runs, prov, true),
      meanPerturbation: meanPerturbationFigure(runs, prov, false),
      meanScaledPerturbation: meanPerturbationFigure(runs, prov, true),
      stoppingRule: stoppingRuleFigure(runs, prov, p.eps),
    },
  };
}
