/**
 * The seeds' claims whose studies have no cpu scale yet: listed so the reproduction table has a
 * row for every claim, each marked "cannot tell" with that reason (no number is made up).
 */
import type { ClaimRow } from "./claim";

const pending = (seed: string, claim: string, seedReports: string): ClaimRow => ({
  seed, claim, seedReports, measured: "—", verdict: "cannot tell", why: "this study has no cpu scale yet", threshold: "—", scale: "cpu",
});

export const PENDING_CLAIMS: ClaimRow[] = [
  pending("001", "residual units' singular values plateau at 1; down-sampling units and stages do not", "a plateau at σ ≈ 1 (Figs. 1–2)"),
  pending("001", "FGSM perturbations jump late in the last stage, random noise does not", "Fig. 3"),
  pending("001", "scaling the skip by α moves the plateau to α", "Fig. 5, left"),
  pending("001", "interpolated weights keep the plateau", "Fig. 5, right"),
  pending("003", "cos(F(h), ∂L/∂h) is negative in most blocks", "Fig. 3"),
  pending("003", "dropping a non-down-sampling block costs little, a down-sampling one much", "Fig. 4"),
  pending("003", "intermediate accuracy through the final classifier rises with depth", "Fig. 6"),
  pending("002", "a plain net's first-layer gradient vanishes with depth, a residual one's does not", "lecture notes §ResNets"),
  pending("004", "full pre-activation is the best of the unit variants", "He et al., Table 2"),
];
