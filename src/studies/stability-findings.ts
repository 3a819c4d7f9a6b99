/**
 * This run's numbers next to seed 001's findings, as sentences for the notebooks: computed from
 * the study's data, so the narrative says what this run shows and where it departs from the seed.
 */
import type { Alignment, Propagation } from "../analysis/propagation";
import { spectrumShare, type UnitSpectrum } from "../analysis/unit-spectrum";
import { PLATEAU } from "./claims/thresholds";

const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

type UnitRow = { unit: string; stage: number; spectrum: UnitSpectrum };

/** Proportion in bin `k` (0: >1.01, 1: [0.99, 1.01], 2: (0, 0.99), 3: ≈0) of a unit's spectrum. */
const bin = (s: UnitSpectrum, k: number) => s.proportions?.[k]?.estimate ?? NaN;
const regular = (rows: UnitRow[]) => rows.filter((r) => !/\.b0$/.test(r.unit));

/** The plateau at 1 (seed: a large share of every regular unit's singular values is 1). */
export function plateauFinding(rows: UnitRow[]): string {
  const reg = regular(rows);
  if (!reg.length) return "No regular (non-down-sampling) units to compare: the stages have one unit each.";
  const byStage = [...new Set(reg.map((r) => r.stage))].map((s) => ({ s, v: mean(reg.filter((r) => r.stage === s).map((r) => bin(r.spectrum, 1))) }));
  const overall = mean(reg.map((r) => bin(r.spectrum, 1)));
  const verdict = overall >= PLATEAU.minShare ? "as in the seed, regular units have a plateau of singular values at 1" : "unlike the seed, there is no clear plateau at 1";
  return `Singular values in [0.99, 1.01] per regular unit: ${byStage.map((b) => `stage ${b.s + 1} ${pct(b.v)}`).join(", ")} (mean ${pct(overall)}): ${verdict}.`;
}

/** Direction of a proportion from the first to the last regular unit of each stage, against the seed's. */
export function stageTrendFinding(rows: UnitRow[]): string {
  const reg = regular(rows);
  const stages = [...new Set(reg.map((r) => r.stage))].sort((a, b) => a - b);
  if (!stages.length || stages.every((s) => reg.filter((r) => r.stage === s).length < 2)) return "Each stage has fewer than two regular units: no trend within stages to compare with the seed.";
  const last = stages[stages.length - 1];
  // Seed Fig. 2 (ResNet-110): >1.01 falls slightly everywhere; ≈1 rises in stages 1–2 and falls drastically in 3; ≈0 falls in 1–2 and rises steeply in 3.
  const seed = (k: number, s: number) => (k === 0 ? "down" : k === 1 ? (s === last ? "down" : "up") : s === last ? "up" : "down");
  const names = ["> 1.01", "≈ 1", "≈ 0"];
  const ks = [0, 1, 3];
  const parts: string[] = [];
  let agree = 0, total = 0;
  for (const s of stages) {
    const rs = reg.filter((r) => r.stage === s);
    if (rs.length < 2) continue;
    const cells = ks.map((k, j) => {
      const a = bin(rs[0].spectrum, k), b = bin(rs[rs.length - 1].spectrum, k);
      const dir = Math.abs(b - a) < 0.005 ? "flat" : b > a ? "up" : "down";
      total++;
      if (dir === seed(k, s)) agree++;
      return `${names[j]} ${pct(a)}→${pct(b)} (${dir}; seed ${seed(k, s)})`;
    });
    parts.push(`stage ${s + 1}: ${cells.join(", ")}`);
  }
  return `From the first to the last regular unit — ${parts.join("; ")}. ${agree} of ${total} directions match the seed's ResNet-110.`;
}

/**
 * The late FGSM jump (seed: in the last stage random perturbations shrink while adversarial
 * ones jump towards its end). Compares the last unit's propagated difference with the last
 * stage's first unit, median over images.
 */
export function fgsmJumpFinding(random: Propagation, adversarial: Propagation): string {
  const units = random.units;
  const lastStage = units.filter((u) => u !== "input").map((u) => Number(/^s(\d+)/.exec(u)![1])).reduce((a, b) => Math.max(a, b), 0);
  const first = units.findIndex((u) => u.startsWith(`s${lastStage}.`));
  const end = units.length - 1;
  const ratio = (p: Propagation) => median(p.values.map((v) => v[end] / v[first]));
  const jumpAt = (p: Propagation) => median(p.values.map((v) => v[end] / v[end - 1]));
  const rA = ratio(adversarial), rR = ratio(random), jA = jumpAt(adversarial), jR = jumpAt(random);
  const seedLike = rA > 1 && rA > rR && jA > jR;
  return (
    `Through the last stage (${units[first]} → ${units[end]}) the propagated difference changes by ×${rA.toFixed(2)} for FGSM and ×${rR.toFixed(2)} for random noise of the same size ` +
    `(last unit alone: ×${jA.toFixed(2)} vs ×${jR.toFixed(2)}; medians over ${random.values.length} images). ` +
    (seedLike
      ? "As in the seed, the adversarial difference grows in the last stage while the random one does not keep up."
      : "This differs from the seed, where the adversarial difference jumps at the end of the last stage and the random one shrinks.")
  );
}

/** Linearisation as a predictor, and the alignment with the top singular vector (seed Fig. 4). */
export function alignmentFinding(adversarial: Alignment[], random: Alignment[]): string {
  if (!adversarial.length) return "No units were analysed.";
  const err = (as: Alignment[]) => median(as.map((a) => Math.abs(a.predicted - a.actual) / a.actual));
  const a1 = (as: Alignment[]) => as.map((a) => Math.abs(a.alpha[0] ?? 0));
  const lastA = a1(adversarial).at(-1)!, lastR = a1(random).at(-1)!, earlyA = mean(a1(adversarial).slice(0, -1));
  return (
    `The linearised change ‖Jδx‖/‖δx‖ is within ${pct(err(adversarial))} (FGSM) and ${pct(err(random))} (random) of the actual change, median over units. ` +
    `|α₁| on the top right singular vector at the last unit: ${lastA.toFixed(3)} for FGSM vs ${lastR.toFixed(3)} random` +
    (adversarial.length > 1 ? ` (FGSM, earlier units: mean ${earlyA.toFixed(3)})` : "") +
    ". " +
    (lastA > lastR && (adversarial.length === 1 || lastA > earlyA)
      ? "As in the seed, the adversarial perturbation lines up with the top singular direction at the end of the stage."
      : "Unlike the seed, the adversarial perturbation is not more aligned with the top singular direction at the last unit.")
  );
}

/** Skip scaling (seed: the plateau moves to α): the share within ±PLATEAU.band of α, against PLATEAU.minShare. */
export function skipScaleFinding(rows: Array<{ alpha: number; spectrum: UnitSpectrum }>): string {
  const at = rows.map((r) => ({ alpha: r.alpha, share: r.spectrum.values || r.spectrum.density ? spectrumShare(r.spectrum, r.alpha * (1 - PLATEAU.band), r.alpha * (1 + PLATEAU.band)).estimate : NaN }));
  const moved = at.every((a) => !Number.isFinite(a.share) || a.share >= PLATEAU.minShare);
  return `Share of singular values within ${100 * PLATEAU.band}% of α: ${at.map((a) => `α=${a.alpha}: ${Number.isFinite(a.share) ? pct(a.share) : "n/a (top k only)"}`).join(", ")}. ${moved ? "As in the seed, the plateau sits at α." : "Unlike the seed, the plateau does not follow α for every scale."}`;
}

/** Weight interpolation (seed: no plateau at t = 0, the widest plateau near t = 0.5). */
export function interpolationFinding(rows: Array<{ t: number; spectrum: UnitSpectrum }>): string {
  const share = rows.map((r) => ({ t: r.t, v: bin(r.spectrum, 1) }));
  const best = share.reduce((a, b) => (b.v > a.v ? b : a));
  const zero = share.find((s) => s.t === 0);
  return (
    `Share of singular values in [0.99, 1.01]: ${share.map((s) => `t=${s.t}: ${pct(s.v)}`).join(", ")}. The plateau is widest at t = ${best.t} (seed: 0.5)` +
    (zero ? `; at t = 0 (pure noise) it holds ${pct(zero.v)} (seed: absent).` : ".")
  );
}
