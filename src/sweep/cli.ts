/**
 * The sweep commands of `reslab`: plan, run (an array task), enqueue, status, and the worker.
 * Heavy modules (tfjs, the backends) load only in the commands that train.
 */
import * as path from "path";
import { Command } from "commander";
import { readPlan, planPerturbationSweep, writePlan } from "./plan";
import { sweepStudyOptions, studyParamsFromOptions } from "./study-options";
import { DEFAULT_QUEUE } from "./defaults";

const out = (line: string): void => void process.stdout.write(line + "\n");

export function registerSweepCommands(program: Command): void {
  const sweep = program.command("sweep").description("Sweeps as plans: write one, run an entry (array jobs), or hand it to a BullMQ queue on Redis");

  sweepStudyOptions(sweep.command("plan").description("Write the plan of seed 000's sweep (one entry per L and seed, each with a content id)"))
    .requiredOption("--out <file>", "plan file to write")
    .action((o: Record<string, unknown>) => {
      const plan = planPerturbationSweep({ ...studyParamsFromOptions(o), resultsDir: "" });
      writePlan(plan, String(o.out));
      out(`plan ${plan.planId}: ${plan.entries.length} runs (family ${plan.familyId}: ${plan.family.dataset}, widths ${plan.family.widths.join("/")}, ${plan.family.epochs} epochs) -> ${o.out}`);
    });

  sweep.command("run")
    .description("Run one entry of a plan (an array task): --index, or SLURM_ARRAY_TASK_ID, or JOB_COMPLETION_INDEX; a finished entry is not redone")
    .requiredOption("--plan <file>", "plan file")
    .option("--index <I>", "entry to run (default: the scheduler's array index)")
    .requiredOption("--results <dir>", "results folder (shared by all tasks of the plan)")
    .action(async (o: { plan: string; index?: string; results: string }) => {
      const plan = readPlan(o.plan);
      const { arrayIndex } = await import("./array-index");
      const index = arrayIndex(o.index);
      const { selectBackend } = await import("../backend/select");
      const { runPlanEntry, planEntry } = await import("./run-entry");
      const entry = planEntry(plan, index);
      const backend = await selectBackend();
      const res = await runPlanEntry(plan, entry, path.resolve(o.results), {
        onEpoch: (r, epochs) => out(`entry ${index} (${entry.id}) epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)}, test accuracy ${r.testAccuracy.toFixed(4)}`),
      });
      out(`entry ${index} (${entry.id}, L=${entry.config.L}, seed=${entry.config.seed}) ${res.skipped ? "was finished already: nothing to do" : `done on ${backend.active}`}; test error ${res.record.testError.toFixed(4)}`);
    });

  sweep.command("enqueue")
    .description("Add a plan's runs to the queue (job id = run id: enqueuing twice adds nothing)")
    .argument("<plan>", "plan file")
    .requiredOption("--queue <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .option("--results <dir>", "skip runs finished in this folder")
    .option("--name <queue>", "queue name", DEFAULT_QUEUE)
    .action(async (file: string, o: { queue: string; results?: string; name: string }) => {
      const { enqueuePlan } = await import("./queue");
      const r = await enqueuePlan(readPlan(file), o.queue, { resultsDir: o.results && path.resolve(o.results), name: o.name });
      out(`plan ${r.planId}: ${r.added} added, ${r.queued} already queued, ${r.finished} finished (not enqueued)`);
    });

  sweep.command("status")
    .description("The state of a plan's runs on the queue (without a plan: every job on it)")
    .argument("[plan]", "plan file")
    .requiredOption("--queue <url>", "Redis URL")
    .option("--name <queue>", "queue name", DEFAULT_QUEUE)
    .option("--json", "print JSON rows")
    .action(async (file: string | undefined, o: { queue: string; name: string; json?: boolean }) => {
      const { checkRedis, queueStatus, allJobsStatus } = await import("./queue");
      await checkRedis(o.queue);
      const rows = file ? await queueStatus(readPlan(file), o.queue, { name: o.name }) : await allJobsStatus(o.queue, { name: o.name });
      if (o.json) return out(JSON.stringify(rows));
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
      for (const r of rows) out(`${String(r.index).padStart(4)}  ${r.id}  L=${r.L} seed=${r.seed}  ${r.state}${r.progress ? ` (${r.progress})` : ""}${r.error ? `: ${r.error}` : ""}${r.testError !== null ? `  test error ${r.testError.toFixed(4)}` : ""}`);
      out(rows.length ? [...counts].map(([s, n]) => `${n} ${s}`).join(", ") : `no jobs on the queue ${o.name}`);
    });

  program.command("worker")
    .description("Pull sweep runs from a BullMQ queue on Redis and train them (each in a sandboxed child process)")
    .requiredOption("--queue <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .requiredOption("--results <dir>", "results folder all workers share")
    .option("--concurrency <N>", "runs at once", (v: string) => Number(v), 1)
    .option("--lock-ms <MS>", "lock duration and stalled-check interval: how soon a dead worker's run is retried", (v: string) => Number(v), 30000)
    .option("--name <queue>", "queue name", DEFAULT_QUEUE)
    .action(async (o: { queue: string; results: string; concurrency: number; lockMs: number; name: string }) => {
      if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error(`--concurrency must be a whole number ≥ 1, got ${o.concurrency}`);
      if (!(o.lockMs >= 1000)) throw new Error(`--lock-ms must be at least 1000, got ${o.lockMs}`);
      const { startWorker } = await import("./worker");
      const worker = await startWorker({ url: o.queue, resultsDir: o.results, concurrency: o.concurrency, lockMs: o.lockMs, name: o.name });
      const stop = async (signal: string) => {
        out(`[worker ${process.pid}] ${signal}: closing after the running jobs`);
        await worker.close();
        process.exit(0);
      };
      process.once("SIGTERM", () => void stop("SIGTERM"));
      process.once("SIGINT", () => void stop("SIGINT"));
    });
}
