/**
 * A results folder belongs to one family of runs (same data, widths and recipe; any L and seed):
 * its `sweep.json` names the family, written once, atomically, by whichever runner or worker
 * comes first. A plan of another family is refused, so runs of different sweeps never mix.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalJson, type RunFamily, type SweepPlan } from "./plan";

/** The marker file of a results folder. */
export const SWEEP_MARKER = "sweep.json";

interface Marker {
  familyId: string;
  family: RunFamily;
}

/** The settings two families disagree on, as "key: here vs there". */
function differences(a: RunFamily, b: RunFamily): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const get = (f: RunFamily, k: string) => (f as unknown as Record<string, unknown>)[k];
  return keys.filter((k) => canonicalJson(get(a, k) ?? null) !== canonicalJson(get(b, k) ?? null)).map((k) => `${k} ${canonicalJson(get(a, k) ?? null)} in the plan vs ${canonicalJson(get(b, k) ?? null)} in the folder`);
}

/**
 * Binds `dir` to the plan's family (creating the folder and its marker if needed); throws when the
 * folder already holds another family's runs.
 */
export function bindResultsDir(dir: string, plan: Pick<SweepPlan, "familyId" | "family">): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SWEEP_MARKER);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    fs.writeFileSync(tmp, JSON.stringify({ familyId: plan.familyId, family: plan.family } satisfies Marker, null, 1) + "\n");
    try {
      fs.linkSync(tmp, file); // atomic create-if-absent: of two workers, one wins
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  let marker: Marker;
  try {
    marker = JSON.parse(fs.readFileSync(file, "utf8")) as Marker;
  } catch (e) {
    throw new Error(`the results folder ${dir} has an unreadable ${SWEEP_MARKER} (${(e as Error).message}): move it aside or use another folder`);
  }
  if (marker.familyId !== plan.familyId) {
    throw new Error(`the results folder ${dir} holds the runs of another sweep (${differences(plan.family, marker.family).join("; ")}): give this plan a results folder of its own`);
  }
}
