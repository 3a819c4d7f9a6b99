/**
 * A sweep run by the queue's workers, watched from a notebook: enqueue the plan, show one table of
 * its runs that updates in place (waiting / active with its epoch / completed / failed with the
 * error) until every run is in, then hand back what a local sweep returns. Records the workers
 * returned are written into the local results folder when it is not the workers' own.
 */
import * as fs from "fs";
import * as path from "path";
import * as aq from "arquero";
import { display } from "../display/display";
import { JUPYTER_DISPLAY } from "../display/mime";
import { tableBundle } from "../display/table";
import { readRun, runDir } from "../train/sweep";
import type { SweepPlan } from "./plan";
import { bindResultsDir } from "./results-dir";
import { completedRecords, enqueuePlan, openQueue, queueStatus, type StatusRow } from "./queue";

/** Options of {@link runPlanOnQueue}. */
export interface QueueRunOptions {
  /** The local results folder (the workers' shared folder, or any: returned records are copied in). */
  resultsDir: string;
  name?: string;
  /** Polling interval in ms (default 1,000). */
  intervalMs?: number;
  /** Show the status table (default true). */
  show?: boolean;
}

const caption = (plan: SweepPlan, rows: StatusRow[]) => {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return `plan ${plan.planId} on the queue: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`;
};

/**
 * Enqueues `plan` on `url`, watches it until every run is completed or failed, and makes sure each
 * completed run's record is in `resultsDir`. Throws, after the last update, when runs failed.
 */
export async function runPlanOnQueue(plan: SweepPlan, url: string, opts: QueueRunOptions): Promise<StatusRow[]> {
  bindResultsDir(opts.resultsDir, plan);
  await enqueuePlan(plan, url, { resultsDir: opts.resultsDir, name: opts.name });
  const queue = openQueue(url, opts.name);
  const finishedHere = (r: StatusRow) => !!readRun(opts.resultsDir, r.L, r.seed);
  const view = (rows: StatusRow[]) => ({
    [JUPYTER_DISPLAY]: () => tableBundle(aq.from(rows.map((r) => ({ index: r.index, id: r.id, L: r.L, seed: r.seed, state: finishedHere(r) && r.state === "not queued" ? "finished before" : r.state, progress: r.progress, attempts: r.attempts, test_error: r.testError, error: r.error }))), { caption: caption(plan, rows) }),
  });
  try {
    let rows = await queueStatus(plan, url, { queue });
    const handle = opts.show === false ? undefined : display(view(rows), { updatable: true });
    let last = JSON.stringify(rows);
    const done = (rs: StatusRow[]) => rs.every((r) => r.state === "completed" || r.state === "failed" || (r.state === "not queued" && finishedHere(r)));
    while (!done(rows)) {
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
      rows = await queueStatus(plan, url, { queue });
      const now = JSON.stringify(rows);
      if (now !== last) handle?.update(view(rows));
      last = now;
    }
    // records the workers wrote elsewhere: copy them in from the jobs' return values
    const records = await completedRecords(plan, queue);
    for (const e of plan.entries) {
      if (readRun(opts.resultsDir, e.config.L, e.config.seed) || !records.has(e.id)) continue;
      const dir = runDir(opts.resultsDir, e.config.L, e.config.seed);
      fs.mkdirSync(dir, { recursive: true });
      const tmp = path.join(dir, `result.json.tmp-${process.pid}`);
      fs.writeFileSync(tmp, JSON.stringify(records.get(e.id), null, 1));
      fs.renameSync(tmp, path.join(dir, "result.json"));
    }
    const failed = rows.filter((r) => r.state === "failed");
    if (failed.length) throw new Error(`${failed.length} of ${rows.length} runs failed on the queue: ${failed.map((r) => `L=${r.L} seed=${r.seed}: ${r.error}`).join("; ")}. The others are in ${opts.resultsDir}; fix the cause and run %sweep again (failed runs are retried).`);
    return rows;
  } finally {
    await queue.close();
  }
}
