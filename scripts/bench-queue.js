#!/usr/bin/env node
/**
 * The queue's overhead per run (issue 13, item 6): a real redis-server on a loopback port, one
 * `reslab worker`, and N small runs enqueued one at a time. For each run:
 *   enqueue-to-start    = when the processor began the run's work − when the job was added
 *   finish-to-recorded  = when BullMQ recorded the job completed − when the run's work ended
 * The first run includes the sandboxed child's start (node, tfjs, the backend); the others reuse
 * the child. Target: < 1 s each. Usage: node scripts/bench-queue.js [--runs N] [--json FILE]
 */
const { spawn, spawnSync } = require("child_process");
const fs = require("fs");
const { freePort } = require("./lib/free-port");
const os = require("os");
const path = require("path");
const root = path.resolve(__dirname, "..");
const { makePlan, planPerturbationSweep } = require(path.join(root, "dist/src/sweep/plan"));
const { checkRedis, enqueuePlan, openQueue } = require(path.join(root, "dist/src/sweep/queue"));
const { QUICK_STUDY } = require(path.join(root, "dist/src/studies/perturbation-study"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg("--runs", 6));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


async function main() {
  const redisBin = process.env.RESLAB_REDIS_SERVER || "redis-server";
  if (spawnSync(redisBin, ["--version"]).status !== 0) {
    console.log("queue overhead: skipped (redis-server is not installed: apt-get install redis-server)");
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-bench-queue-"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = spawn(redisBin, ["--port", String(port), "--bind", "127.0.0.1", "--dir", tmp, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  let worker;
  try {
    for (let i = 0; ; i++) {
      try {
        await checkRedis(url, 500);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await sleep(100);
      }
    }
    worker = spawn(process.execPath, [path.join(root, "bin/reslab"), "worker", "--queue", url, "--results", path.join(tmp, "results")], { stdio: ["ignore", "pipe", "inherit"] });
    let log = "";
    worker.stdout.on("data", (d) => (log += d));
    while (!/ready:/.test(log)) await sleep(50);
    // small runs of one family: L = 1, seeds 0…runs−1, one epoch on 100 digits
    const base = planPerturbationSweep({ ...QUICK_STUDY, trainN: 100, testN: 100, widths: [2, 4, 4], epochs: 1, measureImages: 50, blocks: [1], seeds: Array.from({ length: runs }, (_, i) => i), resultsDir: "" });
    const queue = openQueue(url);
    const rows = [];
    for (const entry of base.entries) {
      const plan = makePlan([entry.config]);
      await enqueuePlan(plan, url);
      let job;
      for (;;) {
        job = await queue.getJob(entry.id);
        if (job && job.finishedOn) break;
        await sleep(20);
      }
      const rv = job.returnvalue;
      rows.push({ seed: entry.config.seed, enqueueToStartMs: rv.startedAt - job.timestamp, finishToRecordedMs: job.finishedOn - rv.endedAt, runMs: rv.endedAt - rv.startedAt, backend: rv.backend });
    }
    await queue.close();
    const warm = rows.slice(1);
    console.log(`queue overhead per run (BullMQ on redis-server ${spawnSync(redisBin, ["--version"], { encoding: "utf8" }).stdout.match(/v=(\S+)/)?.[1]}, one worker, ${runs} runs on ${rows[0].backend}; target < 1000 ms):`);
    console.log("  run   enqueue→start ms   finish→recorded ms   run ms");
    for (const r of rows) console.log(`  ${String(r.seed).padStart(3)}   ${r.enqueueToStartMs.toFixed(0).padStart(15)}   ${r.finishToRecordedMs.toFixed(0).padStart(18)}   ${r.runMs.toFixed(0).padStart(6)}${r === rows[0] ? "   (cold: starts the sandboxed child)" : ""}`);
    const summary = {
      coldEnqueueToStartMs: rows[0].enqueueToStartMs,
      warmEnqueueToStartMsMedian: median(warm.map((r) => r.enqueueToStartMs)),
      finishToRecordedMsMedian: median(rows.map((r) => r.finishToRecordedMs)),
      targetMs: 1000,
      rows,
    };
    console.log(`  median warm enqueue→start ${summary.warmEnqueueToStartMsMedian.toFixed(0)} ms, finish→recorded ${summary.finishToRecordedMsMedian.toFixed(0)} ms, cold start ${summary.coldEnqueueToStartMs.toFixed(0)} ms (target < 1000 ms)`);
    const out = arg("--json");
    if (out) fs.writeFileSync(out, JSON.stringify(summary, null, 1));
    return summary;
  } finally {
    if (worker) worker.kill("SIGKILL");
    redis.kill("SIGTERM");
  }
}

if (require.main === module) main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
module.exports = { benchQueue: main };
