/**
 * Findings of the iterative-inference study, computed from the measures: each sentence states
 * what seed 003 reports, what this run measured, and says plainly where they differ.
 */
import type { AlignmentRow, ChangeRatioRow, DropBlockResult, IntermediateRow, UnrollRow } from "../analysis/iterative-inference";
import type { EpochRecord } from "../train/train";
import { ITERATIVE } from "./claims/thresholds";

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const pts = (v: number) => `${(100 * v).toFixed(1)} points`;
const f3 = (v: number) => v.toFixed(3);

/** Fig. 3: are the cosines negative, and where most? Plus the check of eq. 2 on the head-direct loss. */
export function cosineFinding(rows: AlignmentRow[], label: string): string {
  const measured = rows.filter((r) => r.cosine && Number.isFinite(r.cosine.mean));
  if (!measured.length) return `${label}: no block keeps its shape, so F_j and its cosine are not defined.`;
  const negative = measured.filter((r) => r.cosine!.mean < 0);
  const most = measured.reduce((a, b) => (b.cosine!.mean < a.cosine!.mean ? b : a));
  const mean = measured.reduce((s, r) => s + r.cosine!.mean, 0) / measured.length;
  const agree = negative.length === measured.length ? "as the seed reports" : negative.length >= measured.length / 2 ? "mostly as the seed reports" : "unlike the seed";
  let text = `${label}: the mean cosine between F_j and ∂L/∂h_j is negative in ${negative.length} of ${measured.length} blocks (${agree}: seed 003 finds block outputs pointing against the loss gradient); ` +
    `average ${f3(mean)}, most negative at ${most.name} (${f3(most.cosine!.mean)}).`;
  const head = rows.filter((r) => r.firstOrder !== null && r.actualChange !== null && Number.isFinite(r.firstOrder) && Number.isFinite(r.actualChange));
  if (head.length) {
    const sameSign = head.filter((r) => Math.sign(r.firstOrder!) === Math.sign(r.actualChange!)).length;
    const worst = head.reduce((a, b) => (Math.abs(b.firstOrder! - b.actualChange!) > Math.abs(a.firstOrder! - a.actualChange!) ? b : a));
    text += ` Eq. 2 on the loss of the classifier applied to h_j (${head.length} blocks where it is defined; the seed does not show this): ` +
      `the first-order prediction ⟨F_j, ∂L/∂h_j⟩ has the sign of the actual change in ${sameSign} of ${head.length}; the largest gap is at ${worst.name} ` +
      `(predicted ${f3(worst.firstOrder!)}, actual ${f3(worst.actualChange!)}).`;
  }
  return text;
}

/** Fig. 4: dropping a regular block costs little, a down-sampling one a lot (seed). */
export function dropFinding(drop: DropBlockResult, label: string): string {
  const cost = (rows: DropBlockResult["rows"]) => rows.map((r) => ({ r, c: drop.baseline.accuracy - r.accuracy }));
  const regular = cost(drop.rows.filter((r) => !r.transition));
  const down = cost(drop.rows.filter((r) => r.transition));
  const mean = (xs: Array<{ c: number }>) => xs.reduce((s, x) => s + x.c, 0) / xs.length;
  const worst = (xs: Array<{ r: { name: string }; c: number }>) => xs.reduce((a, b) => (b.c > a.c ? b : a));
  let text = `${label}: intact accuracy ${pct(drop.baseline.accuracy)}.`;
  if (regular.length) {
    const w = worst(regular);
    text += ` Dropping one non-down-sampling block costs ${pts(mean(regular))} on average (the most: ${w.r.name}, ${pts(w.c)}).`;
  }
  if (down.length) {
    const w = worst(down);
    text += ` Dropping a down-sampling block costs ${pts(mean(down))} on average (the most: ${w.r.name}, ${pts(w.c)}).`;
  }
  if (regular.length && down.length) {
    const verdict = mean(down) >= ITERATIVE.minDownsamplingDropCost && mean(regular) <= ITERATIVE.maxRegularDropCost ? "as in the seed" : "not the contrast the seed reports";
    text += ` Seed 003: removing a regular block costs little, a down-sampling one a lot — ${verdict} here.`;
  } else {
    text += ` This net has no down-sampling block, so the seed's contrast between regular and down-sampling blocks does not apply.`;
  }
  return text;
}

/** Fig. 5: does ‖F‖/‖h‖ fall within each stage? */
export function ratioFinding(rows: ChangeRatioRow[], label: string): string {
  const sections = [...new Set(rows.map((r) => r.section))];
  const trends = sections.map((s) => {
    const r = rows.filter((x) => x.section === s && x.ratio !== null);
    return r.length >= 2 ? { s, first: r[0], last: r[r.length - 1], falls: r[r.length - 1].ratio! < r[0].ratio! } : undefined;
  }).filter((t): t is NonNullable<typeof t> => t !== undefined);
  if (!trends.length) return `${label}: no stage has two measured blocks, so no trend within a stage.`;
  const falling = trends.filter((t) => t.falls).length;
  const detail = trends.map((t) => `stage ${t.s + 1}: ${f3(t.first.ratio!)} (${t.first.name}) → ${f3(t.last.ratio!)} (${t.last.name})`).join("; ");
  const verdict = falling === trends.length ? "as in the seed" : falling === 0 ? "unlike the seed" : "partly as in the seed";
  return `${label}: ‖F‖/‖h‖ falls from the first to the last block in ${falling} of ${trends.length} stages (${detail}) — ${verdict}, which finds later blocks of a stage changing h less.`;
}

/** Fig. 6: does the head's accuracy rise through the states it accepts? */
export function intermediateFinding(rows: IntermediateRow[], label: string): string {
  if (rows.length < 2) return `${label}: the head accepts only the last output here.`;
  const acc = rows.map((r) => r.scores.accuracy);
  const monotone = acc.every((a, i) => i === 0 || a >= acc[i - 1] - ITERATIVE.intermediateTolerance);
  const rise = acc[acc.length - 1] - acc[0];
  const how = !monotone ? `not monotone within ${pts(ITERATIVE.intermediateTolerance)}, unlike the seed's steady rise`
    : rise < ITERATIVE.minIntermediateRise ? `monotone within ${pts(ITERATIVE.intermediateTolerance)}, but a rise of only ${pts(rise)}, where the seed's climbs steadily`
    : `monotone within ${pts(ITERATIVE.intermediateTolerance)}, as the seed finds`;
  return `${label}: the final classifier applied at ${rows[0].point} gives ${pct(acc[0])}, ${rise >= 0 ? "rising" : "falling"} to ${pct(acc[acc.length - 1])} at the output (${how}; over ${rows.length} hook points).`;
}

/** Fig. 7: for how many extra applications does accuracy hold, at each step scale? */
export function unrollFinding(byScale: Array<{ scale: number; rows: UnrollRow[] }>, label: string): string {
  const held = byScale.map(({ scale, rows }) => {
    let holds = 0;
    while (holds + 1 < rows.length && rows[holds + 1].accuracy >= rows[0].accuracy - 0.01) holds++;
    return { scale, rows, holds };
  });
  const best = held.reduce((a, b) => (b.holds > a.holds || (b.holds === a.holds && b.scale > a.scale) ? b : a));
  const steps = best.rows.length - 1;
  const last = best.rows[steps];
  const verdict = best.holds >= Math.min(5, steps) ? "as the seed reports (accuracy kept for several steps with a suitable scale)" : "shorter than the seed reports";
  return `${label}: accuracy stays within 1 point of the model's ${pct(best.rows[0].accuracy)} for ` +
    held.map((h) => `${h.holds} of ${steps} extra applications at s = ${h.scale}`).join(", ") + ` — ${verdict}; ` +
    `at s = ${best.scale} after ${last.k}: accuracy ${pct(last.accuracy)}, loss ${f3(best.rows[0].loss)} → ${f3(last.loss)}, entropy ${f3(best.rows[0].entropy)} → ${f3(last.entropy)}.`;
}

/** Fig. 8: does the naively shared net overfit more than the unshared one? */
export function sharingFinding(shared: EpochRecord[], unshared: EpochRecord[], labels: { shared: string; unshared: string }): string {
  const end = (h: EpochRecord[]) => h[h.length - 1];
  const [s, u] = [end(shared), end(unshared)];
  const gap = (e: EpochRecord) => e.testLoss - e.trainLoss;
  const verdict = gap(s) > gap(u) + 0.02 ? "as in the seed, where the shared ResNet-110 heavily overfits" : "not the overfitting the seed reports (short training may not show it)";
  return `After ${s.epoch} epochs (train loss: the mean over the last epoch's batches; test loss after it): ${labels.shared}: train loss ${f3(s.trainLoss)}, test loss ${f3(s.testLoss)} (gap ${f3(gap(s))}, test error ${pct(1 - s.testAccuracy)}); ` +
    `${labels.unshared}: train ${f3(u.trainLoss)}, test ${f3(u.testLoss)} (gap ${f3(gap(u))}, test error ${pct(1 - u.testAccuracy)}). The shared net's gap is ${gap(s) > gap(u) ? "larger" : "not larger"} — ${verdict}.`;
}
