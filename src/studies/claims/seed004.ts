/**
 * Seed 004's claim (He et al., "Identity Mappings", Table 2): the full pre-activation unit (e) has
 * the lowest test error of the residual units (a)–(e). A difference counts only beyond
 * UNIT_RANKING.seMultiple binomial standard errors of the test error.
 */
import type { ClaimRow } from "./claim";
import { UNIT_RANKING } from "./thresholds";

/** The units' test errors (fractions) and the number of test images they were measured on. */
export function seed004Claim(units: Array<{ id: string; testError: number }>, testImages: number, scale: string): ClaimRow {
  const base = {
    seed: "004", claim: "the full pre-activation unit (e) is the best of the residual units (a)–(e)",
    seedReports: "He et al., Table 2: (e) 6.37 % vs (a) 6.61, (b) 8.17, (c) 7.84, (d) 6.71 on CIFAR-10, ResNet-110", threshold: "UNIT_RANKING.seMultiple", scale,
  };
  const e = units.find((u) => /full-preactivation/.test(u.id));
  if (!e || units.length < 2) return { ...base, measured: `${units.length} unit(s)`, verdict: "cannot tell", why: "unit (e) or its rivals were not trained" };
  const sorted = [...units].sort((a, b) => a.testError - b.testError);
  const best = sorted[0];
  const se = Math.sqrt((best.testError * (1 - best.testError)) / testImages);
  const gap = e.testError - best.testError;
  const letter = (id: string) => id.split("-")[1];
  const measured = `${sorted.map((u) => `(${letter(u.id)}) ${(100 * u.testError).toFixed(2)}%`).join(", ")}; standard error ${(100 * se).toFixed(2)} points on ${testImages} images`;
  if (best === e) return { ...base, measured, verdict: "holds", why: "(e) has the lowest test error" };
  return gap > UNIT_RANKING.seMultiple * se
    ? { ...base, measured, verdict: "does not hold", why: `(${letter(best.id)}) beats (e) by ${(100 * gap).toFixed(2)} points, more than ${UNIT_RANKING.seMultiple} standard errors` }
    : { ...base, measured, verdict: "cannot tell", why: `(${letter(best.id)}) is lower than (e) by ${(100 * gap).toFixed(2)} points, within ${UNIT_RANKING.seMultiple} standard errors` };
}
