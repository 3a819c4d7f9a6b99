/**
 * Argument helpers shared by the study magics: positive numbers, lists, and session variables
 * (a model or a dataset named bare or as $name).
 */
import * as tf from "@tensorflow/tfjs";
import type { Command } from "commander";
import type { ImageDataset } from "../../../src/data/dataset";
import { basicResNetConfig } from "../../../src/models/basic-resnet";
import * as aq from "arquero";
import { tableBundle } from "../../../src/display/table";
import { JUPYTER_DISPLAY } from "../../../src/display/mime";
import { MagicError, type MagicContext } from "../types";

export const num = (name: string, integer = false) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n <= 0) throw new MagicError(`${name} must be a positive ${integer ? "whole " : ""}number, got "${v}"`);
  return n;
};
export const list = (name: string) => (v: string) => v.split(",").map((x) => num(name, true)(x.trim()));

/** A variable of the session named bare or as $name (already expanded by the registry). */
export function variable<T>(ctx: MagicContext, arg: unknown, what: string, check: (v: unknown) => boolean): T {
  const value = typeof arg === "string" && /^[A-Za-z_$][\w$]*$/.test(arg) && arg in ctx.locals ? ctx.locals[arg] : arg;
  if (!check(value)) throw new MagicError(`${what}: "${typeof arg === "string" ? arg : typeof arg}" is not ${what === "MODEL" ? "a tfjs LayersModel" : "a dataset (from %data or reslab.data.loadDataset)"} in this session`);
  return value as T;
}
export const isModel = (v: unknown) => !!v && typeof (v as tf.LayersModel).predict === "function" && Array.isArray((v as tf.LayersModel).layers);
export const isDataset = (v: unknown) => !!v && typeof v === "object" && "train" in (v as object) && "shape" in (v as object);
/** The MODEL DATA argument pair of %train and %distances. */
export function modelDataArguments(cmd: Command): void {
  cmd.argument("<model>", "a model variable").argument("<data>", "a dataset variable");
}
export function modelAndData(call: { args: unknown[] }, ctx: MagicContext): { model: tf.LayersModel; ds: ImageDataset } {
  return {
    model: variable<tf.LayersModel>(ctx, call.args[0], "MODEL", isModel),
    ds: variable<ImageDataset>(ctx, call.args[1], "DATA", isDataset),
  };
}

/** Shows an arquero table with a caption in the cell. */
export const showTable = (ctx: MagicContext, table: ReturnType<typeof aq.from>, caption: string) => ctx.display({ [JUPYTER_DISPLAY]: () => tableBundle(table, { caption }) });

/**
 * What a figure's provenance says about a model variable: its configuration and initialiser seed
 * when a ResLab builder made it, else its name and size (the seed is then unknown).
 */
export function modelProvenance(model: tf.LayersModel): { model: string; seed: number | string } {
  try {
    const c = basicResNetConfig(model);
    return { model: `${model.name} (post-activation BasicBlock), widths ${(c.widths ?? [16, 32, 64]).join("/")}, input ${c.inputShape.join("×")}`, seed: c.seed ?? 0 };
  } catch {
    return { model: `${model.name} (${model.countParams().toLocaleString("en-US")} parameters)`, seed: "unknown (model not built by buildBasicResNet)" };
  }
}
