/**
 * Splitting a cell into TypeScript chunks and magic calls, with IPython's conventions:
 * `%name args` on a line of its own (any number, mixed with TypeScript lines) and
 * `%%name args` as the first line of a cell (the rest of the cell is its body).
 * `%name?` asks for the magic's usage.
 */

/** One magic call as written in a cell. */
export interface MagicCall {
  /** Magic name without the `%` / `%%` prefix. */
  name: string;
  /** Everything after the name on its line (trimmed). */
  args: string;
  /** True for `%name?`: show usage instead of running. */
  help: boolean;
  /** 0-based line of the call in the cell. */
  line: number;
}

/** A run of TypeScript lines, or one line magic. */
export type CellPart =
  | { kind: "code"; code: string; line: number }
  | ({ kind: "magic" } & MagicCall);

/** A parsed cell: either a cell magic with its body, or a sequence of parts. */
export interface ParsedCell {
  cellMagic?: MagicCall & { body: string };
  parts: CellPart[];
}

const LINE_MAGIC = /^\s*%([A-Za-z_][\w-]*)(\?)?(?:[ \t]+(.*?))?\s*$/;
const CELL_MAGIC = /^\s*%%([A-Za-z_][\w-]*)(\?)?(?:[ \t]+(.*?))?\s*$/;

/**
 * Parses a cell. TypeScript chunks keep their original line numbers (they are padded with
 * empty lines) so compiler diagnostics point at the right line of the cell.
 */
export function parseCell(src: string): ParsedCell {
  const lines = src.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0) {
    const m = CELL_MAGIC.exec(lines[first]);
    if (m) {
      const body = "\n".repeat(first + 1) + lines.slice(first + 1).join("\n");
      return {
        cellMagic: { name: m[1], help: m[2] === "?", args: (m[3] ?? "").trim(), line: first, body },
        parts: [],
      };
    }
  }
  const parts: CellPart[] = [];
  let chunk: string[] = [];
  let chunkStart = 0;
  const flush = (endLine: number) => {
    if (chunk.some((l) => l.trim() !== "")) {
      parts.push({ kind: "code", code: "\n".repeat(chunkStart) + chunk.join("\n"), line: chunkStart });
    }
    chunk = [];
    chunkStart = endLine + 1;
  };
  lines.forEach((line, i) => {
    const m = LINE_MAGIC.exec(line);
    if (m && !line.trimStart().startsWith("%%")) {
      flush(i);
      parts.push({ kind: "magic", name: m[1], help: m[2] === "?", args: (m[3] ?? "").trim(), line: i });
    } else {
      if (chunk.length === 0) chunkStart = i;
      chunk.push(line);
    }
  });
  flush(lines.length);
  return { parts };
}

/** True when a cell contains any magic (so plain TypeScript cells take the fast path). */
export function hasMagic(src: string): boolean {
  return /^\s*%/m.test(src);
}
