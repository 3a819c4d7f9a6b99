/**
 * Completion and inspection on magic lines: `%sp<Tab>` completes magic names, `%spectrum --<Tab>`
 * that magic's options, and Shift-Tab on a magic shows its usage. Elsewhere in the cell tslab's
 * TypeScript completion answers, on the cell with its magic lines blanked out (same length, so
 * cursor offsets still hold).
 */
import type { MagicRegistry } from "./magics/registry";

const MAGIC_LINE = /^(\s*)(%%?)([A-Za-z_][\w-]*)?(.*)$/;

/** A completion: the matches replace code[start, end). */
export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

/** The line holding `cursor` and where it starts. */
function lineAt(code: string, cursor: number): { text: string; start: number } {
  const start = code.lastIndexOf("\n", cursor - 1) + 1;
  const endNl = code.indexOf("\n", cursor);
  return { text: code.slice(start, endNl < 0 ? code.length : endNl), start };
}

/** Is this line a magic line of the cell (line magics anywhere, a cell magic on the first line)? */
function isMagicLine(code: string, lineStart: number, text: string): boolean {
  const m = MAGIC_LINE.exec(text);
  if (!m) return false;
  if (m[2] === "%") return true;
  return code.slice(0, lineStart).trim() === ""; // %% only opens a cell
}

/** Completion on a magic line, or undefined when the cursor is not on one. */
export function completeMagic(registry: MagicRegistry, code: string, cursor: number): Completion | undefined {
  const { text, start } = lineAt(code, cursor);
  if (!isMagicLine(code, start, text)) return undefined;
  const before = text.slice(0, cursor - start);
  const m = MAGIC_LINE.exec(before);
  if (!m) return undefined;
  const [, indent, prefix, name = "", rest] = m;
  const isCell = prefix === "%%";
  const usable = registry.list().filter((s) => s.mode === "both" || s.mode === (isCell ? "cell" : "line"));
  if (rest === "") {
    // completing the name itself: the matches keep the prefix, as IPython's do
    const from = start + indent.length;
    return { start: from, end: cursor, matches: usable.filter((s) => s.name.startsWith(name)).map((s) => `${prefix}${s.name}`) };
  }
  const spec = usable.find((s) => s.name === name);
  if (!spec) return { start: cursor, end: cursor, matches: [] };
  const word = /(\S*)$/.exec(rest)![1];
  if (!word.startsWith("-")) return { start: cursor, end: cursor, matches: [] };
  const flags = registry.command(spec, isCell).cmd.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => !!f);
  const matches = [...new Set([...flags, "--help"])].filter((f) => f.startsWith(word)).sort();
  return { start: cursor - word.length, end: cursor, matches };
}

/** The usage of the magic under the cursor, or undefined when the cursor is not on a magic line. */
export function inspectMagic(registry: MagicRegistry, code: string, cursor: number): string | undefined {
  const { text, start } = lineAt(code, cursor);
  if (!isMagicLine(code, start, text)) return undefined;
  const m = MAGIC_LINE.exec(text)!;
  const spec = registry.list().find((s) => s.name === m[3]);
  return spec ? registry.usage(spec, m[2] === "%%") : undefined;
}

/** The cell with its magic lines replaced by spaces (same length), for TypeScript tooling. */
export function blankMagicLines(code: string): string {
  let offset = 0;
  return code.split("\n").map((line) => {
    const out = isMagicLine(code, offset, line) ? " ".repeat(line.length) : line;
    offset += line.length + 1;
    return out;
  }).join("\n");
}
