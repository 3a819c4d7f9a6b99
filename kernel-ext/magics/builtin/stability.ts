/**
 * The stability study's magics (seed 001): %jacobian, %spectrum, %perturb.
 * Each parses, calls the library, displays; -o binds the result.
 */
import * as aq from "arquero";
import * as tf from "@tensorflow/tfjs";
import type { Command } from "commander";
import type { ImageDataset } from "../../../src/data/dataset";
import { channelStats } from "../../../src/data/transforms";
import { unitJacobian } from "../../../src/analysis/linearize";
import { taylorTest } from "../../../src/analysis/taylor";
import type { SpectrumOptions } from "../../../src/analysis/unit-spectrum";
import { comparePerturbations } from "../../../src/analysis/propagation";
import { propagationFigure, screeFigure, taylorFigure } from "../../../src/analysis/stability-figures";
import { pickTestImages, spectrumAt } from "../../../src/studies/stability-study";
import { MagicError, type MagicContext, type MagicRun, type MagicSpec } from "../types";
import { isDataset, isModel, modelAndData, modelDataArguments, modelProvenance, num, showTable, variable } from "./session-args";

/** MODEL UNIT plus where the input image comes from: --data DATA [--image I], or --input TENSOR. */
function unitArguments(cmd: Command): void {
  cmd.argument("<model>", "a model variable").argument("<unit>", 'a residual unit "s1.b2" or a stage "s2"');
  cmd.option("--data <DATA>", "a dataset variable: the input is one of its correctly classified test images");
  cmd.option("--image <I>", "which of those images (0 = the first)", (v: string) => Number(v), 0);
  cmd.option("--input <TENSOR>", "a tensor variable [1, H, W, C] (normalised) to linearise at, instead of --data");
}

interface UnitInput {
  model: tf.LayersModel;
  unit: string;
  image: tf.Tensor4D;
  provenance: { dataset: string; model: string; seed: number | string; note?: string };
}

/** Runs `f` on the magic's MODEL, UNIT and input image, then releases the image. */
function withUnitInput<T>(call: MagicRun, ctx: MagicContext, f: (input: UnitInput) => T): T {
  const input = unitInput(call, ctx);
  try {
    return f(input);
  } finally {
    input.image.dispose();
  }
}

function unitInput(call: MagicRun, ctx: MagicContext): UnitInput {
  const model = variable<tf.LayersModel>(ctx, call.args[0], "MODEL", isModel);
  const unit = String(call.args[1]);
  const o = call.opts;
  if (o.input !== undefined) {
    const t = variable<tf.Tensor>(ctx, o.input, "INPUT", (v) => v instanceof tf.Tensor);
    if (t.rank !== 4 || t.shape[0] !== 1) throw new MagicError(`--input must be one image [1, H, W, C]; got shape [${t.shape.join(", ")}]`);
    return { model, unit, image: t.clone() as tf.Tensor4D, provenance: { dataset: `--input ${String(o.input)}`, ...modelProvenance(model) } };
  }
  if (o.data === undefined) throw new MagicError("say where the input image comes from: --data DATA [--image I] or --input TENSOR");
  const ds = variable<ImageDataset>(ctx, o.data, "DATA", isDataset);
  const i = o.image as number;
  if (!Number.isInteger(i) || i < 0) throw new MagicError(`--image must be a whole number ≥ 0, got ${String(o.image)}`);
  const picked = pickTestImages(model, ds, channelStats(ds.train, ds.shape[2]), i + 1);
  if (picked.indices.length <= i) {
    picked.images.dispose();
    throw new MagicError(`the model classifies only ${picked.indices.length} test images of ${ds.name} correctly; --image ${i} does not exist`);
  }
  const image = tf.slice(picked.images, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
  picked.images.dispose();
  return { model, unit, image, provenance: { dataset: `${ds.name} test image #${picked.indices[i]}`, ...modelProvenance(model) } };
}

export const jacobianMagic: MagicSpec = {
  name: "jacobian",
  mode: "line",
  summary: "The Jacobian of a residual unit or stage of MODEL at an image (J·v, Jᵀ·u); --taylor runs the Jacobian test.",
  options(cmd: Command) {
    unitArguments(cmd);
    cmd.option("--taylor", "run the seed's Jacobian (Taylor) test and plot it");
  },
  run(call, ctx) {
    return withUnitInput(call, ctx, ({ model, unit, image, provenance }) => {
      const J = unitJacobian(model, unit, image);
      const n = J.inShape.reduce((a, b) => a * b, 1), m = J.outShape.reduce((a, b) => a * b, 1);
      showTable(ctx, aq.from([{ unit, input: `[${J.inShape.join("×")}]`, output: `[${J.outShape.join("×")}]`, n, m }]), `J of ${unit} at ${provenance.dataset}: J.jvp(V [k, ${J.inShape.join(", ")}]), J.vjp(U [k, ${J.outShape.join(", ")}]); dispose with J.dispose()`);
      if (call.opts.taylor) {
        const t = taylorTest(model, unit, image);
        ctx.display(taylorFigure(t.rows, `Jacobian test of ${unit}: ${t.passed ? "passed" : "not passed"}`, provenance));
        ctx.print(t.explanation + "\n");
      }
      return J;
    });
  },
};

export const spectrumMagic: MagicSpec = {
  name: "spectrum",
  mode: "line",
  summary: "Singular values of a unit's or stage's Jacobian: --k K (Lanczos), --full (dense SVD) or --density (SLQ); scree plot + proportions.",
  options(cmd: Command) {
    unitArguments(cmd);
    cmd.option("--k <K>", "the K largest singular values by Lanczos", num("--k", true));
    cmd.option("--full", "every singular value, by a dense SVD (units up to a few thousand dimensions)");
    cmd.option("--density", "a spectral density by stochastic Lanczos quadrature (any size)");
    cmd.option("--probes <P>", "SLQ probe vectors", num("--probes", true), 8);
    cmd.option("--steps <S>", "Lanczos steps per SLQ probe", num("--steps", true), 60);
  },
  run(call, ctx) {
    const o = call.opts;
    const chosen = [o.k !== undefined && "--k", o.full && "--full", o.density && "--density"].filter(Boolean);
    if (chosen.length > 1) throw new MagicError(`choose one of --k, --full, --density (got ${chosen.join(" and ")})`);
    const opts: SpectrumOptions = { method: o.full ? "dense" : o.density ? "density" : o.k !== undefined ? "topk" : "auto", k: o.k as number | undefined, probes: o.probes as number, steps: o.steps as number };
    return withUnitInput(call, ctx, ({ model, unit, image, provenance }) => {
      const s = spectrumAt(model, unit, image, opts);
      const probes = s.density ? `SLQ: ${s.density.probes} Rademacher probes, seed ${s.density.seed}` : undefined;
      ctx.display(screeFigure([{ kind: "unit", stage: 0, unit, spectra: [s] }], { ...provenance, note: probes }, `Singular values of the Jacobian of ${unit}`));
      if (s.proportions) {
        showTable(ctx, aq.from(s.proportions.map((p) => ({ bin: p.label, proportion: p.estimate, ...(s.method !== "dense" ? { "± 2 SE": 2 * p.stdError } : {}) }))), `${unit}: ${s.method}, n = ${s.n}, ${s.products} products, ${s.seconds.toFixed(2)} s`);
      }
      return s;
    });
  },
};

export const perturbMagic: MagicSpec = {
  name: "perturb",
  mode: "line",
  summary: "Propagate FGSM and same-size random perturbations of DATA's test images through MODEL, unit by unit (seed 001 Fig. 3).",
  options(cmd: Command) {
    modelDataArguments(cmd);
    cmd.option("--fgsm <EPS>", "FGSM ε in pixel units (0–1), or an ascending ladder a,b,c: each image takes the smallest that flips it", (v: string) => v.split(",").map((x) => num("--fgsm")(x.trim())), [0.01, 0.02, 0.05, 0.1]);
    cmd.option("--images <N>", "correctly classified test images used", num("--images", true), 5);
    cmd.option("--seed <S>", "seed of the random perturbations", (v: string) => Number(v), 0);
  },
  run(call, ctx) {
    const { model, ds } = modelAndData(call, ctx);
    const o = call.opts;
    const norm = channelStats(ds.train, ds.shape[2]);
    const picked = pickTestImages(model, ds, norm, o.images as number);
    try {
      const res = comparePerturbations(model, picked.images, picked.labels, o.fgsm as number[], norm, o.seed as number);
      tf.dispose([res.deltas.adversarial, res.deltas.random]);
      const m = modelProvenance(model);
      const provenance = { dataset: `${ds.name} test images #${picked.indices.join(", #")}`, model: m.model, seed: m.seed, note: `random-noise seed ${o.seed as number}` };
      ctx.display(propagationFigure(res.random, res.adversarial, provenance, res.fgsm.eps));
      showTable(ctx, aq.from(picked.indices.map((idx, b) => ({ image: idx, label: picked.labels[b], eps: res.fgsm.eps[b], flipped: res.fgsm.flipped[b], delta_norm: res.fgsm.norms[b] }))), "FGSM per image (ε in pixel units; ‖δ‖ in normalised units)");
      return { fgsm: res.fgsm, adversarial: res.adversarial, random: res.random, indices: picked.indices };
    } finally {
      picked.images.dispose();
    }
  },
};
