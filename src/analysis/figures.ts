/**
 * The figures of seed 000, from sweep runs: test error vs L (Fig. 1), per-block perturbations
 * over relative depth (Figs. 2 and 5), distances vs L (Figs. 3 and 6) and mean perturbation vs L
 * on log-log axes with a fitted slope (Figs. 4 and 7). Values are means over seeds.
 */
import { integerAxis, integerLogAxis } from "../display/axes";
import { figure, type Figure, type Trace } from "../display/plotly";
import type { Provenance } from "../display/provenance";
import type { RunRecord } from "../train/sweep";
import { fitPowerLaw } from "./loglog";
import { crossingDepth, empiricalDepth, predictedDepth } from "./stopping-rule";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

/** Runs grouped by L (ascending). */
export function byDepth(runs: RunRecord[]): Array<{ L: number; runs: RunRecord[] }> {
  const m = new Map<number, RunRecord[]>();
  for (const r of runs) m.set(r.L, [...(m.get(r.L) ?? []), r]);
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([L, rs]) => ({ L, runs: rs }));
}

/** Provenance of a sweep: dataset, model, seeds, epochs and backend from its runs. */
export function sweepProvenance(runs: RunRecord[], model: string, note?: string): Provenance {
  if (runs.length === 0) throw new Error("no runs to plot: run the sweep first");
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  return {
    dataset: runs[0].dataset,
    model: `${model}, L ∈ {${byDepth(runs).map((g) => g.L).join(", ")}}`,
    seed: seeds,
    epochs: runs[0].config.epochs,
    backend: [...new Set(runs.map((r) => r.backend))].join("/"),
    note,
  };
}

/** Fig. 1: test error vs blocks per section (mean ± std over seeds). */
export function testErrorFigure(runs: RunRecord[], provenance: Provenance): Figure {
  const g = byDepth(runs);
  return figure(
    [{ x: g.map((d) => d.L), y: g.map((d) => mean(d.runs.map((r) => r.testError))), error_y: { type: "data", array: g.map((d) => std(d.runs.map((r) => r.testError))), visible: true }, type: "scatter", mode: "lines+markers", name: "test error" }],
    { layout: { title: { text: "Test error vs blocks per section (Fig. 1)" }, xaxis: integerAxis("blocks per section L", g.map((d) => d.L)), yaxis: { title: { text: "test error" } } }, provenance },
  );
}

/** Plotly's default palette, so the same L has the same colour in every panel. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const SECTION_AXES = (k: number) => ({ x: k === 0 ? "x" : `x${k + 1}`, y: k === 0 ? "y" : `y${k + 1}` });

function sectionLayout(title: string, sections: number, xTitle: string, yTitle: string, extra: Record<string, unknown> = {}) {
  const layout: Record<string, unknown> = { title: { text: title }, grid: { rows: 1, columns: sections, pattern: "independent" }, ...extra };
  for (let k = 0; k < sections; k++) {
    const sfx = k === 0 ? "" : String(k + 1);
    layout[`xaxis${sfx}`] = { title: { text: `${xTitle} — section ${k + 1}` }, ...(extra.xType ? { type: extra.xType } : {}) };
    layout[`yaxis${sfx}`] = { title: { text: k === 0 ? yTitle : "" }, ...(extra.yType ? { type: extra.yType } : {}) };
  }
  delete layout.xType;
  delete layout.yType;
  return layout;
}

/** Figs. 2 (absolute) and 5 (scaled): each block's perturbation over relative depth l/L, one line per L, per section. */
export function perturbationCurvesFigure(runs: RunRecord[], provenance: Provenance, scaled: boolean): Figure {
  const g = byDepth(runs);
  const sections = g[0].runs[0].measures.sections.length;
  const traces: Trace[] = [];
  for (const [k, { L, runs: rs }] of g.entries()) {
    const color = PALETTE[k % PALETTE.length];
    for (let s = 0; s < sections; s++) {
      const per = Array.from({ length: L }, (_, l) => mean(rs.map((r) => (scaled ? r.measures.sections[s].scaled : r.measures.sections[s].absolute)[l])));
      traces.push({ x: per.map((_, l) => l / L), y: per, type: "scatter", mode: L <= 4 ? "lines+markers" : "lines", name: `L=${L}`, legendgroup: `L${L}`, showlegend: s === 0, line: { color }, marker: { color }, xaxis: SECTION_AXES(s).x, yaxis: SECTION_AXES(s).y });
    }
  }
  const what = scaled ? "scaled perturbation ‖x(l+1)−x(l)‖/‖x(l)‖" : "perturbation ‖x(l+1)−x(l)‖";
  return figure(traces, { layout: sectionLayout(`Per-block ${what} over relative depth (Fig. ${scaled ? 5 : 2})`, sections, "l/L", scaled ? "scaled perturbation" : "perturbation"), provenance, height: 420 });
}

/** Figs. 3 (d) and 6 (d_scaled): distance per section and in total vs L. */
export function distanceFigure(runs: RunRecord[], provenance: Provenance, scaled: boolean): Figure {
  const g = byDepth(runs);
  const sections = g[0].runs[0].measures.sections.length;
  const pick = (r: RunRecord, s: number) => (scaled ? r.measures.sections[s].scaledDistance : r.measures.sections[s].distance);
  const traces: Trace[] = Array.from({ length: sections }, (_, s) => ({ x: g.map((d) => d.L), y: g.map((d) => mean(d.runs.map((r) => pick(r, s)))), type: "scatter", mode: "lines+markers", name: `section ${s + 1}` }));
  traces.push({ x: g.map((d) => d.L), y: g.map((d) => mean(d.runs.map((r) => (scaled ? r.measures.scaledDistance : r.measures.distance)))), type: "scatter", mode: "lines+markers", name: "total", line: { dash: "dash" } });
  const name = scaled ? "scaled distance d_scaled" : "computational distance d";
  return figure(traces, { layout: { title: { text: `${name} vs L (Fig. ${scaled ? 6 : 3})` }, xaxis: integerAxis("blocks per section L", g.map((d) => d.L)), yaxis: { title: { text: name } } }, provenance });
}

/** Figs. 4 (absolute) and 7 (scaled): mean perturbation vs L, log-log, with fitted slopes and 95% intervals against the 1/L law. */
export function meanPerturbationFigure(runs: RunRecord[], provenance: Provenance, scaled: boolean): Figure {
  const g = byDepth(runs);
  const Ls = g.map((d) => d.L);
  const sections = g[0].runs[0].measures.sections.length;
  const series = [
    ...Array.from({ length: sections }, (_, s) => ({ name: `section ${s + 1}`, y: g.map((d) => mean(d.runs.map((r) => (scaled ? r.measures.sections[s].meanScaled : r.measures.sections[s].meanAbsolute)))) })),
    { name: "network", y: g.map((d) => mean(d.runs.map((r) => (scaled ? r.measures.meanScaled : r.measures.meanAbsolute)))) },
  ];
  const traces: Trace[] = [];
  for (const s of series) {
    let label = s.name;
    if (Ls.length >= 2) {
      const f = fitPowerLaw(Ls, s.y);
      const ci = Number.isNaN(f.slopeLow) ? "" : ` [${f.slopeLow.toFixed(2)}, ${f.slopeHigh.toFixed(2)}]`;
      label = `${s.name}: slope ${f.slope.toFixed(2)}${ci}`;
    }
    traces.push({ x: Ls, y: s.y, type: "scatter", mode: "lines+markers", name: label });
  }
  const net = series[series.length - 1].y;
  traces.push({ x: Ls, y: Ls.map((L) => (net[0] * Ls[0]) / L), type: "scatter", mode: "lines", name: "1/L law (through the first point)", line: { dash: "dot", color: "#888" } });
  const what = scaled ? "mean scaled perturbation d_scaled/L" : "mean perturbation d/L";
  return figure(traces, {
    layout: { title: { text: `${what} vs L, log-log (Fig. ${scaled ? 7 : 4})` }, xaxis: integerLogAxis("blocks per section L", Ls), yaxis: { title: { text: what }, type: "log" } },
    provenance,
  });
}

/** One row per section: d_scaled at the deepest L, the rule's L = ceil(d_scaled/ε), and the empirical depth. */
export function stoppingRuleRows(runs: RunRecord[], eps: number) {
  const g = byDepth(runs);
  const deepest = g[g.length - 1];
  const sections = deepest.runs[0].measures.sections.length;
  const points = g.map((d) => ({ L: d.L, meanScaled: Array.from({ length: sections }, (_, s) => mean(d.runs.map((r) => r.measures.sections[s].meanScaled))) }));
  const empirical = empiricalDepth(points, eps);
  const crossing = crossingDepth(points, eps);
  return Array.from({ length: sections }, (_, s) => {
    const dScaled = mean(deepest.runs.map((r) => r.measures.sections[s].scaledDistance));
    return {
      section: s + 1, d_scaled: dScaled, from_L: deepest.L, eps, predicted_L: predictedDepth(dScaled, eps), empirical_L: empirical[s] ?? null,
      // the crossing interpolated (log-log) between the swept depths that bracket it; null when not bracketed
      crossing_L: crossing[s]?.L ?? null, crossing_above_L: crossing[s]?.above ?? null,
    };
  });
}

/** A sentence on the 1/L law for the mean scaled perturbation of the whole network. */
export function inverseLawVerdict(runs: RunRecord[]): string {
  const g = byDepth(runs);
  if (g.length < 2) return "Only one depth was run: the 1/L law cannot be tested.";
  const y = g.map((d) => mean(d.runs.map((r) => r.measures.meanScaled)));
  const f = fitPowerLaw(g.map((d) => d.L), y);
  const ci = Number.isNaN(f.slopeLow) ? "(too few depths for an interval)" : `(95% interval [${f.slopeLow.toFixed(2)}, ${f.slopeHigh.toFixed(2)}], ${f.points} depths)`;
  const verdict = Number.isNaN(f.slopeLow)
    ? "more depths are needed to say whether it follows the 1/L law"
    : f.consistentWithInverseL && f.slopeLow <= 0 && 0 <= f.slopeHigh
      ? "an interval too wide to tell the 1/L law (slope −1) from no decrease at all (slope 0)"
      : f.consistentWithInverseL
        ? "consistent with the 1/L law (slope −1) and not with a flat curve"
      : f.slopeHigh < -1
        ? "falling faster than 1/L"
        : "falling slower than 1/L: not the 1/L law at these depths";
  return `Mean scaled perturbation vs L: fitted slope ${f.slope.toFixed(2)} ${ci}, ${verdict}.`;
}

/**
 * The stopping rule in one picture: each section's mean scaled perturbation vs L (markers), the
 * rule's curve d_scaled/L through the deepest run (dotted), ε (dashed), and where they cross.
 */
export function stoppingRuleFigure(runs: RunRecord[], provenance: Provenance, eps: number): Figure {
  const g = byDepth(runs);
  const rows = stoppingRuleRows(runs, eps);
  const Ls = g.map((d) => d.L);
  const maxL = Math.max(...rows.map((r) => r.predicted_L), ...Ls) * 1.2;
  const grid = Array.from({ length: 40 }, (_, i) => Math.exp(Math.log(Math.min(...Ls)) + ((Math.log(maxL) - Math.log(Math.min(...Ls))) * i) / 39));
  const traces: Trace[] = [];
  rows.forEach((r, s) => {
    traces.push({ x: Ls, y: g.map((d) => mean(d.runs.map((x) => x.measures.sections[s].meanScaled))), type: "scatter", mode: "markers", name: `section ${r.section}: measured`, legendgroup: `s${s}` });
    traces.push({ x: grid, y: grid.map((L) => r.d_scaled / L), type: "scatter", mode: "lines", line: { dash: "dot" }, name: `section ${r.section}: d_scaled/L → L=${r.predicted_L}`, legendgroup: `s${s}` });
  });
  traces.push({ x: [grid[0], maxL], y: [eps, eps], type: "scatter", mode: "lines", line: { dash: "dash", color: "#c0392b" }, name: `ε = ${eps}` });
  return figure(traces, {
    layout: { title: { text: "Stopping rule: mean scaled perturbation vs L and the depth where it reaches ε" }, xaxis: integerLogAxis("blocks per section L", [...Ls, maxL]), yaxis: { title: { text: "mean scaled perturbation" }, type: "log" } },
    provenance,
  });
}
