/**
 * The sweep queue on a real Redis (Debian's redis-server, started here on a loopback port and
 * stopped after): two workers with one killed by SIGKILL mid-run, Redis restarted mid-run, an
 * invalid run among valid ones, an unreachable Redis, and the notebook's watcher. The workers are
 * the real `reslab worker` processes (dist/, built by the test command); their results are checked
 * against the array runner's (`reslab sweep run --index I`) on the same plan.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { makePlan, planPerturbationSweep, writePlan, type SweepPlan } from "../../src/sweep/plan";
import { checkRedis, enqueuePlan, queueStatus, type StatusRow } from "../../src/sweep/queue";
import { runPlanOnQueue } from "../../src/sweep/remote";
import { readRun, type RunRecord } from "../../src/train/sweep";
import { analysePerturbationStudy, QUICK_STUDY } from "../../src/studies/perturbation-study";
import { studyParamsOfPlan } from "../../src/sweep/plan";
import { RecordingSink, setDisplaySink, consoleSink } from "../../src/display/sink";

jest.setTimeout(400_000);
const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "reslab");
const REDIS = process.env.RESLAB_REDIS_SERVER ?? "redis-server";
const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `reslab-queue-${tag}-`));
const spawned: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, poll: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await poll();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A process in its own group, with its output collected. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  spawned.push(child);
  const p = { child, out: "", exit: new Promise<number | null>((r) => child.on("exit", (code) => r(code))) };
  child.stdout!.on("data", (d) => (p.out += d));
  child.stderr!.on("data", (d) => (p.out += d));
  return p;
}
const killGroup = (c: ChildProcess, signal: NodeJS.Signals = "SIGKILL") => {
  try {
    process.kill(-c.pid!, signal);
  } catch {
    /* gone already */
  }
};

class Redis {
  proc?: ChildProcess;
  constructor(readonly port: number, readonly dir: string) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start() {
    // append-only file, fsynced on every write: a restarted server has every job
    this.proc = spawn(REDIS, ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""], { stdio: "ignore", detached: true });
    spawned.push(this.proc);
    await waitFor("redis-server to answer", () => checkRedis(this.url, 500).then(() => true, () => false), 15_000);
  }
  async stop() {
    const p = this.proc!;
    const gone = new Promise((r) => p.on("exit", r));
    p.kill("SIGTERM");
    await gone;
  }
}

let redis: Redis;
beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, "dist", "src", "sweep", "processor.js"))) throw new Error("dist/ is not built: run `npm run build` (the test command does) before these tests");
  if (spawnSync(REDIS, ["--version"]).status !== 0) throw new Error(`${REDIS} is not installed: apt-get install redis-server (scripts/ensure-system.sh --redis does it)`);
  redis = new Redis(await freePort(), tmp("redis"));
  await redis.start();
});
afterAll(async () => {
  for (const c of spawned) killGroup(c);
});

const family = { ...QUICK_STUDY, trainN: 200, testN: 100, widths: [4, 8, 8], epochs: 3, measureImages: 100, resultsDir: "" };
const rows = (plan: SweepPlan) => queueStatus(plan, redis.url);
const allSettled = (rs: StatusRow[]) => rs.every((r) => r.state === "completed" || r.state === "failed") && rs;
const starts = (log: string, id: string) => log.split("\n").filter((l) => l.includes(`start ${id}`)).length;

/** Same numbers (within float32 round-off), run by different processes. */
function expectSameRun(a: RunRecord, b: RunRecord) {
  const nums = (r: RunRecord) => [r.testError, ...r.history.flatMap((h) => [h.trainLoss, h.trainAccuracy, h.testLoss, h.testAccuracy]), r.measures.distance, r.measures.scaledDistance, ...r.measures.sections.flatMap((s) => s.scaled)];
  const [x, y] = [nums(a), nums(b)];
  expect(x).toHaveLength(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(y[i]))));
  expect(a.backend).toBe(b.backend);
  expect(a.runId).toBe(b.runId);
}

test("two workers, one killed mid-run: its run is retried by the other, no finished run is redone, an invalid run fails alone, results equal the array runner's", async () => {
  const valid = planPerturbationSweep({ ...family, blocks: [1, 2], seeds: [0, 1] });
  const plan = makePlan([...valid.entries.map((e) => e.config), { ...valid.entries[0].config, L: 0 }]);
  const planFile = path.join(tmp("plan"), "plan.json");
  writePlan(plan, planFile);
  const shared = tmp("results");
  const add = await enqueuePlan(plan, redis.url);
  expect(add).toMatchObject({ added: 5, queued: 0 });
  expect(await enqueuePlan(plan, redis.url)).toMatchObject({ added: 0, queued: 5 }); // job id = run id

  const w1 = start(["worker", "--queue", redis.url, "--results", shared, "--lock-ms", "2000"]);
  await waitFor("worker 1 to be mid-run", () => /epoch 1\/3/.test(w1.out));
  const w2 = start(["worker", "--queue", redis.url, "--results", shared, "--lock-ms", "2000"]);
  const killedId = /start (\w{16}) \(L=\d+, seed=\d+\), attempt 1\n(?![\s\S]*done \1)/.exec(w1.out)?.[1];
  expect(killedId).toBeDefined();
  const doneBeforeKill = [...w1.out.matchAll(/done (\w{16})/g)].map((m) => m[1]);
  killGroup(w1.child);
  await w1.exit;
  const final = await waitFor("every run to complete or fail", async () => allSettled(await rows(plan)), 300_000);
  killGroup(w2.child, "SIGTERM");

  const bad = final.find((r) => r.L === 0)!;
  expect(bad.state).toBe("failed");
  expect(bad.error).toMatch(/L \(blocks per section\) must be a whole number ≥ 1, got 0/);
  expect(bad.attempts).toBe(1); // not retried: it cannot run
  expect(final.filter((r) => r.L !== 0).every((r) => r.state === "completed")).toBe(true);
  expect(w2.out).toContain(`done ${killedId}`); // the killed worker's run, taken over
  for (const id of doneBeforeKill) expect(starts(w2.out, id)).toBe(0); // finished runs are not redone
  for (const e of valid.entries) expect(starts(w1.out, e.id) + starts(w2.out, e.id)).toBe(e.id === killedId ? 2 : 1);

  // the array runner on the same plan, as a local pool of two processes
  const local = tmp("array");
  const indices = plan.entries.map((e) => e.index);
  const codes = new Map<number, number | null>();
  const pool = async () => {
    for (let i = indices.shift(); i !== undefined; i = indices.shift()) {
      const p = start(["sweep", "run", "--plan", planFile, "--index", String(i), "--results", local]);
      codes.set(i, await p.exit);
      if (i === 4) expect(p.out).toMatch(/cannot run: L \(blocks per section\) must be a whole number ≥ 1, got 0/);
    }
  };
  await Promise.all([pool(), pool()]);
  expect([...codes].sort((a, b) => a[0] - b[0]).map(([, c]) => c)).toEqual([0, 0, 0, 0, 1]);
  for (const e of valid.entries) expectSameRun(readRun(shared, e.config.L, e.config.seed)!, readRun(local, e.config.L, e.config.seed)!);
  // re-running a finished index does nothing
  const again = start(["sweep", "run", "--plan", planFile, "--index", "0", "--results", local]);
  expect(await again.exit).toBe(0);
  expect(again.out).toContain("was finished already: nothing to do");
});

test("Redis restarted mid-run: the worker reconnects and every run completes", async () => {
  const plan = planPerturbationSweep({ ...family, blocks: [1], seeds: [5, 6] });
  const shared = tmp("restart");
  await enqueuePlan(plan, redis.url);
  const w = start(["worker", "--queue", redis.url, "--results", shared, "--lock-ms", "3000"]);
  await waitFor("the worker to be mid-run", () => /epoch 1\/3/.test(w.out));
  await redis.stop();
  await new Promise((r) => setTimeout(r, 2000));
  await redis.start();
  const final = await waitFor("every run to complete", async () => allSettled(await rows(plan)), 300_000);
  killGroup(w.child, "SIGTERM");
  expect(final.map((r) => r.state)).toEqual(["completed", "completed"]);
  expect(w.out).toMatch(/Redis: .*\(retrying\)/);
  for (const e of plan.entries) expect(readRun(shared, e.config.L, e.config.seed)?.runId).toBe(e.id);
});

test("a worker pointed at an unreachable Redis says so and exits non-zero", async () => {
  const port = await freePort();
  const w = start(["worker", "--queue", `redis://127.0.0.1:${port}`, "--results", tmp("none")]);
  const code = await Promise.race([w.exit, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]);
  expect(code).toBe(1);
  expect(w.out).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`);
});

test("the notebook's watcher: one table updated in place until all runs are in, records copied to a folder the workers do not share", async () => {
  const plan = planPerturbationSweep({ ...family, epochs: 2, blocks: [1], seeds: [7, 8] });
  const shared = tmp("workers"), mine = tmp("notebook");
  const w = start(["worker", "--queue", redis.url, "--results", shared, "--lock-ms", "3000"]);
  const sink = new RecordingSink();
  setDisplaySink(sink);
  let final: StatusRow[];
  try {
    final = await runPlanOnQueue(plan, redis.url, { resultsDir: mine, intervalMs: 300 });
  } finally {
    setDisplaySink(consoleSink);
    killGroup(w.child, "SIGTERM");
  }
  expect(final.map((r) => r.state)).toEqual(["completed", "completed"]);
  const tables = sink.messages.filter((m) => "text/html" in m.data);
  expect(tables[0].update).toBe(false);
  expect(tables.slice(1).every((m) => m.update && m.displayId === tables[0].displayId)).toBe(true);
  expect(tables.length).toBeGreaterThan(2);
  expect(tables.some((m) => /active/.test(String(m.data["text/html"])) && /epoch 1\/2/.test(String(m.data["text/html"])))).toBe(true);
  expect(String(tables[tables.length - 1].data["text/plain"] ?? tables[tables.length - 1].data["text/html"])).toMatch(/2 completed/);
  const a = analysePerturbationStudy(studyParamsOfPlan(plan, mine)), b = analysePerturbationStudy(studyParamsOfPlan(plan, shared));
  expect(a.table.objects()).toEqual(b.table.objects());
});
