/**
 * Which study notebook decides which seed's claims, for the reproduction table: a notebook that
 * did not run to its claims table (it failed, or was not run) still gets a row, "cannot tell",
 * with the reason, so no claim silently drops out of the table.
 */
import type { ClaimRow } from "./claim";

/** Notebook (file name without .ipynb) → the seed whose claims it shows and what they are about. */
export const CLAIM_NOTEBOOKS: Record<string, { seed: string; about: string }> = {
  "03-stopping-rule": { seed: "000", about: "the 1/L law, the saturating distance and the stopping rule" },
  "04-jacobian-spectra": { seed: "001", about: "the plateau at 1, skip scaling and weight interpolation" },
  "05-perturbation-propagation": { seed: "001", about: "FGSM vs random perturbations through the last stage" },
  "06-iterative-inference": { seed: "003", about: "negative cosines, dropped blocks and intermediate accuracy" },
  "07-gradient-flow": { seed: "002", about: "plain vs residual gradients by depth" },
  "08-identity-mappings": { seed: "004", about: "the full pre-activation unit against the other units" },
};

/** The row standing for a notebook's claims when it produced none (`problem`: why, e.g. its error). */
export function missingClaimsRow(notebook: string, problem: string, scale: string): ClaimRow {
  const src = CLAIM_NOTEBOOKS[notebook];
  if (!src) throw new Error(`notebook "${notebook}" decides no claims; known: ${Object.keys(CLAIM_NOTEBOOKS).join(", ")}`);
  return {
    seed: src.seed, claim: `${src.about} (notebook ${notebook})`, seedReports: "—", measured: "—",
    verdict: "cannot tell", why: `the notebook did not run to its claims: ${problem}`, threshold: "—", scale,
  };
}
