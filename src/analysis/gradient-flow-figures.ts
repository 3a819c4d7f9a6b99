/**
 * Figures of the gradient-flow study (seeds 002 and 004): gradient norm against depth for plain and
 * residual nets, gradient norm along one network, the Euler/ODE convergence on log-log axes with the
 * fitted order, and the direct vs through-the-weights decomposition per block.
 */
import { figure, type Figure, type Trace } from "../display/plotly";
import { TOP_LEGEND } from "../display/axes";
import type { Provenance } from "../display/provenance";
import type { ConvergenceResult } from "./ode-view";
import type { DecompositionRow, DepthSweepRow, GradientNorms } from "./gradient-norms";

const COLOURS = { residual: "#1f77b4", plain: "#d62728" };

/** ‖∂L/∂x‖ at the first block and ‖∂L/∂W‖ of the first layer against depth, residual and plain (log-log). */
export function depthSweepFigure(rows: DepthSweepRow[], title: string, provenance: Provenance): Figure {
  const traces: Trace[] = (["residual", "plain"] as const).flatMap((kind) => {
    const r = rows.filter((x) => x.residual === (kind === "residual")).sort((a, b) => a.depth - b.depth);
    const keep = (v: number) => (Number.isFinite(v) && v > 0 ? v : null); // log axes cannot show 0, ∞ or NaN
    return [
      { x: r.map((x) => x.depth), y: r.map((x) => keep(x.firstInputGrad)), type: "scatter", mode: "lines+markers", name: `${kind}: ‖∂L/∂x‖ at the first block`, line: { color: COLOURS[kind] } },
      { x: r.map((x) => x.depth), y: r.map((x) => keep(x.firstWeightGrad)), type: "scatter", mode: "lines+markers", name: `${kind}: ‖∂L/∂W‖ of the first layer`, line: { color: COLOURS[kind], dash: "dot" } },
    ];
  });
  const depths = [...new Set(rows.map((r) => r.depth))].sort((a, b) => a - b);
  return figure(traces, {
    layout: {
      title: { text: title },
      xaxis: { title: { text: "depth (layers or blocks per section)" }, type: "log", tickmode: "array", tickvals: depths, ticktext: depths.map(String) },
      yaxis: { title: { text: "gradient norm" }, type: "log", exponentformat: "power" },
      legend: TOP_LEGEND, margin: { t: 110 },
    },
    provenance: { ...provenance, note: [provenance.note, "missing points: the norm overflowed or was 0"].filter(Boolean).join(" · ") },
    height: 460,
  });
}

/** ‖∂L/∂x_l‖ along one network (block by block), for several networks (e.g. plain and residual, init and trained). */
export function normsAlongFigure(curves: Array<{ label: string; norms: GradientNorms }>, provenance: Provenance): Figure {
  const traces: Trace[] = curves.map(({ label, norms }) => ({
    x: norms.blocks.map((_, i) => i + 1), y: norms.blocks.map((b) => (b.gradNorm > 0 && Number.isFinite(b.gradNorm) ? b.gradNorm : null)), text: norms.blocks.map((b) => b.point),
    type: "scatter", mode: "lines+markers", name: label,
  }));
  const count = Math.max(...curves.map((c) => c.norms.blocks.length));
  return figure(traces, {
    layout: {
      title: { text: "‖∂L/∂x_l‖ at every block input" },
      xaxis: blockPositionAxis("block (position in the network)", count),
      yaxis: { title: { text: "‖∂L/∂x_l‖₂ (whole batch)" }, type: "log", exponentformat: "power" },
      legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance,
    height: 440,
  });
}

/** Whole-number ticks 1, 2, … (at most about 20) along `count` block positions. */
const blockPositionAxis = (title: string, count: number) => ({ title: { text: title }, tickmode: "linear", tick0: 1, dtick: Math.max(1, Math.ceil(count / 20)) });

/** The Euler error of the weight-shared τ-ResNet against τ, with the fitted slope (the order). */
export function odeConvergenceFigure(r: ConvergenceResult, provenance: Provenance): Figure {
  const tau = r.rows.map((x) => x.tau);
  const fitted = tau.map((t) => Math.exp(r.fit.intercept) * t ** r.fit.slope);
  const traces: Trace[] = [
    { x: tau, y: r.rows.map((x) => x.error), text: r.rows.map((x) => `L = ${x.L}`), type: "scatter", mode: "markers", name: "network vs RK4", marker: { size: 9 } },
    { x: tau, y: fitted, type: "scatter", mode: "lines", name: `fit: slope ${r.fit.slope.toFixed(3)} (95% ${r.fit.slopeLow.toFixed(3)}…${r.fit.slopeHigh.toFixed(3)})`, line: { dash: "dash" } },
  ];
  return figure(traces, {
    layout: {
      title: { text: `A weight-shared τ-ResNet with L·τ = ${r.T} against dy/dt = σ(Wy + b)` },
      xaxis: { title: { text: "τ = T / L" }, type: "log", exponentformat: "power" },
      yaxis: { title: { text: "relative error ‖y_L − y(T)‖ / ‖y(T)‖" }, type: "log", exponentformat: "power" },
      legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance: { ...provenance, note: [provenance.note, `width ${r.width}, σ = ${r.activation}, reference: RK4 in float64 on the same W, b`].filter(Boolean).join(" · ") },
    height: 440,
  });
}

/** Seed 004's decomposition: through/direct per block of each stage, one line per network. */
export function decompositionFigure(curves: Array<{ label: string; rows: DecompositionRow[] }>, provenance: Provenance): Figure {
  const traces: Trace[] = curves.map(({ label, rows }) => ({
    x: rows.map((_, i) => i + 1), y: rows.map((r) => r.ratio), text: rows.map((r) => `${r.point}: direct ${r.direct.toExponential(2)}, through ${r.through.toExponential(2)}`),
    type: "scatter", mode: "lines+markers", name: label,
  }));
  const count = Math.max(...curves.map((c) => c.rows.length));
  return figure(traces, {
    layout: {
      title: { text: "‖through the weights‖ / ‖direct ∂ε/∂x_L‖ per block (seed 004)" },
      xaxis: blockPositionAxis("block (position; down-sampling blocks left out)", count),
      yaxis: { title: { text: "ratio" }, type: "log", exponentformat: "power" },
      legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance,
    height: 440,
  });
}
