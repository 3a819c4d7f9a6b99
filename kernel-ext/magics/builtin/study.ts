/**
 * The perturbation study's magics (seed 000): %train, %sweep, %distances, %stoprule.
 * Each parses, calls the library, displays; -o binds the result.
 */
import * as aq from "arquero";
import * as tf from "@tensorflow/tfjs";
import type { Command } from "commander";
import { imageSize, type ImageDataset } from "../../../src/data/dataset";
import { batches } from "../../../src/data/batches";
import { channelStats, firstN } from "../../../src/data/transforms";
import { measurePerturbations } from "../../../src/analysis/measure";
import { stoppingRuleRows } from "../../../src/analysis/figures";
import { train } from "../../../src/train/train";
import { analysePerturbationStudy, runPerturbationStudy, studyResultsDir, type StudyResult } from "../../../src/studies/perturbation-study";
import { planPerturbationSweep } from "../../../src/sweep/plan";
import { sweepStudyOptions, studyParamsFromOptions } from "../../../src/sweep/study-options";
import { DEFAULT_QUEUE } from "../../../src/sweep/defaults";
import type { MagicSpec } from "../types";
import { list, modelAndData, modelDataArguments, num, showTable, variable } from "./session-args";


export const trainMagic: MagicSpec = {
  name: "train",
  mode: "line",
  summary: "Train MODEL on DATA (variables): live progress and curves; -o binds the history.",
  options(cmd: Command) {
    modelDataArguments(cmd);
    cmd.option("--epochs <E>", "epochs", num("--epochs", true), 1);
    cmd.option("--batch <B>", "batch size", num("--batch", true), 64);
    cmd.option("--lr <LR>", "learning rate", num("--lr"), 0.05);
    cmd.option("--optimizer <name>", "sgd, momentum or adam", "momentum");
    cmd.option("--wd <W>", "weight decay", (v: string) => Number(v), 5e-4);
    cmd.option("--seed <S>", "seed of order and augmentation", (v: string) => Number(v), 0);
  },
  async run(call, ctx) {
    const { model, ds } = modelAndData(call, ctx);
    const o = call.opts;
    return train(model, ds, { epochs: o.epochs as number, batchSize: o.batch as number, lr: o.lr as number, optimizer: o.optimizer as "momentum", weightDecay: o.wd as number, seed: o.seed as number });
  },
};

export const sweepMagic: MagicSpec = {
  name: "sweep",
  mode: "line",
  summary: "Run (or resume) the seed-000 sweep over L, here or on a BullMQ queue (--queue redis://HOST:PORT); shows the run table. Defaults: the quick study.",
  options(cmd: Command) {
    sweepStudyOptions(cmd);
    cmd.option("--dir <folder>", "results folder (default results/sweeps/<family id>)");
    cmd.option("--queue <url>", "run on the workers of this Redis queue (reslab worker --queue URL --results DIR); --dir should be their folder");
    cmd.option("--queue-name <name>", "queue name", DEFAULT_QUEUE);
  },
  async run(call, ctx) {
    const o = call.opts;
    const base = studyParamsFromOptions(o);
    const plan = planPerturbationSweep({ ...base, resultsDir: "" });
    const p = { ...base, resultsDir: o.dir ? String(o.dir) : `results/sweeps/${plan.familyId}` };
    if (o.queue) {
      const { runPlanOnQueue } = await import("../../../src/sweep/remote"); // loads the Redis client only when asked
      await runPlanOnQueue(plan, String(o.queue), { resultsDir: studyResultsDir(p), name: String(o.queueName) });
      const res = analysePerturbationStudy(p);
      showTable(ctx, res.table, `sweep of ${p.dataset} on the queue ${o.queue}, L ∈ {${p.blocks.join(", ")}}, seeds ${p.seeds.join(", ")} — ${p.resultsDir}`);
      return res;
    }
    const res = await runPerturbationStudy(p, { live: false });
    showTable(ctx, res.table, `sweep of ${p.dataset}, L ∈ {${p.blocks.join(", ")}}, seeds ${p.seeds.join(", ")} — ${p.resultsDir}`);
    return res;
  },
};

export const distancesMagic: MagicSpec = {
  name: "distances",
  mode: "line",
  summary: "Per-block perturbations and distances (seed 000) of MODEL on DATA's test split.",
  options(cmd: Command) {
    modelDataArguments(cmd);
    cmd.option("--n <N>", "test images used", num("--n", true), 1000);
  },
  run(call, ctx) {
    const { model, ds } = modelAndData(call, ctx);
    const split = firstN(ds.test, call.opts.n as number, imageSize(ds));
    const m = measurePerturbations(model, batches(ds, split, { batchSize: 100, norm: channelStats(ds.train, ds.shape[2]) }));
    const rows = m.sections.flatMap((s) => s.absolute.map((a, l) => ({ section: s.section + 1, block: l, relative_depth: l / s.absolute.length, perturbation: a, scaled_perturbation: s.scaled[l] })));
    showTable(ctx, aq.from(rows), `${model.name} on ${ds.name} test (${m.images} images): d = ${m.distance.toFixed(3)}, d_scaled = ${m.scaledDistance.toFixed(3)}, mean scaled = ${m.meanScaled.toFixed(4)}`);
    return m;
  },
};

export const stopruleMagic: MagicSpec = {
  name: "stoprule",
  mode: "line",
  summary: "The stopping rule L = ceil(d_scaled/ε) per section, next to the empirical depth, from a sweep (-o of %sweep).",
  options(cmd: Command) {
    cmd.argument("<study>", "a study variable (from %sweep -o NAME)");
    cmd.option("--eps <E>", "ε", num("--eps"), 0.1);
  },
  run(call, ctx) {
    const study = variable<StudyResult>(ctx, call.args[0], "STUDY", (v) => !!v && Array.isArray((v as StudyResult).runs));
    const rows = stoppingRuleRows(study.runs, call.opts.eps as number);
    const t = aq.from(rows);
    showTable(ctx, t, `stopping rule, ε = ${call.opts.eps}`);
    return t;
  },
};
