import { JUPYTER_DISPLAY, isDisplayable, validateBundle } from "../../src/display/mime";
import { display, toMimeBundle } from "../../src/display/display";
import { RecordingSink, setDisplaySink, consoleSink } from "../../src/display/sink";
import { figure, PLOTLY_MIME, resetPlotlySession } from "../../src/display/plotly";
import { ProgressBar } from "../../src/display/progress";
import { provenanceLine } from "../../src/display/provenance";
import { wrapProvenance } from "../../src/display/plotly";

const prov = { dataset: "MNIST (embedded)", model: "pre-act ResNet L=2", seed: 7, backend: "wasm" };

describe("Deno's Jupyter.display protocol", () => {
  test("objects with the symbol render through their own bundle", () => {
    const obj = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "hi", "text/html": "<b>hi</b>" }) };
    expect(isDisplayable(obj)).toBe(true);
    expect(toMimeBundle(obj)).toEqual({ "text/plain": "hi", "text/html": "<b>hi</b>" });
  });

  test("malformed bundles are rejected with a clear message", () => {
    expect(() => validateBundle([], "x")).toThrow(/must return an object of MIME type/);
    expect(() => validateBundle({}, "x")).toThrow(/empty/);
    expect(() => validateBundle({ html: "<b/>" }, "x")).toThrow(/"html" is not a MIME type/);
  });

  test("plain values fall back to text/plain", () => {
    expect(toMimeBundle({ a: 1 })).toEqual({ "text/plain": "{ a: 1 }" });
    expect(toMimeBundle("text")).toEqual({ "text/plain": "text" });
  });

  test("display() sends to the active sink, and updatable displays keep their id", () => {
    const sink = new RecordingSink();
    setDisplaySink(sink);
    try {
      const h = display({ [JUPYTER_DISPLAY]: () => ({ "text/plain": "v1" }) }, { updatable: true })!;
      h.update({ [JUPYTER_DISPLAY]: () => ({ "text/plain": "v2" }) });
      expect(sink.messages.map((m) => [m.data["text/plain"], m.update, m.displayId])).toEqual([
        ["v1", false, h.id],
        ["v2", true, h.id],
      ]);
    } finally {
      setDisplaySink(consoleSink);
    }
  });
});

describe("Plotly figures", () => {
  beforeEach(() => resetPlotlySession());

  test("a figure in an updatable display does not carry plotly.js: the library goes out first, on its own, and survives updates", () => {
    const sink = new RecordingSink();
    setDisplaySink(sink);
    try {
      const f = () => figure([{ y: [1, 2] }], { provenance: prov });
      const h = display(f(), { updatable: true })!;
      h.update(f());
      display(f());
      const html = sink.messages.map((m) => String(m.data["text/html"] ?? ""));
      const hasLib = html.map((t) => t.includes("window.Plotly") && t.length > 1e6);
      expect(hasLib).toEqual([true, false, false, false]);
      expect(sink.messages.map((m) => [m.update, m.displayId])).toEqual([[false, undefined], [false, h.id], [true, h.id], [false, undefined]]);
      expect(PLOTLY_MIME in sink.messages[0].data).toBe(false);
    } finally {
      setDisplaySink(consoleSink);
    }
  });

  test("a figure needs provenance", () => {
    expect(() => figure([{ y: [1, 2] }], { provenance: undefined as never })).toThrow(/provenance is required/);
    expect(() => figure([{ y: [1, 2] }], { provenance: { ...prov, dataset: "" } })).toThrow(/provenance.dataset/);
  });

  test("bundle: Plotly JSON + offline HTML; plotly.js is inlined once per session", () => {
    const f = figure([{ x: [0, 1], y: [2, 3], type: "scatter" }], { layout: { title: { text: "t" } }, provenance: prov });
    const first = f[JUPYTER_DISPLAY]();
    const json = first[PLOTLY_MIME] as { data: unknown[]; layout: { annotations: Array<{ text: string }> } };
    expect(json.data).toEqual([{ x: [0, 1], y: [2, 3], type: "scatter" }]);
    const note = json.layout.annotations.map((a) => a.text).join(" ");
    for (const part of ["MNIST (embedded)", "pre-act ResNet L=2", "seed: 7", "backend: wasm"]) expect(note).toContain(part);
    const html1 = String(first["text/html"]);
    expect(html1.length).toBeGreaterThan(1_000_000); // plotly.js itself
    expect(html1).toContain("Plotly.newPlot");
    expect(html1).not.toMatch(/<script[^>]+src=/); // nothing loaded from a CDN
    const html2 = String(f[JUPYTER_DISPLAY]()["text/html"]);
    expect(html2.length).toBeLessThan(10_000);
    expect(String(first["text/plain"])).toContain(provenanceLine(prov));
  });
});

describe("progress bar", () => {
  test("updates in place with rate and ETA, throttled, final state always drawn", () => {
    const sink = new RecordingSink();
    setDisplaySink(sink);
    let now = 0;
    try {
      const bar = new ProgressBar(10, { label: "epoch 1", unit: "batch", now: () => now, minIntervalMs: 100 });
      now = 2000;
      bar.update(5, { loss: 0.5 });
      now = 2050; // within the throttle window: not drawn
      bar.tick();
      now = 4000;
      bar.update(10);
      const texts = sink.messages.map((m) => String(m.data["text/plain"]));
      expect(sink.messages.map((m) => m.update)).toEqual([false, true, true]);
      expect(new Set(sink.messages.map((m) => m.displayId)).size).toBe(1);
      // 5 batches in 2 s: 2.5 batch/s, 5 left → 2 s
      expect(texts[1]).toBe("epoch 1:  50%|██████████          | 5/10 [00:02<00:02, 2.5 batch/s, loss=0.5]");
      expect(texts[2]).toContain("10/10 [00:04<00:00, 2.5 batch/s");
      expect(String(sink.messages[2].data["text/html"])).toContain('<progress value="10" max="10"');
    } finally {
      setDisplaySink(consoleSink);
    }
  });

  test("a non-positive total is refused", () => {
    expect(() => new ProgressBar(0)).toThrow(/total must be a positive number/);
  });
});

test("long provenance lines break at their separators, never inside a part", () => {
  const parts = ["dataset: " + "d".repeat(60), "model: " + "m".repeat(70), "seed: 0", "backend: wasm", "note: " + "n".repeat(200)];
  const lines = wrapProvenance(parts.join(" · "), 100);
  expect(lines).toEqual([parts[0], `${parts[1]} · ${parts[2]}`, parts[3], parts[4]]); // 77 + 10 ≤ 100 < 77 + 10 + 16
  expect(lines.join(" · ")).toBe(parts.join(" · "));
  expect(wrapProvenance("short · line", 100)).toEqual(["short · line"]);
});
