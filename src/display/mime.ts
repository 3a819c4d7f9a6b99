/**
 * MIME bundles and Deno's display protocol.
 *
 * Any object with a `[Symbol.for("Jupyter.display")]()` method that returns a MIME bundle
 * (`{"text/plain": ..., "text/html": ..., ...}`) shows itself in the ResLab kernel, exactly
 * as in Deno's Jupyter kernel.
 */

/** The well-known symbol of Deno's Jupyter display protocol. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A MIME bundle: MIME type → payload (string, or JSON for `application/*+json`). */
export type MimeBundle = Record<string, unknown>;

/** Metadata sent with a bundle (per-MIME metadata, as in Jupyter's display_data). */
export type MimeMetadata = Record<string, unknown>;

/** An object that knows how to show itself. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** True when `value` implements the display protocol. */
export function isDisplayable(value: unknown): value is Displayable {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === "function"
  );
}

/** Escapes text for safe inclusion in HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Checks a bundle is well formed: an object with at least one MIME key and a text/plain fallback. */
export function validateBundle(bundle: unknown, source = "display"): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    throw new TypeError(`${source}: [Symbol.for("Jupyter.display")]() must return an object of MIME type → data`);
  }
  const keys = Object.keys(bundle);
  if (keys.length === 0) throw new TypeError(`${source}: the MIME bundle is empty`);
  for (const k of keys) {
    if (!/^[a-z]+\/[\w.+-]+$/i.test(k)) {
      throw new TypeError(`${source}: "${k}" is not a MIME type (expected e.g. "text/html")`);
    }
  }
  return bundle as MimeBundle;
}
