/**
 * The options that describe seed 000's sweep, shared by `reslab sweep plan` and `%sweep`, so both
 * build the same plan from the same words.
 */
import type { Command } from "commander";
import { FULL_STUDY_CIFAR, FULL_STUDY_MNIST, QUICK_STUDY, type StudyParams } from "../studies/perturbation-study";

const number = (name: string, opts: { integer?: boolean; min?: number } = {}) => (v: string) => {
  const n = Number(v);
  const min = opts.min ?? Number.MIN_VALUE;
  if (v.trim() === "" || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < min) {
    throw new Error(`${name} must be ${opts.integer ? "a whole number" : "a number"} ≥ ${opts.min ?? "> 0"}, got "${v}"`.replace("≥ > 0", "> 0"));
  }
  return n;
};
const numbers = (name: string, min: number) => (v: string) => v.split(",").map((x) => number(name, { integer: true, min })(x.trim()));

/** Adds the sweep's options to a command. */
export function sweepStudyOptions(cmd: Command): Command {
  return cmd
    .option("--full <dataset>", "start from the full study of seed 000 on mnist or cifar10 (default: the quick study)")
    .option("--blocks <list>", "blocks per section L, e.g. 1,2,4", numbers("--blocks", 1))
    .option("--seeds <list>", "seeds, e.g. 0,1,2", numbers("--seeds", 0))
    .option("--dataset <name>", "dataset name")
    .option("--n <N>", "training images kept (stratified; test: N/2, at least 100)", number("--n", { integer: true, min: 1 }))
    .option("--epochs <E>", "epochs per run", number("--epochs", { integer: true, min: 1 }))
    .option("--widths <list>", "section widths, e.g. 16,32,64", numbers("--widths", 1))
    .option("--batch <B>", "batch size", number("--batch", { integer: true, min: 1 }))
    .option("--lr <LR>", "learning rate", number("--lr"))
    .option("--optimizer <name>", "sgd, momentum or adam");
}

/** The study parameters the options describe (`resultsDir` is left to the caller). */
export function studyParamsFromOptions(o: Record<string, unknown>): StudyParams {
  const full = o.full === undefined ? undefined : String(o.full);
  if (full !== undefined && full !== "mnist" && full !== "cifar10") throw new Error(`--full must be mnist or cifar10, got "${full}"`);
  const base = full === "mnist" ? FULL_STUDY_MNIST : full === "cifar10" ? FULL_STUDY_CIFAR : QUICK_STUDY;
  const n = o.n as number | undefined;
  if (o.optimizer !== undefined && !["sgd", "momentum", "adam"].includes(String(o.optimizer))) throw new Error(`--optimizer must be sgd, momentum or adam, got "${o.optimizer}"`);
  return {
    ...base,
    ...(o.blocks ? { blocks: o.blocks as number[] } : {}),
    ...(o.seeds ? { seeds: o.seeds as number[] } : {}),
    ...(o.dataset ? { dataset: String(o.dataset) } : {}),
    ...(n ? { trainN: n, testN: Math.max(100, Math.floor(n / 2)) } : {}),
    ...(o.epochs ? { epochs: o.epochs as number } : {}),
    ...(o.widths ? { widths: o.widths as number[] } : {}),
    ...(o.batch ? { batchSize: o.batch as number } : {}),
    ...(o.lr ? { lr: o.lr as number } : {}),
    ...(o.optimizer ? { optimizer: o.optimizer as StudyParams["optimizer"] } : {}),
  };
}
