/**
 * arquero tables as rich outputs: an HTML table and a Markdown `text/plain` fallback.
 *
 * This module never loads arquero itself (tables are recognised by shape), so displaying stays
 * cheap and works with whichever arquero instance the user imported.
 */
import type { MimeBundle } from "./mime";
import { escapeHtml } from "./mime";

/** The part of arquero's ColumnTable API that display needs. */
export interface TableLike {
  numRows(): number;
  numCols(): number;
  columnNames(): string[];
  toHTML(options?: { limit?: number }): string;
  toMarkdown(options?: { limit?: number }): string;
}

/** True for arquero tables (ColumnTable and friends). */
export function isArqueroTable(value: unknown): value is TableLike {
  if (value === null || typeof value !== "object") return false;
  const t = value as Record<string, unknown>;
  return ["numRows", "numCols", "columnNames", "toHTML", "toMarkdown"].every((m) => typeof t[m] === "function");
}

/** Options of {@link tableBundle}. */
export interface TableDisplayOptions {
  /** Rows shown at most (default 50); the caption says how many were left out. */
  limit?: number;
  /** A caption above the table (e.g. provenance). */
  caption?: string;
}

/** The MIME bundle of an arquero table. */
export function tableBundle(table: TableLike, opts: TableDisplayOptions = {}): MimeBundle {
  const limit = opts.limit ?? 50;
  const rows = table.numRows();
  const shown = Math.min(rows, limit);
  const size = `${rows} row${rows === 1 ? "" : "s"} × ${table.numCols()} column${table.numCols() === 1 ? "" : "s"}`;
  const more = rows > shown ? ` (first ${shown} shown)` : "";
  const caption = opts.caption ? `${opts.caption} — ${size}${more}` : `${size}${more}`;
  return {
    "text/html":
      `<div class="reslab-table"><div style="font-size:85%;color:#555">${escapeHtml(caption)}</div>` +
      table.toHTML({ limit }) +
      "</div>",
    "text/plain": `${caption}\n${table.toMarkdown({ limit })}`,
  };
}
