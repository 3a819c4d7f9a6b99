/**
 * A sweep as a plan: an ordered list of run configurations, each with an id derived from its
 * content (SHA-256 of the configuration's canonical JSON), so the same configuration has the same
 * id on any machine. Runs that differ only in L and seed belong to one *family* (same data, widths
 * and recipe); a results folder holds the runs of one family (see results-dir.ts).
 *
 * `reslab sweep plan … --out plan.json` writes a plan, `%sweep` builds the same one, and the array
 * runner (`reslab sweep run`) and the queue (`reslab sweep enqueue`, `reslab worker`) execute it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DATASET_NAMES } from "../data/load";
import type { StudyParams } from "../studies/perturbation-study";
import { recipeAugmentation, type StudyData, type TrainingRecipe } from "../studies/recipe";

/**
 * One run of seed 000's perturbation sweep: a pre-activation ResNet trained (the recipe's epochs,
 * batch size, lr, optimizer, weight decay, augmentation) and measured.
 */
export interface PerturbationRunConfig extends TrainingRecipe, Omit<StudyData, "dataDir"> {
  study: "perturbation";
  /** Section widths and blocks per section L. */
  widths: number[];
  L: number;
  /** Seed of the initialisation, batch order and augmentation. */
  seed: number;
  /** Test images the perturbations are measured on. */
  measureImages: number;
}

/** A run's configuration (one study today; new studies add their own kind). */
export type RunConfig = PerturbationRunConfig;

/** What a family shares: everything but L and seed. */
export type RunFamily = Omit<RunConfig, "L" | "seed">;

/** One entry of a plan. */
export interface PlanEntry {
  /** Position in the plan (the array index of `reslab sweep run --index`). */
  index: number;
  /** Content id of `config` (16 hex digits). */
  id: string;
  config: RunConfig;
}

/** A plan file. */
export interface SweepPlan {
  format: "reslab-sweep-plan";
  version: 1;
  /** Content id of the list of entry ids. */
  planId: string;
  /** Content id of the shared settings. */
  familyId: string;
  family: RunFamily;
  /** ε of the stopping rule (analysis only: not part of any id). */
  eps: number;
  entries: PlanEntry[];
}

/** JSON with keys sorted at every level and undefined values left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The content id: the first 16 hex digits of SHA-256 of the canonical JSON. */
export function contentId(value: unknown): string {
  return crypto.createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}

/** The family of a configuration (it without L and seed). */
export function familyOf(config: RunConfig): RunFamily {
  const { L: _L, seed: _seed, ...family } = config;
  return family;
}

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;

/** What is wrong with a configuration, one sentence per problem (empty when it can run). */
export function runConfigProblems(c: RunConfig): string[] {
  const out: string[] = [];
  if (c.study !== "perturbation") out.push(`study "${c.study}" is not known: the plans run "perturbation" (seed 000's sweep)`);
  if (!(DATASET_NAMES as readonly string[]).includes(c.dataset)) out.push(`dataset "${c.dataset}" is not one of ${DATASET_NAMES.join(", ")}`);
  if (!positiveInt(c.L)) out.push(`L (blocks per section) must be a whole number ≥ 1, got ${c.L}`);
  if (!Number.isInteger(c.seed) || c.seed < 0) out.push(`seed must be a whole number ≥ 0, got ${c.seed}`);
  if (!Array.isArray(c.widths) || c.widths.length === 0 || !c.widths.every(positiveInt)) out.push(`widths must be whole numbers ≥ 1, e.g. [16, 32, 64], got ${JSON.stringify(c.widths)}`);
  for (const k of ["epochs", "batchSize", "measureImages"] as const) if (!positiveInt(c[k])) out.push(`${k} must be a whole number ≥ 1, got ${c[k]}`);
  for (const k of ["trainN", "testN", "downsample"] as const) if (c[k] !== undefined && !positiveInt(c[k])) out.push(`${k} must be a whole number ≥ 1 when given, got ${c[k]}`);
  if (!(typeof c.lr === "number" && c.lr > 0 && Number.isFinite(c.lr))) out.push(`lr must be a positive number, got ${c.lr}`);
  if (!(typeof c.weightDecay === "number" && c.weightDecay >= 0)) out.push(`weightDecay must be a number ≥ 0, got ${c.weightDecay}`);
  if (!["sgd", "momentum", "adam"].includes(c.optimizer)) out.push(`optimizer must be sgd, momentum or adam, got "${c.optimizer}"`);
  try {
    recipeAugmentation(c.augment);
  } catch (e) {
    out.push((e as Error).message);
  }
  return out;
}

/**
 * A plan from configurations, in the order given. All must share one family; their ids must be
 * distinct (a configuration listed twice is an error).
 */
export function makePlan(configs: RunConfig[], eps = 0.1): SweepPlan {
  if (configs.length === 0) throw new RangeError("a plan needs at least one run configuration");
  const family = familyOf(configs[0]);
  const familyId = contentId(family);
  const entries = configs.map((config, index) => {
    if (contentId(familyOf(config)) !== familyId) throw new Error(`run ${index} (L=${config.L}, seed=${config.seed}) differs from run 0 in more than L and seed: a plan holds one family of runs; make one plan per family`);
    return { index, id: contentId(config), config };
  });
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (seen.has(e.id)) throw new Error(`runs ${seen.get(e.id)} and ${e.index} have the same configuration (L=${e.config.L}, seed=${e.config.seed}): list each run once`);
    seen.set(e.id, e.index);
  }
  return { format: "reslab-sweep-plan", version: 1, planId: contentId(entries.map((e) => e.id)), familyId, family, eps, entries };
}

/** The plan of seed 000's sweep for study parameters: L-major, then seeds, as the local sweep runs them. */
export function planPerturbationSweep(p: StudyParams): SweepPlan {
  if (!Array.isArray(p.blocks) || p.blocks.length === 0) throw new RangeError("blocks must list at least one L, e.g. [1, 2, 4]");
  if (!Array.isArray(p.seeds) || p.seeds.length === 0) throw new RangeError("seeds must list at least one seed, e.g. [0]");
  const configs: RunConfig[] = p.blocks.flatMap((L) => p.seeds.map((seed) => ({
    study: "perturbation" as const,
    dataset: p.dataset, trainN: p.trainN, testN: p.testN, downsample: p.downsample && p.downsample !== 1 ? p.downsample : undefined,
    widths: p.widths, L, seed,
    epochs: p.epochs, batchSize: p.batchSize, lr: p.lr, optimizer: p.optimizer, weightDecay: p.weightDecay, augment: p.augment, schedule: p.schedule,
    measureImages: p.measureImages,
  })));
  const problems = [...new Set(configs.flatMap(runConfigProblems))];
  if (problems.length) throw new RangeError(`the sweep cannot run: ${problems.join("; ")}`);
  return makePlan(configs, p.eps);
}

/** The study parameters a plan runs (for the analysis of its results), with the results folder given. */
export function studyParamsOfPlan(plan: SweepPlan, resultsDir: string): StudyParams {
  const f = plan.family;
  const uniq = (xs: number[]) => [...new Set(xs)];
  return {
    dataset: f.dataset, trainN: f.trainN, testN: f.testN, downsample: f.downsample,
    widths: f.widths, blocks: uniq(plan.entries.map((e) => e.config.L)), seeds: uniq(plan.entries.map((e) => e.config.seed)),
    epochs: f.epochs, batchSize: f.batchSize, lr: f.lr, optimizer: f.optimizer, weightDecay: f.weightDecay, augment: f.augment, schedule: f.schedule,
    eps: plan.eps, measureImages: f.measureImages, resultsDir,
  };
}

/** Writes a plan (atomically). */
export function writePlan(plan: SweepPlan, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(plan, null, 1) + "\n");
  fs.renameSync(tmp, file);
}

/** Checks a parsed plan; the ids are recomputed from the configurations and must agree. */
export function checkPlan(raw: unknown, where = "the plan"): SweepPlan {
  const p = raw as SweepPlan;
  if (!p || p.format !== "reslab-sweep-plan") throw new Error(`${where} is not a ResLab sweep plan (no "format": "reslab-sweep-plan"): write one with \`reslab sweep plan … --out plan.json\``);
  if (p.version !== 1) throw new Error(`${where} has plan version ${p.version}; this ResLab reads version 1`);
  if (!Array.isArray(p.entries) || p.entries.length === 0) throw new Error(`${where} has no entries`);
  const again = makePlan(p.entries.map((e) => e.config), p.eps);
  p.entries.forEach((e, i) => {
    if (e.index !== i || e.id !== again.entries[i].id) throw new Error(`${where}: entry ${i} does not match its configuration (index ${e.index}, id ${e.id}, expected ${again.entries[i].id}); was it edited by hand? Write the plan again with \`reslab sweep plan\``);
  });
  if (p.planId !== again.planId || p.familyId !== again.familyId) throw new Error(`${where}: its planId/familyId do not match its entries; write the plan again with \`reslab sweep plan\``);
  return again;
}

/** Reads and checks a plan file. */
export function readPlan(file: string): SweepPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the plan ${file}: ${(e as Error).message}`);
  }
  return checkPlan(raw, file);
}
