/**
 * Seed 002's claim (Herberg's notes) on depth sweeps of gradient norms: in a plain net the
 * gradient at the first layer vanishes as depth grows, while the residual form keeps its identity
 * term, so it does not vanish (it may grow: the notes say the identity does not prevent explosion).
 */
import type { DepthSweepRow } from "../../analysis/gradient-norms";
import type { ClaimRow } from "./claim";
import { GRADIENT_FLOW } from "./thresholds";

const SEED = "products of layer Jacobians vanish in a plain net; I + ∂a/∂y keeps an identity term in a residual one (vanishing vs exploding gradients)";
const e2 = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v));

/** One claim row for a sweep (`label`, e.g. "dense nets at initialisation"). */
export function seed002Claim(rows: DepthSweepRow[], label: string, scale: string): ClaimRow {
  const pick = (residual: boolean) => rows.filter((r) => r.residual === residual).sort((a, b) => a.depth - b.depth);
  const [res, plain] = [pick(true), pick(false)];
  const base = { seed: "002", claim: `a plain net's first-layer gradient vanishes with depth, a residual one's does not (${label})`, seedReports: SEED, threshold: "GRADIENT_FLOW.vanishFactor, keepFactor", scale };
  if (res.length < 2 || plain.length < 2) return { ...base, measured: `${Math.min(res.length, plain.length)} depth(s)`, verdict: "cannot tell", why: "fewer than 2 depths" };
  const factor = (r: DepthSweepRow[]) => r[r.length - 1].firstInputGrad / r[0].firstInputGrad;
  const [fp, fr] = [factor(plain), factor(res)];
  const vanishes = fp < GRADIENT_FLOW.vanishFactor, keeps = fr >= GRADIENT_FLOW.keepFactor;
  return {
    ...base,
    measured: `depth ${plain[0].depth} → ${plain[plain.length - 1].depth}: plain ×${e2(fp)}, residual ×${e2(fr)}${fr > GRADIENT_FLOW.growFactor ? " (grows)" : ""}`,
    verdict: vanishes && keeps ? "holds" : "does not hold",
    why: vanishes && keeps ? `plain falls below ×${GRADIENT_FLOW.vanishFactor}, residual stays above ×${GRADIENT_FLOW.keepFactor}` : !vanishes ? `the plain gradient ${fp >= 1 ? "grows" : "falls only"} ×${e2(fp)} (not below ×${GRADIENT_FLOW.vanishFactor})` : `the residual gradient falls ×${e2(fr)} too`,
  };
}
