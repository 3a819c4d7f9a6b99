/**
 * He et al.'s ablations side by side (seed 004; "Identity Mappings in Deep Residual Networks"):
 * the residual units (a)–(e) with identity shortcuts, and the shortcut variants on unit (a), each
 * trained with the same recipe and seed, stored and resumed like every sweep. Notebook 08 calls it.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { buildIdentityMappingResNet, type IdentityMappingConfig, type ResidualUnitKind, type ShortcutKind } from "../models/identity-mappings";
import type { ImageDataset } from "../data/dataset";
import { readRun, sweep, type RunRecord } from "../train/sweep";
import { currentBackend } from "../backend/select";
import type { Provenance } from "../display/provenance";
import { figure, type Figure, type Trace } from "../display/plotly";
import { GATING_DISPUTE, HE2016_TABLE1, HE2016_TABLE2, PAPER_FAIL_ABOVE_PCT, type PaperError, type PaperRow } from "./identity-mappings-paper";
import { paramsAtScale, type StudyScale } from "./scale";
import { seed004Claim } from "./claims/seed004";
import { loadStudyDataset, recipeTrainOptions, resolveResultsDir, HE_CIFAR_SCHEDULE, QUICK_RECIPE, type StudyData, type TrainingRecipe } from "./recipe";

/** One network of the comparison: a unit and a shortcut (with its options). */
export interface IdentityVariant {
  /** Short id, also the folder name: "unit-e", "shortcut-exclusive-gating". */
  id: string;
  unit: ResidualUnitKind;
  shortcut: ShortcutKind;
  options?: Pick<IdentityMappingConfig, "scale" | "scaleBranch" | "gateBias" | "dropoutRate" | "dropoutInverted">;
}

/**
 * The paper's two tables as variants: units (a)–(e) with identity shortcuts (Table 2) and the
 * shortcuts on unit (a) (Table 1), with the gate-bias initialisations and scalings of Table 1's rows
 * (see {@link HE2016_TABLE1}; the b_g = −7 row is not trained).
 */
export const IDENTITY_VARIANTS: IdentityVariant[] = [
  { id: "unit-a-original", unit: "original", shortcut: "identity" },
  { id: "unit-b-bn-after-addition", unit: "bn-after-addition", shortcut: "identity" },
  { id: "unit-c-relu-before-addition", unit: "relu-before-addition", shortcut: "identity" },
  { id: "unit-d-relu-only-preactivation", unit: "relu-only-preactivation", shortcut: "identity" },
  { id: "unit-e-full-preactivation", unit: "full-preactivation", shortcut: "identity" },
  { id: "shortcut-constant-0", unit: "original", shortcut: "constant-scaling", options: { scale: 0 } },
  { id: "shortcut-constant-0.5", unit: "original", shortcut: "constant-scaling", options: { scale: 0.5 } },
  { id: "shortcut-constant-0.5-both", unit: "original", shortcut: "constant-scaling", options: { scale: 0.5, scaleBranch: true } },
  { id: "shortcut-exclusive-gating-b0", unit: "original", shortcut: "exclusive-gating", options: { gateBias: 0 } },
  { id: "shortcut-exclusive-gating-b-6", unit: "original", shortcut: "exclusive-gating", options: { gateBias: -6 } },
  { id: "shortcut-only-gating-b0", unit: "original", shortcut: "shortcut-only-gating", options: { gateBias: 0 } },
  { id: "shortcut-only-gating-b-6", unit: "original", shortcut: "shortcut-only-gating", options: { gateBias: -6 } },
  { id: "shortcut-conv1x1", unit: "original", shortcut: "conv1x1" },
  { id: "shortcut-dropout-0.5", unit: "original", shortcut: "dropout", options: { dropoutRate: 0.5 } },
];

/** Parameters of the comparison. */
export interface IdentityMappingParams extends TrainingRecipe, StudyData {
  /** Units per stage (ResNet-110: 18). */
  blocksPerStage: number;
  widths: number[];
  seed: number;
  variants: IdentityVariant[];
  resultsDir: string;
}

/** Quick mode: ResNet-20-sized nets (widths 4/8/16) on the embedded MNIST digits at 14×14, two epochs each. */
export const QUICK_IDENTITY_MAPPINGS: IdentityMappingParams = {
  dataset: "mnist-embedded", downsample: 2, trainN: 2000, testN: 500, blocksPerStage: 3, widths: [4, 8, 16], seed: 0,
  ...QUICK_RECIPE,
  variants: IDENTITY_VARIANTS, resultsDir: "results/identity-mappings-quick",
};

/** Full mode: ResNet-110 on CIFAR-10 with the usual recipe (the paper's set-up for both tables). */
export const FULL_IDENTITY_MAPPINGS_CIFAR: IdentityMappingParams = {
  dataset: "cifar10", downsample: 1, blocksPerStage: 18, widths: [16, 32, 64], seed: 0,
  epochs: 160, batchSize: 128, lr: 0.1, optimizer: "momentum", weightDecay: 1e-4, augment: true, schedule: HE_CIFAR_SCHEDULE,
  variants: IDENTITY_VARIANTS, resultsDir: "results/identity-mappings-cifar10",
};

/**
 * CPU scale (RESLAB_SCALE=cpu): ResNet-20 (widths 16/32/64) on all 8,000 / 2,000 embedded digits at
 * 28×28, three epochs of Adam per variant (about a minute each on 2 cores with the torch backend).
 */
export const CPU_IDENTITY_MAPPINGS: IdentityMappingParams = {
  dataset: "mnist-embedded", downsample: 1, blocksPerStage: 3, widths: [16, 32, 64], seed: 0,
  epochs: 3, batchSize: 64, lr: 1e-3, optimizer: "adam", weightDecay: 1e-4, augment: false,
  variants: IDENTITY_VARIANTS, resultsDir: "results/identity-mappings-cpu",
};

/** The study's parameters at the scale the environment asks for (src/studies/scale.ts). */
export function identityMappingsAtScale(env: NodeJS.ProcessEnv = process.env): { scale: StudyScale; params: IdentityMappingParams } {
  return paramsAtScale({ quick: QUICK_IDENTITY_MAPPINGS, cpu: CPU_IDENTITY_MAPPINGS, full: () => FULL_IDENTITY_MAPPINGS_CIFAR }, "identity-mappings-", env);
}

/** Seed 004's Table 2 claim on this comparison's residual units (a)–(e). */
export function identityUnitsClaim(r: IdentityMappingResult, scale: StudyScale) {
  const units = r.runs.filter((x) => x.variant.shortcut === "identity").map((x) => ({ id: x.variant.id, testError: x.run.testError }));
  return seed004Claim(units, r.dataset.test.count, scale);
}

/** The trained comparison. */
export interface IdentityMappingResult {
  params: IdentityMappingParams;
  dataset: ImageDataset;
  runs: Array<{ variant: IdentityVariant; run: RunRecord; params: number }>;
  provenance(note?: string): Provenance;
}

/** Trains every variant (each in its own folder; stored runs are loaded, an interrupted one redone). */
export async function runIdentityMappings(p: IdentityMappingParams, opts: { live?: boolean } = {}): Promise<IdentityMappingResult> {
  const ds = await loadStudyDataset(p);
  const root = resolveResultsDir(p.resultsDir);
  const runs: IdentityMappingResult["runs"] = [];
  for (const variant of p.variants) {
    const config: IdentityMappingConfig = { inputShape: ds.shape, blocksPerStage: p.blocksPerStage, widths: p.widths, numClasses: ds.classes.length, seed: p.seed, unit: variant.unit, shortcut: variant.shortcut, ...variant.options };
    const dir = path.join(root, variant.id);
    let count = 0;
    await sweep({
      blocks: [p.blocksPerStage],
      seeds: [p.seed],
      dataset: ds,
      build: () => {
        const m = buildIdentityMappingResNet(config);
        count = m.countParams();
        return m;
      },
      train: recipeTrainOptions(p, `ResNet-${6 * p.blocksPerStage + 2} ${variant.id}`, opts.live ?? false),
      resultsDir: dir,
      measureImages: Math.min(200, ds.test.count),
    });
    if (!count) {
      const m = buildIdentityMappingResNet(config);
      count = m.countParams();
      m.dispose();
    }
    runs.push({ variant, run: readRun(dir, p.blocksPerStage, p.seed)!, params: count });
  }
  return {
    params: p,
    dataset: ds,
    runs,
    provenance: (note) => ({
      dataset: `${ds.name} (${ds.shape.join("×")}, ${ds.train.count.toLocaleString("en-US")} train / ${ds.test.count.toLocaleString("en-US")} test)`,
      model: `ResNet-${6 * p.blocksPerStage + 2} (He et al.'s unit and shortcut variants), widths ${p.widths.join("/")}`,
      seed: p.seed,
      epochs: p.epochs,
      backend: currentBackend()?.active ?? tf.getBackend(),
      note,
    }),
  };
}

/** One row per variant: final test error, the lowest training loss, and the parameter count. */
export function identityMappingTable(r: IdentityMappingResult) {
  return r.runs.map(({ variant, run, params }) => ({
    variant: variant.id,
    unit: variant.unit,
    shortcut: variant.shortcut,
    parameters: params,
    test_error_pct: Number((100 * run.testError).toFixed(2)),
    final_train_loss: Number(run.history[run.history.length - 1].trainLoss.toFixed(4)),
    diverged: run.stopped?.reason === "diverged",
  }));
}

/** One row of {@link paperComparisonTable}. */
export interface PaperComparisonRow {
  /** "Table 1" or "Table 2", and the row as the paper names it. */
  table: string;
  row: string;
  /** The paper's ResNet-110 (and, Table 2, ResNet-164) test error in %, or "fail" (above 20 %). */
  paper_resnet110: PaperError;
  paper_resnet164: PaperError | "";
  /** The variant trained here, its test error (%) and the paper's rule applied to it. */
  variant: string;
  this_run_error_pct: number | null;
  this_run: "fail" | "converged" | "not trained";
  /** The reproduction that disputes the gating rows, on those rows. */
  remark: string;
}

/**
 * The paper's Tables 1 and 2 (quoted in identity-mappings-paper.ts) next to this run: one row per
 * row of the paper, with the variant that reproduces it. "fail" applies the paper's rule (test
 * error above 20 %) to this run's error.
 */
export function paperComparisonTable(r: IdentityMappingResult): PaperComparisonRow[] {
  const byId = new Map(r.runs.map((x) => [x.variant.id, x.run]));
  return [...HE2016_TABLE1, ...HE2016_TABLE2].map((p: PaperRow) => {
    const run = p.variant ? byId.get(p.variant) : undefined;
    const pct = run ? Number((100 * run.testError).toFixed(2)) : null;
    return {
      table: `Table ${p.table}`,
      row: p.row,
      paper_resnet110: p.resnet110,
      paper_resnet164: p.resnet164 ?? "",
      variant: p.variant ?? "",
      this_run_error_pct: pct,
      this_run: pct === null ? "not trained" : pct > PAPER_FAIL_ABOVE_PCT || !Number.isFinite(pct) || run?.stopped?.reason === "diverged" ? "fail" : "converged",
      remark: /^(exclusive|shortcut-only) gating/.test(p.row) ? "disputed: see the reproduction below" : "",
    };
  });
}

/**
 * Where this run agrees with the paper and where it does not: does every Table 1 shortcut do worse
 * than the original unit (as in the paper), and do the units of Table 2 come in the paper's order?
 */
export function paperComparisonFinding(r: IdentityMappingResult): string {
  const rows = paperComparisonTable(r);
  const err = (variant: string) => rows.find((x) => x.variant === variant)?.this_run_error_pct ?? null;
  const base = err("unit-a-original");
  if (base === null) return "The original unit (a) was not trained, so nothing can be compared with the paper.";
  const t1 = rows.filter((x) => x.table === "Table 1" && x.variant && x.variant !== "unit-a-original" && x.this_run_error_pct !== null);
  const worse = t1.filter((x) => x.this_run_error_pct! > base);
  const paperFails = t1.filter((x) => x.paper_resnet110 === "fail");
  const bothFail = paperFails.filter((x) => x.this_run === "fail");
  const units = rows.filter((x) => x.table === "Table 2" && x.this_run_error_pct !== null);
  const order = (key: (x: PaperComparisonRow) => number) => {
    const sorted = [...units].sort((a, b) => key(a) - key(b));
    return sorted.map((x, i) => (i === 0 ? "" : key(x) === key(sorted[i - 1]) ? " = " : " < ") + x.variant.split("-")[1]).join("");
  };
  const paperOrder = order((x) => x.paper_resnet110 as number), ourOrder = order((x) => x.this_run_error_pct!);
  return `Table 1: in the paper every shortcut variant does worse than the original unit (${HE2016_TABLE1[0].resnet110}%); here ${worse.length} of ${t1.length} do worse than its ${base.toFixed(2)}%` +
    (worse.length < t1.length ? ` (not: ${t1.filter((x) => !worse.includes(x)).map((x) => x.variant).join(", ")})` : "") +
    `. Of the ${paperFails.length} rows the paper reports as "fail" (above ${PAPER_FAIL_ABOVE_PCT}%), ${bothFail.length} fail here too. ` +
    `Table 2, units by test error: paper ${paperOrder}; this run ${ourOrder}${paperOrder === ourOrder ? " (the same order)" : " (a different order)"}. ` + GATING_DISPUTE;
}

/** Compares each variant with the identity-shortcut original unit (a) of this run. */
export function identityMappingFinding(r: IdentityMappingResult): string {
  const base = r.runs.find((x) => x.variant.id === "unit-a-original");
  if (!base) return "The original unit (a) was not trained, so there is no baseline.";
  const worse = r.runs.filter((x) => x !== base && x.run.testError > base.run.testError);
  const lowest = Math.min(...r.runs.map((x) => x.run.testError));
  const bestAll = r.runs.filter((x) => x.run.testError === lowest);
  const best = bestAll.find((x) => x.variant.id === "unit-e-full-preactivation") ?? bestAll[0];
  const shortcuts = r.runs.filter((x) => x.variant.unit === "original" && x.variant.shortcut !== "identity");
  const shortcutWorse = shortcuts.filter((x) => x.run.testError > base.run.testError).length;
  return `Against the original unit with identity shortcuts (${(100 * base.run.testError).toFixed(2)}% test error), ${worse.length} of ${r.runs.length - 1} variants are worse; ` +
    `${shortcutWorse} of ${shortcuts.length} shortcut variants are worse (He et al.: every multiplicative shortcut hampers propagation). ` +
    `The best here: ${bestAll.map((x) => x.variant.id).join(" and ")} (${(100 * lowest).toFixed(2)}%)${best.variant.id === "unit-e-full-preactivation" ? (bestAll.length > 1 ? ", tied; He et al. find the full pre-activation unit (e) best" : ", the full pre-activation unit He et al. propose") : "; He et al. find the full pre-activation unit (e) best"}.`;
}

/** Test error per epoch, one line per variant (units solid, shortcut variants dashed). */
export function identityCurvesFigure(r: IdentityMappingResult): Figure {
  const traces: Trace[] = r.runs.map(({ variant, run }) => ({
    x: run.history.map((h) => h.epoch), y: run.history.map((h) => 100 * (1 - h.testAccuracy)),
    type: "scatter", mode: "lines+markers", name: variant.id, line: { dash: variant.shortcut === "identity" ? "solid" : "dash" },
  }));
  const epochs = Math.max(...r.runs.map((x) => x.run.history.length));
  return figure(traces, {
    layout: {
      title: { text: "He et al.'s variants: test error per epoch" },
      xaxis: { title: { text: "epoch" }, tickmode: "linear", tick0: 1, dtick: Math.max(1, Math.ceil(epochs / 10)) },
      yaxis: { title: { text: "test error (%)" } },
      legend: { orientation: "v", x: 1.02, xanchor: "left", y: 1 }, margin: { r: 260 },
    },
    provenance: r.provenance("solid: residual units with identity shortcuts; dashed: shortcut variants on the original unit"),
    height: 460,
  });
}
