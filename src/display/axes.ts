/**
 * Axis and legend settings the figures share, so that counts read as counts and nothing overlaps:
 * integer ticks for epochs, blocks and depths (linear or log), a secondary axis with its own round
 * ticks (Plotly's default for an overlaying axis syncs them to the primary grid, which gives labels
 * like 0.0932 or the same label twice), and a legend above the plot, clear of data and axis titles.
 */

/** A horizontal legend between the title and the plot (give the layout margin.t ≥ 100). */
export const TOP_LEGEND = { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" } as const;

/** Integer ticks on a linear axis over `values` (epochs, block indices): at most about `maxTicks`, step a whole number. */
export function integerAxis(title: string, values: number[], maxTicks = 10): Record<string, unknown> {
  const finite = values.filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  const raw = Math.max(1, (hi - lo) / Math.max(1, maxTicks - 1));
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw - 1e-9)!;
  // ticks on multiples of the step (1, 2, 3 … or 0, 20, 40 …), starting at the first value when the step is 1
  return { title: { text: title }, tickmode: "linear", tick0: step === 1 ? Math.round(lo) : 0, dtick: step, tickformat: "d" };
}

/** Integer ticks on a log axis over `values` (L, depths): 1, 2, 5 × 10^k within the range, plus the ends. */
export function integerLogAxis(title: string, values: number[]): Record<string, unknown> {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = pos.length ? Math.min(...pos) : 1, hi = pos.length ? Math.max(...pos) : 10;
  const ticks = new Set<number>();
  for (let p = 1; p <= hi * 10; p *= 10) for (const m of [1, 2, 5]) if (m * p >= lo && m * p <= hi) ticks.add(m * p);
  ticks.add(Math.round(lo));
  ticks.add(Math.round(hi));
  const tickvals = [...ticks].sort((a, b) => a - b);
  return { title: { text: title }, type: "log", tickmode: "array", tickvals, ticktext: tickvals.map(String) };
}

/** A right-hand axis overlaying y, with its own automatic ticks and no second grid. */
export function secondaryAxis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, overlaying: "y", side: "right", tickmode: "auto", showgrid: false, ...extra };
}
