/**
 * A claim of a seed, checked against one run's data: what the seed reports, what was measured,
 * and a verdict — holds, does not hold, or cannot tell at this scale (with the reason). The rows
 * display as a table and carry the MIME type `application/vnd.reslab.claims+json`, which the
 * reproduction script (scripts/reproduction.js) collects from executed notebooks.
 */
import * as aq from "arquero";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display/mime";
import { tableBundle } from "../../display/table";

export type Verdict = "holds" | "does not hold" | "cannot tell";

/** One row of the reproduction table. */
export interface ClaimRow {
  /** The seed file's number ("000" … "004"). */
  seed: string;
  claim: string;
  /** What the seed reports (its figure or section). */
  seedReports: string;
  /** What this run measured. */
  measured: string;
  verdict: Verdict;
  /** Why, when the verdict is not "holds"; the rule applied otherwise. */
  why: string;
  /** The thresholds used, by name (src/studies/claims/thresholds.ts). */
  threshold: string;
  /** The scale of the run (quick, cpu, full). */
  scale: string;
}

/** The MIME type the rows travel under. */
export const CLAIMS_MIME = "application/vnd.reslab.claims+json";

/** Claims as a displayable value: an HTML/text table plus the JSON rows. */
export function claimsDisplay(rows: ClaimRow[], caption = "The seeds' claims at this scale") {
  return {
    rows,
    [JUPYTER_DISPLAY]: (): MimeBundle => ({
      ...tableBundle(aq.from(rows.map((r) => ({ seed: r.seed, claim: r.claim, "the seed reports": r.seedReports, "this run": r.measured, verdict: r.verdict, why: r.why }))), { caption }),
      [CLAIMS_MIME]: rows,
    }),
  };
}
