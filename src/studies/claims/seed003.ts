/**
 * Seed 003's claims (Jastrzebski et al.) checked on the iterative-inference study's measures, one
 * verdict over all the architectures measured: block outputs point against the loss gradient
 * (Fig. 3), dropping a regular block costs little and a down-sampling one much (Fig. 4), and the
 * final classifier does better the later the state it reads (Fig. 6).
 */
import type { AlignmentRow, DropBlockResult, IntermediateRow } from "../../analysis/iterative-inference";
import type { ClaimRow } from "./claim";
import { ITERATIVE } from "./thresholds";

/** What the claims read of one architecture (a subset of the study's VariantMeasures). */
export interface IterativeClaimInput {
  variant: string;
  alignment: AlignmentRow[];
  drop: DropBlockResult;
  intermediate: IntermediateRow[];
}

const pts = (v: number) => `${(100 * v).toFixed(1)}`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
type Outcome = "yes" | "no" | "unsure";
const overall = (outcomes: Outcome[]) => (outcomes.every((o) => o === "yes") ? "holds" : outcomes.some((o) => o === "no") ? "does not hold" : "cannot tell");

/**
 * Fig. 3: a block counts as negative when its mean cosine is below 0 by more than 2 standard
 * errors over images, and as not negative when it is at least 0 by that margin. A net agrees when
 * more than ITERATIVE.minNegativeShare of its blocks are negative, disagrees when that majority is
 * out of reach even counting the undecided blocks, and is undecided otherwise.
 */
export function seed003CosineClaim(variants: IterativeClaimInput[], scale: string): ClaimRow {
  const base = {
    seed: "003", claim: "cos(F(h), ∂L/∂h) is negative in most blocks",
    seedReports: "the average cosine between a block's output F(h) and ∂L/∂h is negative for the original, single-representation, avg-pooling and wide ResNets on CIFAR-10 (Fig. 3)",
    threshold: "ITERATIVE.minNegativeShare (each block: mean ∓ 2 standard errors vs 0)", scale,
  };
  const per = variants.map((v) => {
    const rows = v.alignment.filter((r) => r.cosine && Number.isFinite(r.cosine.mean));
    const se = (r: AlignmentRow) => r.cosine!.std / Math.sqrt(Math.max(r.cosine!.count, 1));
    const neg = rows.filter((r) => r.cosine!.mean + 2 * se(r) < 0).length;
    const notNeg = rows.filter((r) => r.cosine!.mean - 2 * se(r) >= 0).length;
    const need = ITERATIVE.minNegativeShare * rows.length;
    const outcome: Outcome = !rows.length ? "unsure" : neg > need ? "yes" : rows.length - notNeg <= need ? "no" : "unsure";
    return { v: v.variant, rows: rows.length, neg, avg: rows.length ? mean(rows.map((r) => r.cosine!.mean)) : NaN, outcome };
  });
  const measured = per.map((p) => `${p.v}: ${p.neg} of ${p.rows} blocks negative (mean ${p.avg.toFixed(3)})`).join("; ");
  const verdict = overall(per.map((p) => p.outcome));
  const why = verdict === "holds" ? `more than ${100 * ITERATIVE.minNegativeShare}% of the blocks of every net are negative beyond 2 standard errors`
    : verdict === "does not hold" ? `not the majority in ${per.filter((p) => p.outcome === "no").map((p) => p.v).join(", ")}`
    : `too many blocks within 2 standard errors of 0 in ${per.filter((p) => p.outcome === "unsure").map((p) => p.v).join(", ")}`;
  return { ...base, measured, verdict, why };
}

/** Fig. 4: mean accuracy cost of dropping a regular vs a down-sampling block, per net that has both. */
export function seed003DropClaim(variants: IterativeClaimInput[], scale: string): ClaimRow {
  const base = {
    seed: "003", claim: "dropping a non-down-sampling block costs little, a down-sampling one much",
    seedReports: "removing one block of the original ResNet barely changes its accuracy on CIFAR-10, except for the down-sampling blocks (Fig. 4)",
    threshold: "ITERATIVE.maxRegularDropCost, minDownsamplingDropCost", scale,
  };
  const per = variants.flatMap((v) => {
    const cost = (rows: DropBlockResult["rows"]) => mean(rows.map((r) => v.drop.baseline.accuracy - r.accuracy));
    const regular = v.drop.rows.filter((r) => !r.transition), down = v.drop.rows.filter((r) => r.transition);
    if (!regular.length || !down.length) return [];
    const [cr, cd] = [cost(regular), cost(down)];
    const ok = cr <= ITERATIVE.maxRegularDropCost && cd >= ITERATIVE.minDownsamplingDropCost;
    return [{ v: v.variant, cr, cd, ok }];
  });
  if (!per.length) return { ...base, measured: "no net with both kinds of block", verdict: "cannot tell", why: "nothing to compare" };
  const measured = per.map((p) => `${p.v}: regular −${pts(p.cr)} points, down-sampling −${pts(p.cd)} points (means)`).join("; ");
  const bad = per.filter((p) => !p.ok);
  return bad.length
    ? { ...base, measured, verdict: "does not hold", why: bad.map((p) => (p.cr > ITERATIVE.maxRegularDropCost ? `${p.v}: a regular block costs ${pts(p.cr)} points (> ${pts(ITERATIVE.maxRegularDropCost)})` : `${p.v}: a down-sampling block costs only ${pts(p.cd)} points (< ${pts(ITERATIVE.minDownsamplingDropCost)})`)).join("; ") }
    : { ...base, measured, verdict: "holds", why: `regular ≤ ${pts(ITERATIVE.maxRegularDropCost)} points, down-sampling ≥ ${pts(ITERATIVE.minDownsamplingDropCost)} points in every net` };
}

/** Fig. 6: the head's accuracy along the states it reads rises overall and never falls by more than the tolerance. */
export function seed003IntermediateClaim(variants: IterativeClaimInput[], scale: string): ClaimRow {
  const base = {
    seed: "003", claim: "intermediate accuracy through the final classifier rises with depth",
    seedReports: "the final classifier applied to intermediate states gets steadily more accurate through the last stage (original) and through the net (single representation) (Fig. 6)",
    threshold: "ITERATIVE.minIntermediateRise, intermediateTolerance", scale,
  };
  const per = variants.filter((v) => v.intermediate.length >= 2).map((v) => {
    const acc = v.intermediate.map((r) => r.scores.accuracy);
    const rise = acc[acc.length - 1] - acc[0];
    const worstFall = Math.max(0, ...acc.slice(1).map((a, i) => acc[i] - a));
    return { v: v.variant, points: acc.length, first: acc[0], last: acc[acc.length - 1], rise, worstFall, ok: rise >= ITERATIVE.minIntermediateRise && worstFall <= ITERATIVE.intermediateTolerance };
  });
  if (!per.length) return { ...base, measured: "the head reads only the output", verdict: "cannot tell", why: "no intermediate state to compare" };
  const measured = per.map((p) => `${p.v}: ${pts(p.first)}% → ${pts(p.last)}% over ${p.points} points (largest fall ${pts(p.worstFall)} points)`).join("; ");
  const bad = per.filter((p) => !p.ok);
  return bad.length
    ? { ...base, measured, verdict: "does not hold", why: bad.map((p) => (p.rise < ITERATIVE.minIntermediateRise ? `${p.v} rises only ${pts(p.rise)} points` : `${p.v} falls ${pts(p.worstFall)} points on the way`)).join("; ") }
    : { ...base, measured, verdict: "holds", why: `every net rises ≥ ${pts(ITERATIVE.minIntermediateRise)} points and never falls more than ${pts(ITERATIVE.intermediateTolerance)}` };
}

/** The three claims of seed 003 for the measured architectures. */
export function seed003Claims(variants: IterativeClaimInput[], scale: string): ClaimRow[] {
  return [seed003CosineClaim(variants, scale), seed003DropClaim(variants, scale), seed003IntermediateClaim(variants, scale)];
}
