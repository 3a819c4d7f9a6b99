/**
 * The gradient-flow magic (seeds 002 and 004): %gradflow MODEL DATA.
 * Parses, calls the library, displays; -o binds the result.
 */
import * as aq from "arquero";
import type { Command } from "commander";
import { batches } from "../../../src/data/batches";
import { channelStats, firstN } from "../../../src/data/transforms";
import { imageSize } from "../../../src/data/dataset";
import { gradientDecomposition, gradientNorms } from "../../../src/analysis/gradient-norms";
import { decompositionFigure, normsAlongFigure } from "../../../src/analysis/gradient-flow-figures";
import type { MagicSpec } from "../types";
import { modelAndData, modelDataArguments, modelProvenance, num, showTable } from "./session-args";

export const gradflowMagic: MagicSpec = {
  name: "gradflow",
  mode: "line",
  summary: "‖∂L/∂x_l‖ at every block input and ‖∂L/∂W‖ per layer of MODEL on DATA's first test images; --decompose adds seed 004's direct vs through-the-weights terms.",
  options(cmd: Command) {
    modelDataArguments(cmd);
    cmd.option("--n <N>", "test images in the batch (L is their mean cross-entropy)", num("--n", true), 64);
    cmd.option("--decompose", "also the decomposition ∂ε/∂x_l = ∂ε/∂x_L + (through the weights) per block of each stage");
  },
  run(call, ctx) {
    const { model, ds } = modelAndData(call, ctx);
    const split = firstN(ds.test, Math.min(call.opts.n as number, ds.test.count), imageSize(ds));
    const b = batches(ds, split, { batchSize: split.count, norm: channelStats(ds.train, ds.shape[2]) }).next().value!;
    try {
      const labels = Array.from(b.y.dataSync() as Int32Array | Float32Array, Number);
      const m = modelProvenance(model);
      const provenance = { dataset: `${ds.name} (first ${labels.length} test images, normalised by the training split)`, model: m.model, seed: m.seed };
      const norms = gradientNorms(model, { x: b.x, labels });
      ctx.display(normsAlongFigure([{ label: model.name, norms }], provenance));
      showTable(ctx, aq.from(norms.weights.map((w) => ({ layer: w.layer, shape: w.shape.join("×"), grad_norm: Number(w.gradNorm.toPrecision(4)) }))), `‖∂L/∂W‖ per layer (loss ${norms.loss.toFixed(4)})`);
      if (!call.opts.decompose) return norms;
      const decomposition = gradientDecomposition(model, { x: b.x, labels });
      ctx.display(decompositionFigure([{ label: model.name, rows: decomposition }], provenance));
      return { ...norms, decomposition };
    } finally {
      b.x.dispose();
      b.y.dispose();
    }
  },
};
