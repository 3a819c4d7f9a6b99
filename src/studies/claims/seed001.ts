/**
 * Seed 001's claims (Rothauge et al.) checked on the stability study's measurements: regular
 * residual units have a plateau of singular values at 1 and down-sampling units and whole stages
 * do not (Figs. 1–2); FGSM perturbations jump in the last stage where random noise of the same
 * size does not (Fig. 3); scaling the skip by α moves the plateau to α (Fig. 5, left); and
 * interpolating a unit's weights towards noise removes the plateau at t = 0 and widens it in
 * between (Fig. 5, right). Only dense spectra decide the shares in ±1 % bands (see plateauAt): a
 * claim read off SLQ densities is "cannot tell", and says so.
 */
import type { Propagation } from "../../analysis/propagation";
import { spectrumShare, type UnitSpectrum } from "../../analysis/unit-spectrum";
import type { ScreeRow } from "../../analysis/stability-figures";
import type { ClaimRow } from "./claim";
import { FGSM_JUMP, INTERPOLATION, PLATEAU } from "./thresholds";

const pct = (v: number) => `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Whether a share clears PLATEAU.minShare: "yes", "no", or "unsure" (a spectrum that cannot tell). */
type Decision = "yes" | "no" | "unsure";

/**
 * The share of σ within PLATEAU.band of `centre` (1, or α) and whether it is a plateau. Only a
 * dense spectrum decides: SLQ's Gauss nodes are far coarser than a ±1 % band (on a trained
 * 4,096-dimensional unit, 16 probes × 80 steps put 0 % in [0.99, 1.01], with a standard error
 * of 0, where the dense SVD has 3.7 % and 7.2 %), so a density's share is reported but "unsure".
 */
export function plateauAt(s: UnitSpectrum, centre = 1): { share: number; lower: number; upper: number; decision: Decision } {
  const b = spectrumShare(s, centre * (1 - PLATEAU.band), centre * (1 + PLATEAU.band));
  const decision: Decision = !s.values ? "unsure" : b.estimate >= PLATEAU.minShare ? "yes" : "no";
  return { share: b.estimate, lower: b.lower, upper: b.upper, decision };
}

const SLQ_WHY = "their spectra are SLQ densities, which do not resolve a ±1% band (dense spectra decide: spectrum.denseLimit ≥ the unit's size)";

/** Several spectra of one unit (images): a plateau when every one has it, none when none has it. */
function pooled(spectra: UnitSpectrum[], centre = 1) {
  const each = spectra.map((s) => plateauAt(s, centre));
  const decision: Decision = each.every((e) => e.decision === "yes") ? "yes" : each.every((e) => e.decision === "no") ? "no" : "unsure";
  return { share: each.reduce((a, e) => a + e.share, 0) / each.length, decision };
}

const isDownsampling = (unit: string) => /^s([1-9]\d*)\.b0$/.test(unit);
const SEED_PLATEAU = "a large share of singular values at 1 (a plateau in the scree plot) in every regular unit of ResNet-56/110 on CIFAR-10; the down-sampling units of stages 2–3 and the whole stages have none (§3.2, Figs. 1–2)";

/**
 * Figs. 1–2: `units` are every unit's spectrum at one image (unitProportionsStudy), `scree` the
 * Fig. 1 rows (the stages' spectra at several images).
 */
export function seed001PlateauClaim(units: Array<{ unit: string; stage: number; spectrum: UnitSpectrum }>, scree: ScreeRow[], scale: string): ClaimRow {
  const base = { seed: "001", claim: "residual units' singular values plateau at 1; down-sampling units and stages do not", seedReports: SEED_PLATEAU, threshold: "PLATEAU.minShare, PLATEAU.band", scale };
  const regular = units.filter((u) => !/\.b0$/.test(u.unit)).map((u) => ({ name: u.unit, ...plateauAt(u.spectrum) }));
  const down = units.filter((u) => isDownsampling(u.unit)).map((u) => ({ name: u.unit, ...plateauAt(u.spectrum) }));
  const stages = scree.filter((r) => r.kind === "stage").map((r) => ({ name: r.unit, ...pooled(r.spectra) }));
  if (!regular.length) return { ...base, measured: "no regular unit", verdict: "cannot tell", why: "every stage has one unit" };
  const shares = regular.map((r) => r.share);
  const measured = `share in [0.99, 1.01]: regular units ${pct(Math.min(...shares))}–${pct(Math.max(...shares))} (${regular.length} units); ` +
    `down-sampling units ${down.map((d) => `${d.name} ${pct(d.share)}`).join(", ") || "none"}; stages ${stages.map((s) => `${s.name} ${pct(s.share)}`).join(", ") || "not measured"}`;
  const others = [...down, ...stages];
  const missing = regular.filter((r) => r.decision === "no"), extra = others.filter((o) => o.decision === "yes");
  if (missing.length || extra.length) {
    return {
      ...base, measured, verdict: "does not hold",
      why: [missing.length ? `no plateau in ${missing.map((m) => m.name).join(", ")}` : "", extra.length ? `a plateau in ${extra.map((e) => e.name).join(", ")}` : ""].filter(Boolean).join("; ") + ` (share vs ${pct(PLATEAU.minShare)})`,
    };
  }
  const unsure = [...regular, ...others].filter((r) => r.decision === "unsure");
  if (unsure.length) return { ...base, measured, verdict: "cannot tell", why: `${unsure.map((u) => u.name).join(", ")}: ${SLQ_WHY}` };
  return { ...base, measured, verdict: "holds", why: `every regular unit ≥ ${pct(PLATEAU.minShare)} at σ ≈ 1, every down-sampling unit and stage below` };
}

/**
 * Fig. 3: the propagated differences of the FGSM and the random perturbation (same norm per image)
 * through the last stage, over the images FGSM flipped.
 */
export function seed001FgsmClaim(prop: { random: Propagation; adversarial: Propagation; fgsm: { flipped: boolean[] } }, scale: string): ClaimRow {
  const base = {
    seed: "001", claim: "FGSM perturbations jump late in the last stage, random noise does not",
    seedReports: "ResNet-110 on CIFAR-10: a dramatic jump of the adversarial difference towards the end of the final stage, absent for random noise of the same size (§3.3, Fig. 3)",
    threshold: "FGSM_JUMP.minGrowth, minContrast, minImages", scale,
  };
  const units = prop.random.units;
  const lastStage = Math.max(...units.filter((u) => u !== "input").map((u) => Number(/^s(\d+)/.exec(u)![1])));
  const first = units.findIndex((u) => u.startsWith(`s${lastStage}.`)), end = units.length - 1;
  const keep = prop.fgsm.flipped.flatMap((f, b) => (f ? [b] : []));
  if (keep.length < FGSM_JUMP.minImages) return { ...base, measured: `${keep.length} image(s) flipped by FGSM`, verdict: "cannot tell", why: `fewer than ${FGSM_JUMP.minImages} adversarial images` };
  const growth = (p: Propagation, from: number) => median(keep.map((b) => p.values[b][end] / p.values[b][from]));
  const gA = growth(prop.adversarial, first), gR = growth(prop.random, first);
  const lastA = growth(prop.adversarial, end - 1), lastR = growth(prop.random, end - 1);
  const measured = `${units[first]} → ${units[end]}: FGSM ×${gA.toFixed(2)}, random ×${gR.toFixed(2)} (last unit alone ×${lastA.toFixed(2)} vs ×${lastR.toFixed(2)}; medians over ${keep.length} flipped images)`;
  const jumps = gA >= FGSM_JUMP.minGrowth, contrast = gA >= FGSM_JUMP.minContrast * gR;
  if (jumps && contrast) return { ...base, measured, verdict: "holds", why: `FGSM grows ≥ ×${FGSM_JUMP.minGrowth} through the last stage, ≥ ${FGSM_JUMP.minContrast}× random's growth` };
  return { ...base, measured, verdict: "does not hold", why: !jumps ? `FGSM grows only ×${gA.toFixed(2)} (< ×${FGSM_JUMP.minGrowth})` : `random grows ×${gR.toFixed(2)}, more than 1/${FGSM_JUMP.minContrast} of FGSM's` };
}

/** Fig. 5, left: the share of σ within PLATEAU.band of α, for each skip scale α. */
export function seed001SkipScaleClaim(rows: Array<{ alpha: number; spectrum: UnitSpectrum }>, unit: string, scale: string): ClaimRow {
  const base = {
    seed: "001", claim: "scaling the skip by α moves the plateau to α",
    seedReports: "x_{k+1} = σ(αx_k + R(x_k)): the plateau sits at α, though the spectrum as a whole is not scaled by α (§3.4.1, Fig. 5 left)",
    threshold: "PLATEAU.minShare, PLATEAU.band", scale,
  };
  const at = rows.map((r) => ({ alpha: r.alpha, ...plateauAt(r.spectrum, r.alpha) }));
  const measured = `${unit}, share within ±${100 * PLATEAU.band}% of α: ${at.map((a) => `α = ${a.alpha}: ${pct(a.share)}`).join(", ")}`;
  if (rows.length < 2) return { ...base, measured, verdict: "cannot tell", why: "fewer than 2 skip scales" };
  const no = at.filter((a) => a.decision === "no"), unsure = at.filter((a) => a.decision === "unsure");
  if (no.length) return { ...base, measured, verdict: "does not hold", why: `no plateau at α = ${no.map((a) => a.alpha).join(", ")} (share < ${pct(PLATEAU.minShare)})` };
  if (unsure.length) return { ...base, measured, verdict: "cannot tell", why: `α = ${unsure.map((a) => a.alpha).join(", ")}: ${SLQ_WHY}` };
  return { ...base, measured, verdict: "holds", why: `≥ ${pct(PLATEAU.minShare)} of σ within ±${100 * PLATEAU.band}% of every α` };
}

/**
 * Fig. 5, right: the plateau share (σ in [0.99, 1.01]) for the weights tθ + (1 − t)η: none at
 * t = 0, and widest at an interior t in INTERPOLATION.peakRange (so wider than at t = 1).
 */
export function seed001InterpolationClaim(rows: Array<{ t: number; spectrum: UnitSpectrum }>, unit: string, scale: string): ClaimRow {
  const base = {
    seed: "001", claim: "interpolating a unit's weights towards noise: no plateau at t = 0, the widest near t = 0.5",
    seedReports: "θ̂(t) = tθ + (1 − t)η: at t = 0 the plateau at 1 is absent; it takes shape as t grows, is widest at t = 0.5, then loses some width (§3.5, Fig. 5 right)",
    threshold: "PLATEAU.minShare, INTERPOLATION.peakRange", scale,
  };
  const at = rows.map((r) => ({ t: r.t, ...plateauAt(r.spectrum) }));
  const measured = `${unit}, share in [0.99, 1.01]: ${at.map((a) => `t = ${a.t}: ${pct(a.share)}`).join(", ")}`;
  const zero = at.find((a) => a.t === 0), one = at.find((a) => a.t === 1);
  if (!zero || !one || at.length < 3) return { ...base, measured, verdict: "cannot tell", why: "needs t = 0, t = 1 and a t in between" };
  const peak = at.reduce((a, b) => (b.share > a.share ? b : a));
  const [lo, hi] = INTERPOLATION.peakRange;
  if (at.some((a) => a.decision === "unsure")) return { ...base, measured, verdict: "cannot tell", why: `the spectra: ${SLQ_WHY}` };
  if (zero.decision === "yes") return { ...base, measured, verdict: "does not hold", why: `a plateau at t = 0 (pure noise): ${pct(zero.share)}` };
  if (peak.decision === "no") return { ...base, measured, verdict: "does not hold", why: `no plateau at any t (the widest, t = ${peak.t}: ${pct(peak.share)} < ${pct(PLATEAU.minShare)})` };
  if (!(peak.t >= lo && peak.t <= hi)) return { ...base, measured, verdict: "does not hold", why: `the widest plateau is at t = ${peak.t}, outside [${lo}, ${hi}]` };
  return { ...base, measured, verdict: "holds", why: `no plateau at t = 0 (< ${pct(PLATEAU.minShare)}); the widest at t = ${peak.t}, wider than at t = 1 (${pct(one.share)})` };
}
