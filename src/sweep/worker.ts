/**
 * `reslab worker`: a BullMQ worker that pulls sweep jobs from Redis and runs each in a sandboxed
 * child process (processor.ts) into a results folder all workers share. Progress, completions and
 * failures are logged one line each; SIGTERM/SIGINT close it after the running jobs.
 */
import * as path from "path";
import { Worker, type Job } from "bullmq";
import { checkRedis, DEFAULT_QUEUE, redisOptions, type SweepJobData, type SweepProgress } from "./queue";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  url: string;
  resultsDir: string;
  /** Jobs run at once (one child process each; default 1). */
  concurrency?: number;
  /** BullMQ's lock duration and stalled-check interval in ms (default 30,000): how long a dead worker's job waits before another takes it. */
  lockMs?: number;
  name?: string;
  /** Where lines go (default stdout). */
  log?: (line: string) => void;
}

/** Starts a worker (after checking that Redis answers); resolves to it once it is running. */
export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  await checkRedis(opts.url);
  const log = opts.log ?? ((l: string) => process.stdout.write(l + "\n"));
  process.env.RESLAB_QUEUE_URL = opts.url;
  process.env.RESLAB_WORKER_RESULTS = path.resolve(opts.resultsDir);
  const lockMs = opts.lockMs ?? 30000;
  const worker = new Worker(opts.name ?? DEFAULT_QUEUE, path.join(__dirname, "processor.js"), {
    connection: redisOptions(opts.url),
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 3,
    useWorkerThreads: false,
  });
  const tag = (job: Job<SweepJobData> | undefined) => (job ? `${job.id} (L=${job.data.L}, seed=${job.data.seed})` : "?");
  worker.on("active", (job) => log(`[worker ${process.pid}] start ${tag(job)}, attempt ${job.attemptsMade + 1}`));
  worker.on("progress", (job, p) => {
    const q = p as SweepProgress;
    if (q && typeof q === "object") log(`[worker ${process.pid}] ${tag(job)} epoch ${q.epoch}/${q.epochs}`);
  });
  worker.on("completed", (job, rv) => log(`[worker ${process.pid}] done ${tag(job)}${(rv as { skipped?: boolean })?.skipped ? " (finished before: read, not redone)" : ""}, test error ${(rv as { testError?: number })?.testError}`));
  worker.on("failed", (job, err) => log(`[worker ${process.pid}] failed ${tag(job)}: ${err.message}`));
  let lastError = "";
  worker.on("error", (err) => {
    if (err.message !== lastError) log(`[worker ${process.pid}] Redis: ${err.message} (retrying)`);
    lastError = err.message;
  });
  await worker.waitUntilReady();
  log(`[worker ${process.pid}] ready: queue ${opts.name ?? DEFAULT_QUEUE} at ${opts.url}, results in ${process.env.RESLAB_WORKER_RESULTS}, concurrency ${opts.concurrency ?? 1}`);
  return worker;
}
