/**
 * The queue's sandboxed processor: BullMQ runs it in a child process of the worker, so a training
 * step never blocks the worker's lock renewals. It trains one plan entry into the worker's results
 * folder (RESLAB_WORKER_RESULTS), reporting progress after every epoch, and returns a summary with
 * the run record. Invalid configurations fail at once, without retries.
 */
import type { SandboxedJob } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { selectBackend } from "../backend/select";
import type { SweepPlan } from "./plan";
import { fetchPlan, type SweepJobData, type SweepProgress } from "./queue";
import { InvalidRunError, planEntry, runPlanEntry } from "./run-entry";

// the worker died (SIGKILL, lost machine): stop training rather than run on as an orphan
process.on("disconnect", () => process.exit(1));

let backend: Promise<unknown> | undefined;
const plans = new Map<string, Promise<SweepPlan>>();

/** What a completed job returns. */
export interface SweepJobResult {
  id: string;
  index: number;
  L: number;
  seed: number;
  skipped: boolean;
  testError: number;
  backend: string;
  /** ms since the epoch: when this attempt started and ended its work. */
  startedAt: number;
  endedAt: number;
  record: unknown;
}

export default async function processSweepJob(job: SandboxedJob<SweepJobData>): Promise<SweepJobResult> {
  const url = process.env.RESLAB_QUEUE_URL, results = process.env.RESLAB_WORKER_RESULTS;
  if (!url || !results) throw new UnrecoverableError("the processor runs under `reslab worker`, which sets RESLAB_QUEUE_URL and RESLAB_WORKER_RESULTS");
  backend ??= selectBackend();
  await backend;
  const { planId, index } = job.data;
  let planP = plans.get(planId);
  if (!planP) {
    planP = fetchPlan(url, planId);
    planP.catch(() => plans.delete(planId));
    plans.set(planId, planP);
  }
  const plan = await planP;
  const entry = planEntry(plan, index);
  if (entry.id !== job.data.id) throw new UnrecoverableError(`job ${job.id}: entry ${index} of plan ${planId} has id ${entry.id}, not ${job.data.id}`);
  try {
    const out = await runPlanEntry(plan, entry, results, {
      onEpoch: (r, epochs) => job.updateProgress({ epoch: r.epoch, epochs, trainLoss: r.trainLoss, testAccuracy: r.testAccuracy } satisfies SweepProgress),
    });
    return { id: entry.id, index, L: entry.config.L, seed: entry.config.seed, skipped: out.skipped, testError: out.record.testError, backend: out.record.backend, startedAt: out.startedAt, endedAt: out.endedAt, record: out.record };
  } catch (e) {
    if (e instanceof InvalidRunError || /results folder .* holds the runs of another sweep/.test((e as Error).message)) throw new UnrecoverableError((e as Error).message);
    throw e;
  }
}
