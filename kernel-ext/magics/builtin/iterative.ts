/**
 * The iterative-inference study's magics (seed 003): %align, %dropblocks, %unroll.
 * Each parses, calls the library, displays a figure and a table with a finding; -o binds the result.
 */
import * as aq from "arquero";
import type { Command } from "commander";
import { dropBlockAccuracy, gradientAlignment, intermediateAccuracy, unrollLastBlock, blockChangeRatios, type ProbeData } from "../../../src/analysis/iterative-inference";
import { cosineFigure, dropFigure, intermediateFigure, ratioFigure, unrollFigure } from "../../../src/analysis/iterative-figures";
import { cosineFinding, dropFinding, intermediateFinding, ratioFinding, unrollFinding } from "../../../src/studies/iterative-findings";
import type { Provenance } from "../../../src/display/provenance";
import type { MagicContext, MagicRun, MagicSpec } from "../types";
import { MagicError } from "../types";
import { modelAndData, modelDataArguments, modelProvenance, num, showTable } from "./session-args";

/** MODEL DATA, plus how many test images the measure runs on. */
function probeArguments(cmd: Command): void {
  modelDataArguments(cmd);
  cmd.option("--n <N>", "test images measured (the first N of the test split)", num("--n", true), 500);
  cmd.option("--batch <B>", "images per pass", num("--batch", true), 100);
}

function probeOf(call: MagicRun, ctx: MagicContext) {
  const { model, ds } = modelAndData(call, ctx);
  const n = Math.min(call.opts.n as number, ds.test.count);
  const probe: ProbeData = { dataset: ds, split: "test", limit: n };
  const m = modelProvenance(model);
  const provenance: Provenance = { dataset: `${ds.name} (first ${n} test images, normalised by the training split)`, model: m.model, seed: m.seed };
  return { model, probe, provenance, batchSize: call.opts.batch as number };
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(4)));

export const alignMagic: MagicSpec = {
  name: "align",
  mode: "line",
  summary: "Per block of MODEL on DATA: cos(F_j, ∂L/∂h_j) (seed 003 Fig. 3), ‖F‖/‖h‖ (Fig. 5), eq. 2 checked where the head reads h_j; --intermediate adds Fig. 6.",
  options(cmd: Command) {
    probeArguments(cmd);
    cmd.option("--intermediate", "also the final classifier applied at every hook point it accepts (Fig. 6)");
  },
  run(call, ctx) {
    const { model, probe, provenance, batchSize } = probeOf(call, ctx);
    const alignment = gradientAlignment(model, probe, { batchSize });
    const ratios = blockChangeRatios(model, probe, { batchSize });
    ctx.display(cosineFigure([{ label: model.name, rows: alignment }], provenance));
    ctx.display(ratioFigure([{ label: model.name, rows: ratios }], provenance));
    showTable(ctx, aq.from(alignment.map((r, i) => ({
      block: r.name, transition: r.transition, cos_mean: fmt(r.cosine?.mean), cos_sd: fmt(r.cosine?.std), ratio: fmt(ratios[i].ratio),
      head_cos: fmt(r.headCosine?.mean), first_order: fmt(r.firstOrder), actual_change: fmt(r.actualChange),
    }))), `${cosineFinding(alignment, model.name)} ${ratioFinding(ratios, model.name)}`);
    const result: Record<string, unknown> = { alignment, ratios };
    if (call.opts.intermediate) {
      const intermediate = intermediateAccuracy(model, probe, { batchSize });
      ctx.display(intermediateFigure([{ label: model.name, rows: intermediate }], provenance));
      ctx.print(intermediateFinding(intermediate, model.name) + "\n");
      result.intermediate = intermediate;
    }
    return result;
  },
};

export const dropblocksMagic: MagicSpec = {
  name: "dropblocks",
  mode: "line",
  summary: "Accuracy and loss of MODEL on DATA with each block removed on its own (seed 003 Fig. 4).",
  options(cmd: Command) {
    probeArguments(cmd);
  },
  run(call, ctx) {
    const { model, probe, provenance, batchSize } = probeOf(call, ctx);
    const drop = dropBlockAccuracy(model, probe, { batchSize });
    ctx.display(dropFigure(drop, model.name, provenance));
    showTable(ctx, aq.from(drop.rows.map((r) => ({ block: r.name, transition: r.transition, accuracy: fmt(r.accuracy), loss: fmt(r.loss), cost: fmt(drop.baseline.accuracy - r.accuracy) }))), dropFinding(drop, model.name));
    return drop;
  },
};

export const unrollMagic: MagicSpec = {
  name: "unroll",
  mode: "line",
  summary: "MODEL's last block applied K more times, h ← h + s·F(h): accuracy, loss, entropy on DATA (seed 003 Fig. 7).",
  options(cmd: Command) {
    probeArguments(cmd);
    cmd.option("--steps <K>", "extra applications", num("--steps", true), 20);
    cmd.option("--scale <S>", "step scale s, or a list s1,s2,… to compare", (v: string) => v.split(",").map((x) => num("--scale")(x.trim())), [1]);
  },
  run(call, ctx) {
    const { model, probe, provenance, batchSize } = probeOf(call, ctx);
    const scales = call.opts.scale as number[];
    if (!scales.length) throw new MagicError("--scale needs at least one number");
    const byScale = scales.map((scale) => ({ scale, rows: unrollLastBlock(model, probe, { steps: call.opts.steps as number, scale, batchSize }) }));
    ctx.display(unrollFigure(byScale, model.name, provenance));
    showTable(ctx, aq.from(byScale.flatMap(({ scale, rows }) => rows.map((r) => ({ s: scale, k: r.k, accuracy: fmt(r.accuracy), loss: fmt(r.loss), entropy: fmt(r.entropy) })))), unrollFinding(byScale, model.name));
    return byScale;
  },
};
