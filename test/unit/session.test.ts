/**
 * The kernel's cell path end to end, without the network: a real tslab executor, the prelude,
 * magics mixed with TypeScript, -o binding, errors that leave the session alive.
 * Needs the compiled package (npm run build), as the kernel does.
 */
import { createSession } from "../../kernel-ext/kernel";
import { RecordingSink, setDisplaySink, consoleSink } from "../../src/display/sink";

type Session = Awaited<ReturnType<typeof createSession>>;

let session: Session;
const sink = new RecordingSink();

beforeAll(async () => {
  session = await createSession(process.cwd());
  setDisplaySink(sink);
});
afterAll(() => {
  setDisplaySink(consoleSink);
  session.convs.close();
});

async function run(code: string) {
  const out: string[] = [];
  const results: unknown[] = [];
  const outcome = await session.cells.execute(code, { stdout: (t) => void out.push(t), result: (v) => void results.push(v) });
  return { outcome, out: out.join(""), results };
}

test("the prelude gives every session reslab and tf", async () => {
  const r = await run("[typeof reslab.figure, tf.getBackend()]");
  expect(r.outcome).toEqual({ ok: true });
  expect(r.results[0]).toEqual(["function", session.report.tfName]);
});

test("magic lines run in order between TypeScript lines", async () => {
  const r = await run("let n = 20;\n%time let m = n * 2\nm + 1");
  expect(r.outcome.ok).toBe(true);
  expect(r.out).toMatch(/^CPU times: user .+, sys: .+, total: .+\nWall time: .+\n$/);
  expect(r.results).toEqual([41]);
});

test("-o binds a magic's result to a variable that later cells can use", async () => {
  expect((await run("%timeit -n 3 -r 2 -o tr m * 2")).outcome.ok).toBe(true);
  const r = await run("[tr.loops, tr.repeat, tr.timings.length]");
  expect(r.results).toEqual([[3, 2, 2]]);
  expect((await run("%memory -o mem")).outcome.ok).toBe(true);
  expect((await run("typeof mem.numTensors")).results).toEqual(["number"]);
});

test("timeit statements see earlier variables and keep their declarations local", async () => {
  const r = await run("%timeit -n 2 -r 1 const local = m + n; local");
  expect(r.outcome.ok).toBe(true);
  expect(r.out).toMatch(/per loop \(mean ± std\. dev\. of 1 run, 2 loops each\)/);
  expect((await run("typeof local")).outcome.ok).toBe(false); // not declared at top level
});

test("$name passes a session variable to a magic", async () => {
  const r = await run(`let which = "cpu";\n%backend $which\n%backend wasm`);
  expect(r.outcome.ok).toBe(true);
  const shown = sink.messages.slice(-2).map((m) => String(m.data["text/plain"]).split("\n")[0]);
  expect(shown).toEqual(['Active backend: cpu (tfjs "cpu")', 'Active backend: wasm (tfjs "wasm")']);
});

test("errors are reported once and the session survives them", async () => {
  const thrown = await run('throw new RangeError("bad L")');
  expect(thrown.outcome).toMatchObject({ ok: false, error: { ename: "RangeError", evalue: "bad L" } });
  const compile = await run('let s: number = "x"');
  expect(compile.outcome).toMatchObject({ ok: false, error: { ename: "CompileError" } });
  if (!compile.outcome.ok) expect(compile.outcome.error.evalue).toMatch(/^1:5 - Type 'string' is not assignable to type 'number'/);
  const unknown = await run("%tmie 1");
  expect(unknown.outcome).toMatchObject({ ok: false, error: { ename: "UsageError" } });
  if (!unknown.outcome.ok) expect(unknown.outcome.error.evalue).toContain("Did you mean %time?");
  // a failure stops the rest of the cell
  const stop = await run('throw new Error("first")\n%lsmagic');
  expect(stop.out).toBe("");
  expect((await run("n + 1")).results).toEqual([21]);
});

test("compile errors inside a cell magic body are reported with the cell's line numbers", async () => {
  const r = await run('%%time\nlet ok = 1;\nlet bad: number = "x";');
  expect(r.outcome.ok).toBe(false);
  if (!r.outcome.ok) expect(r.outcome.error.evalue).toMatch(/^3:5 - /);
  expect(r.out).toContain("Wall time:"); // %%time still reports how long it took
});

test("%name? prints usage and %lsmagic lists every magic", async () => {
  expect((await run("%backend?")).out).toContain("Usage: %backend [options] [name]");
  const ls = await run("%lsmagic");
  for (const name of ["%backend", "%lsmagic", "%memory", "%time", "%timeit", "%%time", "%%timeit"]) expect(ls.out).toContain(name);
});
