/**
 * Sweeps on a job queue: BullMQ on Redis. `enqueuePlan` adds one job per plan entry with the
 * entry's content id as job id (enqueuing twice adds nothing; finished runs are skipped), and keeps
 * the plan itself in Redis for the workers; `queueStatus` reads the state of a plan's jobs.
 * Workers are in worker.ts, the sandboxed processor in processor.ts.
 */
import IORedis from "ioredis";
import { Queue, type Job, type RedisOptions } from "bullmq";
import { readRun } from "../train/sweep";
import { checkPlan, type SweepPlan } from "./plan";

import { DEFAULT_QUEUE } from "./defaults";
export { DEFAULT_QUEUE };

/** The Redis key of a plan (workers read it from there). */
export const planKey = (planId: string) => `reslab:plan:${planId}`;

/** What a job carries: the plan it belongs to and the entry. */
export interface SweepJobData {
  planId: string;
  index: number;
  id: string;
  L: number;
  seed: number;
}

/** ioredis options for a redis:// URL, as BullMQ wants them (no per-request retry limit). */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue "${url}" is not a Redis URL: write redis://HOST:PORT (e.g. redis://127.0.0.1:6379)`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`--queue "${url}" is not a Redis URL: write redis://HOST:PORT`);
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/**
 * Checks that Redis answers at `url` within `timeoutMs`; throws a message that says where it
 * looked and what to do.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new IORedis({ ...(redisOptions(url) as object), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let first: Error | undefined;
  client.on("error", (e: Error) => (first ??= e)); // the first error says why (ECONNREFUSED, ENOTFOUND …)
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
    ]);
  } catch (e) {
    const why = (first?.message || (e as Error).message || String(e)).replace(/\.+$/, "");
    throw new Error(`cannot reach Redis at ${url}: ${why}. Start a Redis server there (Debian: apt-get install redis-server) or correct --queue.`);
  } finally {
    client.disconnect();
  }
}

/** Runs `fn` with a plain Redis connection to `url`, closed after. */
export async function withRedis<T>(url: string, fn: (r: IORedis) => Promise<T>): Promise<T> {
  const r = new IORedis({ ...(redisOptions(url) as object), maxRetriesPerRequest: 3 });
  r.on("error", () => {}); // surfaced by the command that fails
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** The plan `planId` as enqueued (workers fetch it by id). */
export async function fetchPlan(url: string, planId: string): Promise<SweepPlan> {
  const text = await withRedis(url, (r) => r.get(planKey(planId)));
  if (!text) throw new Error(`plan ${planId} is not in Redis at ${url}: enqueue it again with \`reslab sweep enqueue plan.json --queue ${url}\``);
  return checkPlan(JSON.parse(text), `plan ${planId} (from Redis)`);
}

/** A BullMQ queue on `url` (close it when done). */
export function openQueue(url: string, name = DEFAULT_QUEUE): Queue {
  return new Queue(name, { connection: redisOptions(url) });
}

/** What {@link enqueuePlan} did. */
export interface EnqueueReport {
  planId: string;
  added: number;
  /** Entries whose job was in the queue already (any state). */
  queued: number;
  /** Entries finished in `resultsDir` (when given), not enqueued. */
  finished: number;
}

/**
 * Enqueues every entry of `plan` not finished in `resultsDir` (when given), with job id = run id.
 * Failed jobs of the plan are retried (moved back to waiting); completed ones stay.
 */
export async function enqueuePlan(plan: SweepPlan, url: string, opts: { resultsDir?: string; name?: string; attempts?: number } = {}): Promise<EnqueueReport> {
  checkPlan(plan);
  await checkRedis(url);
  const queue = openQueue(url, opts.name);
  try {
    await withRedis(url, (r) => r.set(planKey(plan.planId), JSON.stringify(plan)));
    const report: EnqueueReport = { planId: plan.planId, added: 0, queued: 0, finished: 0 };
    for (const e of plan.entries) {
      if (opts.resultsDir && readRun(opts.resultsDir, e.config.L, e.config.seed)?.runId === e.id) {
        report.finished++;
        continue;
      }
      const existing = await queue.getJob(e.id);
      if (existing) {
        report.queued++;
        if ((await existing.getState()) === "failed") await existing.retry();
        continue;
      }
      await queue.add(`L${e.config.L}-seed${e.config.seed}`, { planId: plan.planId, index: e.index, id: e.id, L: e.config.L, seed: e.config.seed }, {
        jobId: e.id,
        attempts: opts.attempts ?? 3,
        backoff: { type: "fixed", delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      });
      report.added++;
    }
    return report;
  } finally {
    await queue.close();
  }
}

/** A job's progress as the processor reports it. */
export interface SweepProgress {
  epoch: number;
  epochs: number;
  trainLoss?: number;
  testAccuracy?: number;
}

/** One row of {@link queueStatus}. */
export interface StatusRow {
  index: number;
  id: string;
  L: number;
  seed: number;
  /** BullMQ's state ("waiting", "active", "completed", "failed", "delayed", …) or "not queued". */
  state: string;
  /** "epoch 3/10" while active. */
  progress: string;
  attempts: number;
  /** The failure message of a failed job. */
  error: string;
  /** The run's test error once completed. */
  testError: number | null;
}

/** The state of every entry of `plan` on the queue, in plan order. */
export async function queueStatus(plan: SweepPlan, url: string, opts: { name?: string; queue?: Queue } = {}): Promise<StatusRow[]> {
  const queue = opts.queue ?? openQueue(url, opts.name);
  try {
    const rows: StatusRow[] = [];
    for (const e of plan.entries) {
      const job = (await queue.getJob(e.id)) as Job<SweepJobData> | undefined;
      const state = job ? await job.getState() : "not queued";
      const p = (job?.progress ?? null) as SweepProgress | null;
      const ret = job?.returnvalue as { testError?: number } | undefined;
      rows.push({
        index: e.index, id: e.id, L: e.config.L, seed: e.config.seed, state,
        progress: state === "active" && p && typeof p === "object" && p.epoch ? `epoch ${p.epoch}/${p.epochs}` : "",
        attempts: job?.attemptsMade ?? 0,
        error: state === "failed" ? job?.failedReason ?? "" : "",
        testError: state === "completed" && ret && typeof ret.testError === "number" ? ret.testError : null,
      });
    }
    return rows;
  } finally {
    if (!opts.queue) await queue.close();
  }
}

/** Every job on the queue (any plan), oldest first, as status rows. */
export async function allJobsStatus(url: string, opts: { name?: string } = {}): Promise<StatusRow[]> {
  const queue = openQueue(url, opts.name);
  try {
    const states = ["waiting", "active", "delayed", "prioritized", "waiting-children", "completed", "failed"] as const;
    const rows: StatusRow[] = [];
    for (const state of states) {
      for (const job of (await queue.getJobs([state])) as Array<Job<SweepJobData> | undefined>) {
        if (!job) continue;
        const p = job.progress as SweepProgress | null;
        const ret = job.returnvalue as { testError?: number } | undefined;
        rows.push({
          index: job.data.index, id: String(job.id), L: job.data.L, seed: job.data.seed, state,
          progress: state === "active" && p && typeof p === "object" && p.epoch ? `epoch ${p.epoch}/${p.epochs}` : "",
          attempts: job.attemptsMade ?? 0,
          error: state === "failed" ? job.failedReason ?? "" : "",
          testError: state === "completed" && ret && typeof ret.testError === "number" ? ret.testError : null,
        });
      }
    }
    return rows.sort((a, b) => a.index - b.index);
  } finally {
    await queue.close();
  }
}

/** The stored record of a completed job (its return value), for a client without the workers' folder. */
export async function completedRecords(plan: SweepPlan, queue: Queue): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const e of plan.entries) {
    const job = await queue.getJob(e.id);
    const rv = job?.returnvalue as { record?: unknown } | undefined;
    if (rv?.record) out.set(e.id, rv.record);
  }
  return out;
}
