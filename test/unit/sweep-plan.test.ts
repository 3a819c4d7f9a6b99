/**
 * Sweeps as plans: content ids (SHA-256 of a canonical JSON written out here by hand), the plan
 * of seed 000's sweep, results folders bound to one family, the array index, and the entry runner
 * (finished runs read, partial ones redone, invalid ones refused).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { selectBackend } from "../../src/backend/select";
import { canonicalJson, checkPlan, contentId, makePlan, planPerturbationSweep, readPlan, writePlan, type RunConfig } from "../../src/sweep/plan";
import { bindResultsDir } from "../../src/sweep/results-dir";
import { arrayIndex } from "../../src/sweep/array-index";
import { InvalidRunError, planEntry, runPlanEntry } from "../../src/sweep/run-entry";
import { QUICK_STUDY, runPerturbationStudy } from "../../src/studies/perturbation-study";
import { QUICK_RECIPE, recipeTrainOptions } from "../../src/studies/recipe";
import { readRun, runDir } from "../../src/train/sweep";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "reslab-plan-"));
const tiny = { ...QUICK_STUDY, trainN: 100, testN: 100, widths: [2, 4, 4], epochs: 1, measureImages: 50, blocks: [1, 2], seeds: [0], resultsDir: "" };

beforeAll(() => selectBackend({ prefer: "wasm", strict: true }));

test("content ids: SHA-256 of the canonical JSON (keys sorted, undefined left out), the same for any key order", () => {
  const config = { study: "perturbation", seed: 1, L: 2, widths: [4, 8], trainN: undefined, dataset: "mnist-embedded" };
  const canonical = '{"L":2,"dataset":"mnist-embedded","seed":1,"study":"perturbation","widths":[4,8]}';
  expect(canonicalJson(config)).toBe(canonical);
  expect(contentId(config)).toBe(crypto.createHash("sha256").update(canonical).digest("hex").slice(0, 16));
  expect(contentId({ dataset: "mnist-embedded", widths: [4, 8], L: 2, study: "perturbation", seed: 1 })).toBe(contentId(config));
  expect(contentId({ ...config, seed: 2 })).not.toBe(contentId(config));
  expect(contentId({ ...config, widths: [8, 4] })).not.toBe(contentId(config));
});

test("the plan of seed 000's sweep: L-major then seeds; one run has one id whatever plan it is in; the file round-trips", () => {
  const plan = planPerturbationSweep({ ...tiny, blocks: [1, 2], seeds: [0, 3] });
  expect(plan.entries.map((e) => [e.index, e.config.L, e.config.seed])).toEqual([[0, 1, 0], [1, 1, 3], [2, 2, 0], [3, 2, 3]]);
  const other = planPerturbationSweep({ ...tiny, blocks: [2, 8], seeds: [3] });
  expect(other.entries[0].id).toBe(plan.entries[3].id); // L=2, seed 3 in both
  expect(other.familyId).toBe(plan.familyId);
  expect(other.planId).not.toBe(plan.planId);
  expect(planPerturbationSweep({ ...tiny, epochs: 2 }).familyId).not.toBe(plan.familyId);
  const dir = tmp(), file = path.join(dir, "plan.json");
  writePlan(plan, file);
  expect(readPlan(file)).toEqual(plan);
  const edited = JSON.parse(fs.readFileSync(file, "utf8"));
  edited.entries[1].config.seed = 9;
  expect(() => checkPlan(edited, "plan.json")).toThrow(/entry 1 does not match its configuration/);
  expect(() => checkPlan({ hello: 1 })).toThrow(/not a ResLab sweep plan/);
});

test("plans refuse what cannot run or does not belong together, with the reason", () => {
  expect(() => planPerturbationSweep({ ...tiny, dataset: "no-such-data" })).toThrow(/dataset "no-such-data" is not one of mnist-embedded/);
  expect(() => planPerturbationSweep({ ...tiny, blocks: [] })).toThrow(/blocks must list at least one L/);
  expect(() => planPerturbationSweep({ ...tiny, widths: [4, 0] })).toThrow(/widths must be whole numbers ≥ 1/);
  const [a, b] = planPerturbationSweep(tiny).entries.map((e) => e.config);
  expect(() => makePlan([a, { ...b, epochs: 7 }])).toThrow(/differs from run 0 in more than L and seed/);
  expect(() => makePlan([a, a])).toThrow(/runs 0 and 1 have the same configuration/);
});

test("a results folder holds one family: the same family binds again, another is refused naming what differs", () => {
  const dir = tmp();
  const plan = planPerturbationSweep(tiny);
  bindResultsDir(dir, plan);
  bindResultsDir(dir, planPerturbationSweep({ ...tiny, blocks: [4], seeds: [1, 2] })); // same family
  expect(() => bindResultsDir(dir, planPerturbationSweep({ ...tiny, epochs: 3 }))).toThrow(/holds the runs of another sweep \(epochs 3 in the plan vs 1 in the folder\)/);
});

test("the array index: --index, else SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX", () => {
  expect(arrayIndex("3", {})).toBe(3);
  expect(arrayIndex(undefined, { SLURM_ARRAY_TASK_ID: "5", JOB_COMPLETION_INDEX: "7" })).toBe(5);
  expect(arrayIndex(undefined, { JOB_COMPLETION_INDEX: "7" })).toBe(7);
  expect(arrayIndex("0", { SLURM_ARRAY_TASK_ID: "5" })).toBe(0);
  expect(() => arrayIndex(undefined, {})).toThrow(/no array index: pass --index I, or run under Slurm/);
  expect(() => arrayIndex("-1", {})).toThrow(/--index must be a whole number ≥ 0, got "-1"/);
  expect(() => planEntry(planPerturbationSweep(tiny), 2)).toThrow(/index 2 is not in the plan: it has 2 entries, indices 0…1/);
});

test("the entry runner: trains and records the run id, reads a finished run, redoes a partial one, refuses an invalid one", async () => {
  const dir = tmp();
  const plan = planPerturbationSweep(tiny);
  const first = await runPlanEntry(plan, plan.entries[0], dir);
  expect(first.skipped).toBe(false);
  expect(first.record.runId).toBe(plan.entries[0].id);
  expect(readRun(dir, 1, 0)?.history).toHaveLength(1);
  const again = await runPlanEntry(plan, plan.entries[0], dir);
  expect(again.skipped).toBe(true);
  expect(again.record.finishedAt).toBe(first.record.finishedAt);
  // an interrupted run: a folder with a checkpoint but no result.json
  fs.mkdirSync(path.join(runDir(dir, 2, 0), "checkpoint"), { recursive: true });
  fs.writeFileSync(path.join(runDir(dir, 2, 0), "checkpoint", "junk"), "x");
  const redone = await runPlanEntry(plan, plan.entries[1], dir);
  expect(redone.skipped).toBe(false);
  expect(fs.existsSync(path.join(runDir(dir, 2, 0), "checkpoint", "junk"))).toBe(false);
  const bad = makePlan([{ ...plan.entries[0].config, L: 0 } as RunConfig]);
  await expect(runPlanEntry(bad, bad.entries[0], tmp())).rejects.toThrow(InvalidRunError);
  await expect(runPlanEntry(bad, bad.entries[0], tmp())).rejects.toThrow(/L \(blocks per section\) must be a whole number ≥ 1, got 0/);
  // the local study runs the same plan: it reads these runs instead of training again
  const study = await runPerturbationStudy({ ...tiny, resultsDir: dir });
  expect(study.runs.map((r) => r.finishedAt)).toEqual([first.record.finishedAt, redone.record.finishedAt]);
  await expect(runPerturbationStudy({ ...tiny, epochs: 2, resultsDir: dir })).rejects.toThrow(/holds the runs of another sweep/);
});

test("a recipe's augmentation and schedule reach the plan, its id and the training of its runs", async () => {
  expect(recipeTrainOptions({ ...QUICK_RECIPE, augment: true }, "m", false).augment).toEqual({ pad: 4, flip: true });
  expect(recipeTrainOptions(QUICK_RECIPE, "m", false).augment).toBeUndefined();
  const light = recipeTrainOptions({ ...QUICK_RECIPE, augment: { pad: 2, flip: true }, schedule: { kind: "cosine" } }, "m", false);
  expect([light.augment, light.schedule]).toEqual([{ pad: 2, flip: true }, { kind: "cosine" }]);
  expect(() => recipeTrainOptions({ ...QUICK_RECIPE, augment: { pad: 1.5, flip: true } }, "m", false)).toThrow(/augment must be true, false or \{ pad: whole number ≥ 0, flip: boolean \}, got \{"pad":1.5,"flip":true\}/);
  expect(() => planPerturbationSweep({ ...tiny, augment: { pad: -1, flip: false } })).toThrow(/the sweep cannot run: augment must be/);

  const p = { ...tiny, blocks: [1], epochs: 2, augment: { pad: 2, flip: true }, schedule: { kind: "cosine" as const } };
  const plan = planPerturbationSweep(p);
  expect(plan.family).toMatchObject({ augment: { pad: 2, flip: true }, schedule: { kind: "cosine" } });
  expect(plan.familyId).not.toBe(planPerturbationSweep({ ...p, schedule: undefined }).familyId);
  expect(plan.familyId).not.toBe(planPerturbationSweep({ ...p, augment: false }).familyId);
  const dir = tmp();
  const { record } = await runPlanEntry(plan, plan.entries[0], dir);
  // cosine over 2 epochs from lr: lr, then lr · (1 + cos(π/2)) / 2
  expect(record.history.map((h) => h.lr)).toEqual([tiny.lr, expect.closeTo(tiny.lr / 2, 12)]);
  expect(record.config).toMatchObject({ augment: { pad: 2, flip: true }, schedule: { kind: "cosine" } });
  await expect(runPerturbationStudy({ ...p, schedule: undefined, resultsDir: dir })).rejects.toThrow(/holds the runs of another sweep/);
});
