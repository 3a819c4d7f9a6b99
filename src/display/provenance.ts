/**
 * Provenance: what every figure and table must say about where its numbers came from.
 */
import { currentBackend } from "../backend/select";

/** Where a result came from. `backend` is filled in from the active backend when omitted. */
export interface Provenance {
  /** Dataset and split, e.g. "MNIST (embedded, 8,000 train / 2,000 test)"; "none" for analytic figures. */
  dataset: string;
  /** Model configuration, e.g. "pre-act ResNet, L=4, widths 16/32/64". */
  model: string;
  /** Seed or seeds used. */
  seed: number | string | number[];
  /** Training epochs, when a model was trained. */
  epochs?: number;
  /** tfjs backend that computed the numbers. */
  backend?: string;
  /** Anything else a reader needs (e.g. "quick mode"). */
  note?: string;
}

/** Fills in the backend from the active one when the caller did not name it. */
export function completeProvenance(p: Provenance): Required<Pick<Provenance, "backend">> & Provenance {
  return { ...p, backend: p.backend ?? currentBackend()?.active ?? "unknown" };
}

/** One line of provenance: "dataset: … · model: … · seed: … · epochs: … · backend: …". */
export function provenanceLine(p: Provenance): string {
  const full = completeProvenance(p);
  const seed = Array.isArray(full.seed) ? full.seed.join(", ") : String(full.seed);
  const parts = [`dataset: ${full.dataset}`, `model: ${full.model}`, `seed: ${seed}`];
  if (full.epochs !== undefined) parts.push(`epochs: ${full.epochs}`);
  parts.push(`backend: ${full.backend}`);
  if (full.note) parts.push(full.note);
  return parts.join(" · ");
}

/** Throws a clear error when provenance is missing or has empty required fields. */
export function checkProvenance(p: Provenance | undefined, what: string): Provenance {
  if (!p) throw new Error(`${what}: provenance is required ({dataset, model, seed}); every figure must say where its numbers came from.`);
  for (const key of ["dataset", "model"] as const) {
    if (typeof p[key] !== "string" || p[key].trim() === "") {
      throw new Error(`${what}: provenance.${key} must be a non-empty string.`);
    }
  }
  if (p.seed === undefined || p.seed === null || p.seed === "") {
    throw new Error(`${what}: provenance.seed is required (use "none" when nothing is random).`);
  }
  return p;
}
