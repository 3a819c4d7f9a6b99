/**
 * Sweeps: train one model per (L, seed), measure it, and keep every run on disk.
 *
 * Each run lives in `{resultsDir}/L{L}-seed{seed}/`: `result.json` (config, history, test error,
 * per-block measurements) is written last and atomically, so a run with a result is finished;
 * anything else (a run killed mid-way) is redone. Re-running a sweep skips finished runs; a
 * finished run trained otherwise than asked (another dataset or recipe) is an error, not reused.
 */
import * as fs from "fs";
import * as path from "path";
import * as aq from "arquero";
import * as tf from "@tensorflow/tfjs";
import { batches } from "../data/batches";
import { imageSize, type ImageDataset } from "../data/dataset";
import { measurePerturbations } from "../analysis/measure";
import type { NetworkMeasures } from "../analysis/perturbation";
import { currentBackend } from "../backend/select";
import { firstN } from "../data/transforms";
import { saveCheckpoint } from "./checkpoint";
import { train, type TrainOptions, type TrainResult } from "./train";

/** Options of {@link sweep}. */
export interface SweepOptions {
  /** Blocks per section to try. */
  blocks: number[];
  /** Seeds to try for each L. */
  seeds: number[];
  dataset: ImageDataset;
  /** Builds the model for (L, seed). */
  build: (L: number, seed: number) => tf.LayersModel;
  /** Training options (seed is set per run). */
  train: Omit<TrainOptions, "seed" | "checkpointDir">;
  /** Where runs are stored. */
  resultsDir: string;
  /** Test images used for the measurements (default 1,000). */
  measureImages?: number;
  /** Called after each run (finished or skipped). */
  onRun?: (run: RunRecord, skipped: boolean) => void;
}

/** One stored run. */
export interface RunRecord {
  /** The content id of the plan entry it ran (runs of a plan; see src/sweep/plan.ts). */
  runId?: string;
  L: number;
  seed: number;
  dataset: string;
  /** Training images it saw per epoch (absent in records written before it was kept). */
  trainImages?: number;
  backend: string;
  config: Omit<TrainOptions, "seed" | "checkpointDir">;
  history: TrainResult["history"];
  testError: number;
  stopped?: TrainResult["stopped"];
  measures: NetworkMeasures;
  finishedAt: string;
}

/** The folder of one run. */
export function runDir(resultsDir: string, L: number, seed: number): string {
  return path.join(resultsDir, `L${L}-seed${seed}`);
}

/** A finished run's record, or undefined when the run is missing or unfinished. */
export function readRun(resultsDir: string, L: number, seed: number): RunRecord | undefined {
  const file = path.join(runDir(resultsDir, L, seed), "result.json");
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as RunRecord;
  } catch {
    return undefined; // unreadable: treated as unfinished and redone
  }
}

/** One row per run: L, seed, test error, and d, d_scaled, mean scaled perturbation per section and total. */
export function sweepTable(runs: RunRecord[]) {
  const rows = runs.map((r) => {
    const row: Record<string, number | string> = { L: r.L, seed: r.seed, test_error: r.testError };
    r.measures.sections.forEach((s) => {
      row[`d_s${s.section}`] = s.distance;
      row[`dscaled_s${s.section}`] = s.scaledDistance;
      row[`mean_scaled_s${s.section}`] = s.meanScaled;
    });
    row.d_total = r.measures.distance;
    row.dscaled_total = r.measures.scaledDistance;
    row.mean_scaled_total = r.measures.meanScaled;
    return row;
  });
  return aq.from(rows);
}

/** The options of one run of a sweep: everything of {@link SweepOptions} but the lists. */
export type SweepRunOptions = Omit<SweepOptions, "blocks" | "seeds" | "onRun">;

/** The training settings a stored run must share with the run asked for to stand for it. */
const SAME_RUN_KEYS = ["epochs", "batchSize", "lr", "optimizer", "momentum", "weightDecay", "schedule", "augment", "model", "divergeFactor"] as const;

/**
 * How a stored run differs from the run `opts` asks for (dataset, its training-set size, and the
 * training settings of SAME_RUN_KEYS): one phrase per difference, none when it is the same run.
 */
export function runMismatch(record: RunRecord, opts: SweepRunOptions): string[] {
  const out: string[] = [];
  if (record.dataset !== opts.dataset.name) out.push(`dataset ${opts.dataset.name} asked, ${record.dataset} stored`);
  if (record.trainImages !== undefined && record.trainImages !== opts.dataset.train.count) out.push(`${opts.dataset.train.count} training images asked, ${record.trainImages} stored`);
  for (const k of SAME_RUN_KEYS) {
    const [asked, stored] = [JSON.stringify(opts.train[k] ?? null), JSON.stringify(record.config[k] ?? null)];
    if (asked !== stored) out.push(`${k} ${asked} asked, ${stored} stored`);
  }
  return out;
}

/**
 * Runs one (L, seed) of a sweep, or reads it when it is finished: the run folder is cleared and
 * the network trained, measured and checkpointed; `result.json` is written last, atomically.
 * `runId` (a plan's content id) is stored in the record when given.
 */
export async function sweepRun(opts: SweepRunOptions, L: number, seed: number, extra: { runId?: string } = {}): Promise<{ record: RunRecord; skipped: boolean }> {
  const done = readRun(opts.resultsDir, L, seed);
  const dir = runDir(opts.resultsDir, L, seed);
  if (done) {
    const diff = runMismatch(done, opts);
    if (diff.length) throw new Error(`${dir} holds a run of L=${L}, seed=${seed} trained otherwise (${diff.join("; ")}). Delete that folder to train it again, or give this study another results folder.`);
    return { record: done, skipped: true };
  }
  fs.rmSync(dir, { recursive: true, force: true }); // a partial run is redone from scratch
  fs.mkdirSync(dir, { recursive: true });
  const model = opts.build(L, seed);
  try {
    const res = await train(model, opts.dataset, { ...opts.train, seed });
    if (res.stopped?.reason === "interrupted") throw new Error(`sweep interrupted during L=${L}, seed=${seed}; finished runs are kept in ${opts.resultsDir}. Run the sweep again to resume.`);
    const testSplit = firstN(opts.dataset.test, opts.measureImages ?? 1000, imageSize(opts.dataset));
    const measures = measurePerturbations(model, batches(opts.dataset, testSplit, { batchSize: 100, norm: res.norm }));
    await saveCheckpoint(model, path.join(dir, "checkpoint"));
    const { onEpoch: _onEpoch, ...config } = opts.train;
    const record: RunRecord = {
      ...(extra.runId ? { runId: extra.runId } : {}),
      L,
      seed,
      dataset: opts.dataset.name,
      trainImages: opts.dataset.train.count,
      backend: currentBackend()?.active ?? tf.getBackend(),
      config,
      history: res.history,
      testError: res.final ? 1 - res.final.accuracy : NaN,
      stopped: res.stopped,
      measures,
      finishedAt: new Date().toISOString(),
    };
    const tmp = path.join(dir, `result.json.tmp-${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(record, null, 1));
    fs.renameSync(tmp, path.join(dir, "result.json"));
    return { record, skipped: false };
  } finally {
    model.dispose();
  }
}

/** Runs (or resumes) a sweep and returns its table; finished runs are read, not redone. */
export async function sweep(opts: SweepOptions) {
  fs.mkdirSync(opts.resultsDir, { recursive: true });
  const runs: RunRecord[] = [];
  for (const L of opts.blocks) {
    for (const seed of opts.seeds) {
      const { record, skipped } = await sweepRun(opts, L, seed);
      runs.push(record);
      opts.onRun?.(record, skipped);
    }
  }
  return sweepTable(runs);
}
