/**
 * `%lsmagic`: every registered magic, IPython style, with one line of help each.
 */
import type { MagicSpec } from "../types";

export const lsmagicMagic: MagicSpec = {
  name: "lsmagic",
  mode: "line",
  summary: "List the available magics (use %name? for the usage of one).",
  run(_call, ctx) {
    const specs = ctx.registry.list();
    const line = specs.filter((s) => s.mode !== "cell");
    const cell = specs.filter((s) => s.mode !== "line");
    const width = Math.max(...specs.map((s) => s.name.length)) + 3;
    const text =
      "Available line magics:\n" +
      line.map((s) => `%${s.name}`).join("  ") +
      "\n\nAvailable cell magics:\n" +
      cell.map((s) => `%%${s.name}`).join("  ") +
      "\n\n" +
      specs.map((s) => `${("%" + s.name).padEnd(width)}${s.summary}`).join("\n") +
      "\n\nType %name? for the usage of a magic. Magic arguments can name session variables as $name; -o NAME binds a magic's result.\n";
    ctx.print(text);
    return { line: line.map((s) => s.name), cell: cell.map((s) => s.name) };
  },
};
