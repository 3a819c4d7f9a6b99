/**
 * `display(value)`: shows any value as a rich output in the running cell.
 */
import { randomBytes } from "crypto";
import { inspect } from "util";
import { isDisplayable, JUPYTER_DISPLAY, validateBundle, type MimeBundle } from "./mime";
import { displaySink } from "./sink";
import { isArqueroTable, tableBundle } from "./table";
import { Figure, plotlyLibraryBundle } from "./plotly";

/**
 * Converts a value to a MIME bundle: display-protocol objects give their own bundle, arquero
 * tables become HTML + text tables, everything else a `text/plain` inspection.
 */
export function toMimeBundle(value: unknown): MimeBundle {
  if (isDisplayable(value)) return validateBundle(value[JUPYTER_DISPLAY](), "Jupyter.display");
  if (isArqueroTable(value)) return tableBundle(value);
  const text = typeof value === "string" ? value : inspect(value, { depth: 4, colors: false });
  return { "text/plain": text };
}

/** True when `value` has a rich representation (more than plain text). */
export function hasRichDisplay(value: unknown): boolean {
  return isDisplayable(value) || isArqueroTable(value);
}

/** A handle to a shown output that can be replaced in place. */
export class DisplayHandle {
  /** The Jupyter display id. */
  readonly id: string;
  constructor(id?: string) {
    this.id = id ?? randomBytes(8).toString("hex");
  }
  /** Replaces the output with a new value (update_display_data). */
  update(value: unknown): void {
    displaySink().send({ data: toMimeBundle(value), metadata: {}, displayId: this.id }, true);
  }
}

/** Options of {@link display}. */
export interface DisplayOptions {
  /** Give the output a display id so it can be updated later; returns its handle. */
  updatable?: boolean;
  /** Extra display metadata. */
  metadata?: Record<string, unknown>;
}

/** Shows `value` in the running cell. Returns a handle for updates when `updatable` is set. */
export function display(value: unknown, opts: DisplayOptions = {}): DisplayHandle | undefined {
  const handle = opts.updatable ? new DisplayHandle() : undefined;
  const library = handle && value instanceof Figure ? plotlyLibraryBundle() : undefined;
  if (library) displaySink().send({ data: library, metadata: {}, displayId: undefined }, false);
  displaySink().send({ data: toMimeBundle(value), metadata: opts.metadata ?? {}, displayId: handle?.id }, false);
  return handle;
}

/** Shows raw HTML. */
export function html(markup: string): void {
  display({ [JUPYTER_DISPLAY]: () => ({ "text/html": markup, "text/plain": markup.replace(/<[^>]+>/g, "") }) });
}

/** Shows Markdown. */
export function markdown(text: string): void {
  display({ [JUPYTER_DISPLAY]: () => ({ "text/markdown": text, "text/plain": text }) });
}
