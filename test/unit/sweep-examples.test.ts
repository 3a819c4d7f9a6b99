/**
 * The README's cluster examples: the sbatch array script run as Slurm runs it (bash, with
 * SLURM_ARRAY_TASK_ID set), and the Kubernetes Indexed Job manifest parsed and its container
 * command run as a pod runs it (JOB_COMPLETION_INDEX set). Uses dist/ (built by the test command).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planPerturbationSweep, writePlan } from "../../src/sweep/plan";
import { readRun } from "../../src/train/sweep";
import { QUICK_STUDY } from "../../src/studies/perturbation-study";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "reslab");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-examples-"));
const plan = planPerturbationSweep({ ...QUICK_STUDY, trainN: 100, testN: 100, widths: [2, 4, 4], epochs: 1, measureImages: 50, blocks: [1, 2], seeds: [0], resultsDir: "" });
const planFile = path.join(dir, "plan.json");
writePlan(plan, planFile);

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist", "kernel-ext", "cli.js"))) throw new Error("dist/ is not built: run `npm run build` (the test command does) first");
});

test("examples/slurm-sweep.sbatch: array task 1 runs entry 1 into the results folder; run again, it does nothing", () => {
  const results = path.join(dir, "slurm");
  const run = () => spawnSync("bash", [path.join(ROOT, "examples", "slurm-sweep.sbatch"), planFile, results], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "1", RESLAB: BIN }, encoding: "utf8" });
  const r = run();
  expect(r.status).toBe(0);
  expect(readRun(results, 2, 0)?.runId).toBe(plan.entries[1].id);
  expect(readRun(results, 1, 0)).toBeUndefined();
  expect(run().stdout).toContain("was finished already: nothing to do");
  const bare = spawnSync("bash", [path.join(ROOT, "examples", "slurm-sweep.sbatch")], { encoding: "utf8" });
  expect(bare.status).not.toBe(0);
  expect(bare.stderr).toMatch(/usage: sbatch --array=0-N/);
});

test("examples/k8s-indexed-job.yaml: an Indexed Job whose container runs `reslab sweep run` by JOB_COMPLETION_INDEX", () => {
  const py = spawnSync("python3", ["-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path.join(ROOT, "examples", "k8s-indexed-job.yaml")], { encoding: "utf8" });
  expect(py.status).toBe(0);
  const job = JSON.parse(py.stdout);
  expect(job).toMatchObject({ apiVersion: "batch/v1", kind: "Job", spec: { completionMode: "Indexed" } });
  const c = job.spec.template.spec.containers[0];
  expect(c.command.slice(0, 3)).toEqual(["reslab", "sweep", "run"]);
  expect(c.command).not.toContain("--index");
  const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
  expect(c.command[c.command.indexOf("--plan") + 1].startsWith(mounts.plan)).toBe(true);
  expect(c.command[c.command.indexOf("--results") + 1]).toBe(mounts.results);
  // the pod's command, with the mounts mapped to local folders
  const results = path.join(dir, "k8s");
  const args = c.command.slice(1).map((a: string) => (a === "/plan/plan.json" ? planFile : a === mounts.results ? results : a));
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, JOB_COMPLETION_INDEX: "0" }, encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(readRun(results, 1, 0)?.runId).toBe(plan.entries[0].id);
});
