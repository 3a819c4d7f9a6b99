/**
 * Runs one entry of a plan into a results folder: the unit of work of the array runner, the queue
 * worker and the local `%sweep`. A finished run (its result.json) is read, not redone; an
 * interrupted one is redone from scratch (sweepRun).
 */
import type { ImageDataset } from "../data/dataset";
import { buildPreActResNet } from "../models/preact-resnet";
import { loadStudyDataset, recipeTrainOptions } from "../studies/recipe";
import { readRun, sweepRun, type RunRecord } from "../train/sweep";
import type { EpochRecord } from "../train/train";
import { canonicalJson, runConfigProblems, type PlanEntry, type RunFamily, type SweepPlan } from "./plan";
import { bindResultsDir } from "./results-dir";

/** A configuration that cannot run (retrying will not help). */
export class InvalidRunError extends Error {
  override name = "InvalidRunError";
}

/** Datasets loaded in this process, by their data settings (a worker runs many entries). */
const datasets = new Map<string, Promise<ImageDataset>>();

function familyDataset(f: RunFamily, dataDir?: string): Promise<ImageDataset> {
  const key = canonicalJson({ dataset: f.dataset, trainN: f.trainN, testN: f.testN, downsample: f.downsample, dataDir });
  let ds = datasets.get(key);
  if (!ds) {
    ds = loadStudyDataset({ dataset: f.dataset, trainN: f.trainN, testN: f.testN, downsample: f.downsample, dataDir });
    ds.catch(() => datasets.delete(key));
    datasets.set(key, ds);
  }
  return ds;
}

/** Options of {@link runPlanEntry}. */
export interface RunEntryOptions {
  /** Called after each epoch (the worker reports progress with it). */
  onEpoch?: (record: EpochRecord, epochs: number) => void | Promise<void>;
  /** Live progress bar and curves (default false). */
  live?: boolean;
  /** Where datasets are looked for (default: each loader's own). */
  dataDir?: string;
}

/** What {@link runPlanEntry} returns. */
export interface EntryOutcome {
  entry: PlanEntry;
  record: RunRecord;
  /** True when the run was finished already and only read. */
  skipped: boolean;
  /** Wall-clock times (ms since the epoch) of the start and end of this call's work. */
  startedAt: number;
  endedAt: number;
}

/** The entry of `plan` at `index`, with a clear error when there is none. */
export function planEntry(plan: SweepPlan, index: number): PlanEntry {
  if (!Number.isInteger(index) || index < 0 || index >= plan.entries.length) {
    throw new RangeError(`index ${index} is not in the plan: it has ${plan.entries.length} entries, indices 0…${plan.entries.length - 1}`);
  }
  return plan.entries[index];
}

/**
 * Runs `entry` of `plan` into `resultsDir` (bound to the plan's family first), or reads it when
 * finished. Throws {@link InvalidRunError} for a configuration that cannot run.
 */
export async function runPlanEntry(plan: Pick<SweepPlan, "familyId" | "family">, entry: PlanEntry, resultsDir: string, opts: RunEntryOptions = {}): Promise<EntryOutcome> {
  const startedAt = Date.now();
  const c = entry.config;
  const problems = runConfigProblems(c);
  if (problems.length) throw new InvalidRunError(`run ${entry.index} (${entry.id}, L=${c.L}, seed=${c.seed}) cannot run: ${problems.join("; ")}`);
  bindResultsDir(resultsDir, plan);
  const done = readRun(resultsDir, c.L, c.seed);
  if (done) {
    if (done.runId && done.runId !== entry.id) throw new Error(`${resultsDir}: the run L=${c.L}, seed=${c.seed} there has id ${done.runId}, not this plan's ${entry.id}; give this plan a results folder of its own`);
    return { entry, record: done, skipped: true, startedAt, endedAt: Date.now() };
  }
  const ds = await familyDataset(plan.family, opts.dataDir);
  const f = plan.family;
  const { record, skipped } = await sweepRun({
    dataset: ds,
    build: (L, seed) => buildPreActResNet({ inputShape: ds.shape, blocksPerSection: L, widths: f.widths, numClasses: ds.classes.length, seed }),
    train: { ...recipeTrainOptions(f, `pre-act ResNet (seed 000 eq. 13), widths ${f.widths.join("/")}`, opts.live ?? false), onEpoch: opts.onEpoch },
    resultsDir,
    measureImages: f.measureImages,
  }, c.L, c.seed, { runId: entry.id });
  return { entry, record, skipped, startedAt, endedAt: Date.now() };
}
