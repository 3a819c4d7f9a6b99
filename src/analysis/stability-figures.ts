/**
 * The figures of seed 001 from the stability study's data: scree plots (Fig. 1), proportions of
 * singular values per unit (Fig. 2), propagated perturbations (Fig. 3), projections onto singular
 * vectors with predicted vs actual change (Fig. 4), skip scaling and weight interpolation
 * (Fig. 5), and the Jacobian (Taylor) test.
 */
import { figure, type Figure, type Trace } from "../display/plotly";
import type { Provenance } from "../display/provenance";
import type { Alignment, Propagation } from "./propagation";
import { screeCurve, type UnitSpectrum } from "./unit-spectrum";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
/** Seed 001 Fig. 2's colours: >1.01 red, ≈1 blue, (0, 0.99) orange, 0 green. */
const BIN_COLOURS = ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c"];

const axis = (i: number) => (i === 0 ? "" : String(i + 1));

function methodNote(spectra: UnitSpectrum[]): string {
  const kinds = [...new Set(spectra.map((s) => s.method))];
  const words: Record<string, string> = {
    dense: "dense SVD",
    "topk+density": "top k by Lanczos + SLQ density (bulk approximate)",
    topk: "top k by Lanczos",
    density: "SLQ density (approximate)",
  };
  return `spectra: ${kinds.map((k) => words[k]).join(", ")}`;
}

/** One panel's spectra: a network component at several images. */
export interface ScreeRow {
  /** "unit" (a regular unit), "first unit" (down-sampling in stages after the first) or "stage". */
  kind: string;
  stage: number;
  unit: string;
  spectra: UnitSpectrum[];
}

/** Fig. 1: scree plots, rows = unit kind, columns = stages; one line per image. */
export function screeFigure(rows: ScreeRow[], provenance: Provenance, title = "Singular values of residual-unit and stage Jacobians, several images overlaid (Fig. 1)"): Figure {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const stages = Math.max(...rows.map((r) => r.stage)) + 1;
  const traces: Trace[] = [];
  const layout: Record<string, unknown> = { title: { text: title }, grid: { rows: kinds.length, columns: stages, pattern: "independent" } };
  rows.forEach((r) => {
    const i = kinds.indexOf(r.kind) * stages + r.stage;
    r.spectra.forEach((s, b) => {
      const c = screeCurve(s);
      // log axes cannot show exact zeros: stages drop σ below 1e-6·σ₁ (numerical zeros)
      const keep = r.kind === "stage" ? c.sigma.map((v) => v > 1e-6 * c.sigma[0]) : c.sigma.map(() => true);
      traces.push({ x: c.index.filter((_, i) => keep[i]), y: c.sigma.filter((_, i) => keep[i]), type: "scatter", mode: "lines", name: `image ${b + 1}`, legendgroup: `img${b}`, showlegend: i === 0, line: { color: PALETTE[b % PALETTE.length], width: 1.5 }, opacity: 0.8, xaxis: `x${axis(i)}`, yaxis: `y${axis(i)}` });
    });
    layout[`xaxis${axis(i)}`] = { title: { text: `${r.unit} (${r.kind === "first unit" && r.stage > 0 ? "first unit, down-sampling" : r.kind}) — index` } };
    layout[`yaxis${axis(i)}`] = { title: { text: r.stage === 0 ? "σ" : "" }, ...(r.kind === "stage" ? { type: "log" } : {}) };
  });
  const all = rows.flatMap((r) => r.spectra);
  const note = [provenance.note, methodNote(all), kinds.includes("stage") ? "stages: σ < 1e-6·σ₁ not drawn" : ""].filter(Boolean).join(" · ");
  return figure(traces, { layout, provenance: { ...provenance, note }, height: 260 * kinds.length + 80 });
}

/** Fig. 2: proportion of singular values >1.01, in [0.99, 1.01], in (0, 0.99) and ≈0, for every unit. */
export function proportionsFigure(units: Array<{ unit: string; stage: number; spectrum: UnitSpectrum }>, provenance: Provenance): Figure {
  const stages = Math.max(...units.map((u) => u.stage)) + 1;
  const traces: Trace[] = [];
  const layout: Record<string, unknown> = { title: { text: "Proportions of singular values per residual unit (Fig. 2)" }, grid: { rows: 1, columns: stages, pattern: "independent" } };
  for (let s = 0; s < stages; s++) {
    const us = units.filter((u) => u.stage === s && u.spectrum.proportions);
    const labels = us[0]?.spectrum.proportions!.map((p) => p.label) ?? [];
    labels.forEach((label, k) => {
      const ps = us.map((u) => u.spectrum.proportions![k]);
      const approximate = ps.some((p) => p.stdError !== undefined && p.stdError > 0);
      traces.push({
        x: us.map((u) => u.unit), y: ps.map((p) => p.estimate), type: "scatter", mode: "lines+markers", name: label, legendgroup: label, showlegend: s === 0,
        line: { color: BIN_COLOURS[k % 4], width: k === 0 ? 3 : 1.5 }, marker: { color: BIN_COLOURS[k % 4] },
        ...(approximate ? { error_y: { type: "data", array: ps.map((p) => 2 * (p.stdError ?? 0)), visible: true } } : {}),
        xaxis: `x${axis(s)}`, yaxis: `y${axis(s)}`,
      });
    });
    layout[`xaxis${axis(s)}`] = { title: { text: `stage ${s + 1}: unit` } };
    layout[`yaxis${axis(s)}`] = { title: { text: s === 0 ? "proportion of singular values" : "" }, range: [0, 1] };
  }
  return figure(traces, { layout, provenance: { ...provenance, note: [provenance.note, methodNote(units.map((u) => u.spectrum)), "error bars ±2 SE over SLQ probes"].filter(Boolean).join(" · ") }, height: 420 });
}

/** Stage boundaries as vertical lines between unit indices. */
function stageShapes(units: string[]) {
  const shapes: Record<string, unknown>[] = [];
  units.forEach((u, i) => {
    if (i > 0 && /\.b0$/.test(u)) shapes.push({ type: "line", xref: "x", yref: "paper", x0: i - 0.5, x1: i - 0.5, y0: 0, y1: 1, line: { color: "#aaa", dash: "dot" } });
  });
  return shapes;
}

/** Fig. 3: RMS propagated perturbation at every unit, random (top) and FGSM (bottom), one line per image. */
export function propagationFigure(random: Propagation, adversarial: Propagation, provenance: Provenance, eps?: number[]): Figure {
  const traces: Trace[] = [];
  const x = random.units.map((_, i) => i);
  for (const [row, p] of [random, adversarial].entries()) {
    p.values.forEach((v, b) => traces.push({ x, y: v, type: "scatter", mode: "lines", name: `image ${b + 1}${eps ? ` (ε=${eps[b].toFixed(3)})` : ""}`, legendgroup: `img${b}`, showlegend: row === 1, line: { color: PALETTE[b % PALETTE.length] }, xaxis: row ? "x2" : "x", yaxis: row ? "y2" : "y" }));
  }
  const ticks = { tickvals: x, ticktext: random.units, tickangle: -60, tickfont: { size: 9 } };
  const shapes = stageShapes(random.units);
  return figure(traces, {
    layout: {
      title: { text: "Propagated perturbations ‖x_k(x+δ) − x_k(x)‖/√size: random (top) vs FGSM (bottom) (Fig. 3)" },
      grid: { rows: 2, columns: 1, pattern: "independent" },
      xaxis: ticks, xaxis2: { ...ticks, title: { text: "after unit" } },
      yaxis: { title: { text: "random" }, type: "log" }, yaxis2: { title: { text: "FGSM" }, type: "log" },
      shapes: [...shapes, ...shapes.map((s) => ({ ...s, xref: "x2" }))],
    },
    provenance: { ...provenance, note: [provenance.note, "random = uniform noise scaled to each image's FGSM ‖δ‖"].filter(Boolean).join(" · ") },
    height: 640,
  });
}

/**
 * Fig. 4: actual vs linearised change ‖δx_{k+1}‖/‖δx_k‖ per unit (top), and |α_i| = |⟨δx_k, v_i⟩|/‖δx_k‖
 * with the singular values σ_i for up to four units (bottom).
 */
export function alignmentFigure(adversarial: Alignment[], random: Alignment[], provenance: Provenance): Figure {
  const units = adversarial.map((a) => a.unit);
  const traces: Trace[] = [
    { x: units, y: adversarial.map((a) => a.actual), type: "scatter", mode: "lines+markers", name: "FGSM: actual", line: { color: "#d62728" } },
    { x: units, y: adversarial.map((a) => a.predicted), type: "scatter", mode: "lines+markers", name: "FGSM: linearised ‖Jδ‖/‖δ‖", line: { color: "#d62728", dash: "dash" } },
    { x: units, y: random.map((a) => a.actual), type: "scatter", mode: "lines+markers", name: "random: actual", line: { color: "#1f77b4" } },
    { x: units, y: random.map((a) => a.predicted), type: "scatter", mode: "lines+markers", name: "random: linearised", line: { color: "#1f77b4", dash: "dash" } },
  ];
  const shown = adversarial.filter((_, i, all) => all.length <= 4 || i % Math.ceil(all.length / 4) === Math.ceil(all.length / 4) - 1 || i === all.length - 1).slice(-4);
  const layout: Record<string, unknown> = {
    title: { text: "Perturbations through the last stage: actual vs linearised change, and projections on right singular vectors (Fig. 4)" },
    xaxis: { title: { text: "unit" }, domain: [0, 1] },
    yaxis: { title: { text: "‖δx_{k+1}‖ / ‖δx_k‖" }, domain: [0.58, 1] },
  };
  shown.forEach((a, j) => {
    const i = j + 2;
    const r = random.find((q) => q.unit === a.unit);
    const idx = a.sigma.map((_, q) => q + 1);
    traces.push({ x: idx, y: a.alpha.map(Math.abs), type: "bar", name: "|α_i| FGSM", legendgroup: "aA", showlegend: j === 0, marker: { color: "#d62728" }, xaxis: `x${i}`, yaxis: `y${i}` });
    if (r) traces.push({ x: idx, y: r.alpha.map(Math.abs), type: "bar", name: "|α_i| random", legendgroup: "aR", showlegend: j === 0, marker: { color: "#1f77b4" }, xaxis: `x${i}`, yaxis: `y${i}` });
    traces.push({ x: idx, y: a.sigma, type: "scatter", mode: "lines", name: "σ_i", legendgroup: "s", showlegend: j === 0, line: { color: "#333" }, xaxis: `x${i}`, yaxis: `y${i + shown.length}` });
    const w = 1 / shown.length;
    layout[`xaxis${i}`] = { title: { text: `${a.unit}: i` }, domain: [j * w + 0.02, (j + 1) * w - 0.06], anchor: `y${i}` };
    layout[`yaxis${i}`] = { title: { text: j === 0 ? "|α_i|" : "" }, domain: [0, 0.4], anchor: `x${i}` };
    layout[`yaxis${i + shown.length}`] = { overlaying: `y${i}`, side: "right", showgrid: false, title: { text: j === shown.length - 1 ? "σ_i" : "" }, anchor: `x${i}` };
  });
  return figure(traces, { layout: { ...layout, barmode: "group" }, provenance, height: 640 });
}

/** Fig. 5, left: scree plots of one unit for several skip scales α (dotted line at each α). */
export function skipScaleFigure(rows: Array<{ alpha: number; spectrum: UnitSpectrum }>, unit: string, provenance: Provenance): Figure {
  const curves = rows.map((r) => screeCurve(r.spectrum));
  const traces: Trace[] = rows.map((r, k) => ({ x: curves[k].index, y: curves[k].sigma, type: "scatter", mode: "lines", name: `α = ${r.alpha}`, line: { color: PALETTE[k % PALETTE.length] } }));
  const n = Math.max(...curves.map((c) => c.index.at(-1) ?? 1));
  const shapes = rows.map((r, k) => ({ type: "line", x0: 1, x1: n, y0: r.alpha, y1: r.alpha, line: { color: PALETTE[k % PALETTE.length], dash: "dot", width: 1 } }));
  return figure(traces, { layout: { title: { text: `Spectrum of ${unit} with the skip connection scaled by α (Fig. 5, left)` }, xaxis: { title: { text: "index" } }, yaxis: { title: { text: "σ" } }, shapes }, provenance: { ...provenance, note: [provenance.note, methodNote(rows.map((r) => r.spectrum))].filter(Boolean).join(" · ") } });
}

/** Fig. 5, right: histograms of a unit's singular values with weights θ̂(t) = tθ + (1−t)η. */
export function interpolationFigure(rows: Array<{ t: number; spectrum: UnitSpectrum }>, unit: string, provenance: Provenance): Figure {
  const traces: Trace[] = rows.map((r, k) => {
    const c = screeCurve(r.spectrum, 400);
    return { x: c.sigma, type: "histogram", name: `t = ${r.t}`, opacity: 0.55, xbins: { size: 0.05 }, histnorm: "probability", marker: { color: PALETTE[k % PALETTE.length] } };
  });
  return figure(traces, {
    layout: { title: { text: `Singular values of ${unit} with weights tθ + (1−t)η, ‖η‖ = ‖θ‖ (Fig. 5, right)` }, barmode: "overlay", xaxis: { title: { text: "σ" } }, yaxis: { title: { text: "fraction of singular values" } } },
    provenance: { ...provenance, note: [provenance.note, methodNote(rows.map((r) => r.spectrum))].filter(Boolean).join(" · ") },
  });
}

/** The Jacobian (Taylor) test: ‖change‖ and ‖residual‖ against ε on log-log axes, with slope-1 and slope-2 guides. */
export function taylorFigure(rows: Array<{ epsilon: number; change: number; residual: number }>, title: string, provenance: Provenance): Figure {
  const eps = rows.map((r) => r.epsilon);
  const guide = (p: number, y0: number) => eps.map((e) => y0 * (e / eps[0]) ** p);
  return figure(
    [
      { x: eps, y: rows.map((r) => r.change), type: "scatter", mode: "lines+markers", name: "‖R(x+εδ) − R(x)‖", line: { color: "#1f77b4" } },
      { x: eps, y: rows.map((r) => r.residual), type: "scatter", mode: "lines+markers", name: "‖R(x+εδ) − R(x) − εJδ‖", line: { color: "#d62728" } },
      { x: eps, y: guide(1, rows[0].change), type: "scatter", mode: "lines", name: "slope 1", line: { color: "#1f77b4", dash: "dot", width: 1 } },
      { x: eps, y: guide(2, rows[0].residual), type: "scatter", mode: "lines", name: "slope 2", line: { color: "#d62728", dash: "dot", width: 1 } },
    ],
    { layout: { title: { text: title }, xaxis: { title: { text: "ε" }, type: "log" }, yaxis: { title: { text: "norm" }, type: "log" } }, provenance },
  );
}
