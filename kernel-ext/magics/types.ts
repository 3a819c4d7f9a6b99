/**
 * The contract between the kernel and a magic.
 */
import type { Command } from "commander";

/** A user error in a magic call (bad argument, unknown magic): shown without a stack trace. */
export class MagicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Thrown when code run by a magic already reported its own error (nothing more to show). */
export class ReportedError extends Error {
  constructor() {
    super("the error was reported above");
    this.name = "ReportedError";
  }
}

/** What the kernel offers a magic while it runs. */
export interface MagicContext {
  /** The session's variables (top-level names of earlier cells). */
  readonly locals: Record<string, unknown>;
  /** Runs code as a cell of its own (TypeScript plus magics); false when it failed (already reported). */
  runCell(code: string): Promise<boolean>;
  /**
   * Compiles TypeScript statements into a function of the session (it sees earlier cells'
   * variables); declarations inside stay local to the function. Throws ReportedError on compile errors.
   */
  compileFunction(body: string): Promise<() => unknown>;
  /** Writes text to the cell's stdout. */
  print(text: string): void;
  /** Shows a value (MIME bundle, figure, table...) in the cell. */
  display(value: unknown): void;
  /** Binds `value` to a session variable that later cells can use. */
  bind(name: string, value: unknown): Promise<void>;
  /** Names of all registered magics (for %lsmagic). */
  readonly registry: { list(): MagicSpec[] };
}

/** A parsed magic call, as the magic's `run` receives it. */
export interface MagicRun {
  /** The magic's name. */
  name: string;
  /** True when called as `%%name` (cell magic). */
  isCell: boolean;
  /** Positional arguments, after `$variable` expansion and the arguments' own parsers. */
  args: unknown[];
  /** Options, after `$variable` expansion and parsing. `output` holds `-o NAME`. */
  opts: Record<string, unknown>;
  /** The code: the cell body of a cell magic, or the rest of the line for magics that take code. */
  code: string;
}

/** A magic's definition. Handlers are thin: parse, call the library, display. */
export interface MagicSpec {
  name: string;
  /** One line for %lsmagic. */
  summary: string;
  /** `line` (%name), `cell` (%%name) or `both`. */
  mode: "line" | "cell" | "both";
  /** Declares arguments and options on a commander Command (`-o/--output` is added for you). */
  options?(cmd: Command): void;
  /** When true, everything after the leading options is code, passed unparsed in `run.code`. */
  takesCode?: boolean;
  /** Runs the magic; the value returned is what `-o NAME` binds. */
  run(call: MagicRun, ctx: MagicContext): unknown | Promise<unknown>;
}
