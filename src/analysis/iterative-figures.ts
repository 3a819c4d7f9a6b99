/**
 * The figures of seed 003 from the iterative-inference measures: cosine between block output and
 * loss gradient (Fig. 3), accuracy after dropping blocks (Fig. 4), ‖F‖/‖h‖ (Fig. 5), intermediate
 * accuracy (Fig. 6), the unrolled last block (Fig. 7), and shared vs unshared training curves
 * (Fig. 8). The x axis of the per-block figures is the block's position in the network (1 = the
 * first block), with its hook name in the hover text; stage boundaries are drawn as dotted lines.
 */
import { figure, type Figure, type Trace } from "../display/plotly";
import { TOP_LEGEND } from "../display/axes";
import type { Provenance } from "../display/provenance";
import type { EpochRecord } from "../train/train";
import type { AlignmentRow, BlockRow, ChangeRatioRow, DropBlockResult, IntermediateRow, UnrollRow } from "./iterative-inference";

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** Dotted vertical lines before the first block of every stage after the first. */
function stageLines(rows: BlockRow[]): Record<string, unknown>[] {
  return rows.flatMap((r, i) => (i > 0 && r.section !== rows[i - 1].section ? [{ type: "line", xref: "x", yref: "paper", x0: i + 0.5, x1: i + 0.5, y0: 0, y1: 1, line: { dash: "dot", color: "#999", width: 1 } }] : []));
}

const blockAxis = (count: number) => ({ title: { text: "block (position in the network)" }, tickmode: "linear", tick0: 1, dtick: Math.max(1, Math.ceil(count / 20)), range: [0.5, count + 0.5] });

/** Fig. 3: mean cos(F_j, ∂L/∂h_j) per block (± one standard deviation over images), one line per variant. */
export function cosineFigure(byVariant: Array<{ label: string; rows: AlignmentRow[] }>, provenance: Provenance): Figure {
  const traces: Trace[] = byVariant.map(({ label, rows }, v) => {
    const kept = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.cosine);
    return {
      x: kept.map(({ i }) => i + 1), y: kept.map(({ r }) => r.cosine!.mean), text: kept.map(({ r }) => r.name),
      error_y: { type: "data", array: kept.map(({ r }) => r.cosine!.std), visible: true, thickness: 1 },
      type: "scatter", mode: "lines+markers", name: label, line: { color: PALETTE[v % PALETTE.length] },
    };
  });
  const longest = byVariant.reduce((a, b) => (b.rows.length > a.rows.length ? b : a));
  return figure(traces, {
    layout: {
      title: { text: "Cosine between block output F(h) and the loss gradient ∂L/∂h (Fig. 3)" },
      xaxis: blockAxis(Math.max(...byVariant.map((b) => b.rows.length))), yaxis: { title: { text: "cos(F_j(h_j), ∂L/∂h_j)" }, zeroline: true },
      shapes: stageLines(longest.rows), legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance: { ...provenance, note: [provenance.note, "down-sampling blocks omitted (F changes the shape)", "error bars: ±1 s.d. over images"].filter(Boolean).join(" · ") },
    height: 460,
  });
}

/** Fig. 4: test accuracy with each block dropped, and the intact model as a dashed line. */
export function dropFigure(drop: DropBlockResult, label: string, provenance: Provenance): Figure {
  const rows = drop.rows;
  const traces: Trace[] = [
    { x: rows.map((_, i) => i + 1), y: rows.map((r) => 100 * r.accuracy), text: rows.map((r) => `${r.name}${r.transition ? " (down-sampling)" : ""}`), type: "bar", name: "block dropped", marker: { color: rows.map((r) => (r.transition ? "#d62728" : "#1f77b4")) } },
    { x: [0.5, rows.length + 0.5], y: [100 * drop.baseline.accuracy, 100 * drop.baseline.accuracy], type: "scatter", mode: "lines", name: "intact model", line: { dash: "dash", color: "#333" } },
  ];
  return figure(traces, {
    layout: {
      title: { text: `Accuracy after dropping one block — ${label} (Fig. 4)` },
      xaxis: blockAxis(rows.length), yaxis: { title: { text: "test accuracy (%)" }, range: [0, 100] }, shapes: stageLines(rows), legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance: { ...provenance, note: [provenance.note, "red: down-sampling block, dropped by zeroing its branch (shortcut projection kept)"].filter(Boolean).join(" · ") },
    height: 420,
  });
}

/** Fig. 5: mean ‖F_j‖/‖h_j‖ per block, one line per variant (log scale). */
export function ratioFigure(byVariant: Array<{ label: string; rows: ChangeRatioRow[] }>, provenance: Provenance): Figure {
  const traces: Trace[] = byVariant.map(({ label, rows }, v) => {
    const kept = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.ratio !== null);
    return { x: kept.map(({ i }) => i + 1), y: kept.map(({ r }) => r.ratio), text: kept.map(({ r }) => r.name), type: "scatter", mode: "lines+markers", name: label, line: { color: PALETTE[v % PALETTE.length] } };
  });
  const longest = byVariant.reduce((a, b) => (b.rows.length > a.rows.length ? b : a));
  return figure(traces, {
    layout: {
      title: { text: "‖F(h)‖ / ‖h‖ per block (Fig. 5)" },
      xaxis: blockAxis(Math.max(...byVariant.map((b) => b.rows.length))), yaxis: { title: { text: "‖F_j(h_j)‖₂ / ‖h_j‖₂" }, type: "log" },
      shapes: stageLines(longest.rows), legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance: { ...provenance, note: [provenance.note, "seed 000's scaled perturbation; down-sampling blocks omitted"].filter(Boolean).join(" · ") },
    height: 440,
  });
}

/** Fig. 6: the final classifier applied at each hook point it accepts. */
export function intermediateFigure(byVariant: Array<{ label: string; rows: IntermediateRow[] }>, provenance: Provenance): Figure {
  const traces: Trace[] = byVariant.map(({ label, rows }, v) => ({
    x: rows.map((_, i) => i + 1), y: rows.map((r) => 100 * r.scores.accuracy), text: rows.map((r) => r.point),
    type: "scatter", mode: "lines+markers", name: label, line: { color: PALETTE[v % PALETTE.length] },
  }));
  const count = Math.max(...byVariant.map((b) => b.rows.length));
  return figure(traces, {
    layout: {
      title: { text: "Accuracy of the final classifier applied at hidden states (Fig. 6)" },
      xaxis: { title: { text: "hook point (1 = first the head accepts; last = the model's output)" }, tickmode: "linear", tick0: 1, dtick: Math.max(1, Math.ceil(count / 20)) },
      yaxis: { title: { text: "test accuracy (%)" }, range: [0, 100] }, legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance: { ...provenance, note: [provenance.note, "the head reads states of the last block's output shape: the last stage, or every block of a single-representation net"].filter(Boolean).join(" · ") },
    height: 420,
  });
}

/** Fig. 7: accuracy, loss and entropy as the last block is applied k more times, one line per step scale s. */
export function unrollFigure(byScale: Array<{ scale: number; rows: UnrollRow[] }>, label: string, provenance: Provenance): Figure {
  const traces: Trace[] = byScale.flatMap(({ scale, rows }, i) => {
    const k = rows.map((r) => r.k);
    const common = { type: "scatter", mode: "lines+markers", legendgroup: `s${i}`, line: { color: PALETTE[i % PALETTE.length] } };
    return [
      { ...common, x: k, y: rows.map((r) => 100 * r.accuracy), name: `s = ${scale}`, xaxis: "x", yaxis: "y" },
      { ...common, x: k, y: rows.map((r) => r.loss), name: `s = ${scale}`, showlegend: false, xaxis: "x2", yaxis: "y2" },
      { ...common, x: k, y: rows.map((r) => r.entropy), name: `s = ${scale}`, showlegend: false, xaxis: "x3", yaxis: "y3" },
    ];
  });
  const steps = Math.max(...byScale.map((b) => b.rows.length));
  const kAxis = (title: string) => ({ title: { text: title }, tickmode: "linear", tick0: 0, dtick: Math.max(1, Math.ceil(steps / 10)) });
  return figure(traces, {
    layout: {
      title: { text: `Last block unrolled, h ← h + s·F(h) — ${label} (Fig. 7)` },
      grid: { rows: 1, columns: 3, pattern: "independent" },
      xaxis: kAxis("extra applications k"), xaxis2: kAxis("k"), xaxis3: kAxis("k"),
      yaxis: { title: { text: "test accuracy (%)" }, range: [0, 100] }, yaxis2: { title: { text: "cross-entropy" }, type: "log" }, yaxis3: { title: { text: "prediction entropy (nats)" } },
      legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance,
    height: 400,
  });
}

/** Fig. 8: train and test loss per epoch, naively shared vs unshared. */
export function sharingFigure(curves: Array<{ label: string; history: EpochRecord[] }>, provenance: Provenance): Figure {
  const traces: Trace[] = curves.flatMap(({ label, history }, v) => [
    { x: history.map((h) => h.epoch), y: history.map((h) => h.trainLoss), type: "scatter", mode: "lines+markers", name: `${label}: train`, line: { color: PALETTE[v % PALETTE.length] } },
    { x: history.map((h) => h.epoch), y: history.map((h) => h.testLoss), type: "scatter", mode: "lines+markers", name: `${label}: test`, line: { color: PALETTE[v % PALETTE.length], dash: "dash" } },
  ]);
  const epochs = Math.max(...curves.map((c) => c.history.length));
  return figure(traces, {
    layout: {
      title: { text: "Naive block sharing: train and test loss (Fig. 8)" },
      xaxis: { title: { text: "epoch" }, tickmode: "linear", tick0: 1, dtick: Math.max(1, Math.ceil(epochs / 10)) },
      yaxis: { title: { text: "cross-entropy" } }, legend: TOP_LEGEND, margin: { t: 100 },
    },
    provenance,
    height: 420,
  });
}
