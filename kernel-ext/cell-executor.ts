/**
 * Runs a cell: TypeScript chunks through tslab's executor, magics through the registry.
 *
 * tslab's executor reports through a console we own ({@link ExecutorConsole}): `log` receives
 * the value of a cell's last expression, `error` compile diagnostics and thrown errors. We turn
 * those into an execute_result and a single Jupyter `error` output.
 */
import { format } from "util";
import * as vm from "vm";
import { display as showValue } from "../src/display/display";
import { parseCell, hasMagic } from "./cell";
import { MagicRegistry, runMagic } from "./magics/registry";
import { MagicError, ReportedError, type MagicContext } from "./magics/types";

/** The part of tslab's Executor this module uses. */
export interface TsExecutor {
  execute(src: string): Promise<boolean>;
  readonly locals: Record<string, unknown>;
}

/** A failed cell, in the shape of Jupyter's error output. */
export interface CellFailure {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** How a cell ended. */
export type CellOutcome = { ok: true } | { ok: false; error: CellFailure };

/** Where a cell's text and results go. */
export interface CellEvents {
  /** Text the kernel itself prints for the cell (magic output). */
  stdout(text: string): void;
  /** The value of the cell's last expression. */
  result(value: unknown): void;
}

/** The console handed to tslab's createExecutor; routes to the running cell. */
export class ExecutorConsole {
  private onValue: (v: unknown) => void = () => undefined;
  private errors: unknown[][] = [];

  /** Starts a cell: values go to `onValue`, errors are collected afresh. */
  begin(onValue: (v: unknown) => void): void {
    this.onValue = onValue;
    this.errors = [];
  }
  log = (value?: unknown, ...rest: unknown[]): void => {
    if (rest.length === 0) this.onValue(value);
    else this.onValue(format(value, ...rest));
  };
  error = (...args: unknown[]): void => {
    this.errors.push(args);
  };
  /** True when errors were collected since {@link begin}. */
  hasErrors(): boolean {
    return this.errors.length > 0;
  }
  /** The collected errors as one Jupyter error (compile diagnostics are joined). */
  failure(): CellFailure {
    const errs = this.errors;
    const thrown = errs.find((a) => a.length === 1 && isErrorLike(a[0]));
    if (thrown) return failureOf(thrown[0]);
    if (errs.length === 0) return { ename: "Error", evalue: "the cell failed", traceback: ["the cell failed"] };
    const lines = errs.map((a) => format(...(a as [unknown, ...unknown[]])));
    return { ename: "CompileError", evalue: lines.join("\n"), traceback: lines };
  }
}

function isErrorLike(v: unknown): v is Error {
  return v instanceof Error || (typeof v === "object" && v !== null && "message" in v && "stack" in v);
}

/** Turns anything thrown into a Jupyter error; stack frames inside the kernel are dropped. */
export function failureOf(e: unknown): CellFailure {
  if (e instanceof MagicError) return { ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`] };
  if (isErrorLike(e)) {
    const stack = String(e.stack ?? `${e.name}: ${e.message}`).split("\n");
    const cut = stack.findIndex((l) => /\(node:vm:|at node:vm|node:internal|tslab[\\/]dist[\\/]|kernel-ext[\\/]/.test(l));
    return { ename: e.name || "Error", evalue: e.message, traceback: cut > 0 ? stack.slice(0, cut) : stack };
  }
  const text = format(e);
  return { ename: "Error", evalue: text, traceback: [`Uncaught ${text}`] };
}

/** The global object cells run in (tslab runs them in Node's main context, even under jest). */
const cellGlobal = vm.runInThisContext("globalThis") as Record<string, unknown>;

const BIND_SLOT = "__reslab_bind__";
const FN_SLOT = "__reslab_fn__";

/** Executes cells with magics on top of a tslab executor. */
export class CellExecutor {
  constructor(
    private readonly ts: TsExecutor,
    readonly registry: MagicRegistry,
    private readonly console: ExecutorConsole,
  ) {}

  /** Runs one cell to completion; never throws. */
  async execute(src: string, events: CellEvents): Promise<CellOutcome> {
    this.console.begin((v) => events.result(v));
    try {
      if (await this.run(src, events)) return { ok: true };
      return { ok: false, error: this.console.failure() };
    } catch (e) {
      if (e instanceof ReportedError) return { ok: false, error: this.console.failure() };
      return { ok: false, error: failureOf(e) };
    }
  }

  /** Runs a cell's parts in order; false at the first TypeScript failure. Magic errors throw. */
  private async run(src: string, events: CellEvents): Promise<boolean> {
    if (!hasMagic(src)) return this.ts.execute(src);
    const cell = parseCell(src);
    if (cell.cellMagic) {
      const m = cell.cellMagic;
      await this.runMagicCall(m.name, m.args, m.help, true, events, m.body);
      return true;
    }
    for (const part of cell.parts) {
      if (part.kind === "code") {
        if (!(await this.ts.execute(part.code))) return false;
      } else {
        await this.runMagicCall(part.name, part.args, part.help, false, events);
      }
    }
    return true;
  }

  private async runMagicCall(name: string, args: string, help: boolean, isCell: boolean, events: CellEvents, body = ""): Promise<void> {
    const spec = this.registry.lookup(name, isCell);
    const ctx = this.context(events);
    if (help) {
      events.stdout(this.registry.usage(spec, isCell));
      return;
    }
    const call = this.registry.parse(spec, args, isCell, this.ts.locals, body);
    await runMagic(this.registry, spec, call, ctx);
  }

  private context(events: CellEvents): MagicContext {
    return {
      locals: this.ts.locals,
      registry: this.registry,
      runCell: (code) => this.run(code, events),
      compileFunction: (body) => this.compileFunction(body),
      print: (text) => events.stdout(text),
      display: (value) => void showValue(value),
      bind: (name, value) => this.bind(name, value),
    };
  }

  /** Compiles statements into a function of the session (see MagicContext.compileFunction). */
  async compileFunction(body: string): Promise<() => unknown> {
    const g = cellGlobal;
    const isAsync = /\bawait\b/.test(body);
    const src = `void ((globalThis as any).${FN_SLOT} = ${isAsync ? "async " : ""}() => {\n${body}\n});`;
    delete g[FN_SLOT];
    if (!(await this.ts.execute(src))) throw new ReportedError();
    const fn = g[FN_SLOT] as () => unknown;
    delete g[FN_SLOT];
    return fn;
  }

  /** Binds a value to a session variable (declared `any`, visible to later cells). */
  async bind(name: string, value: unknown): Promise<void> {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new MagicError(`"${name}" is not a valid variable name`);
    const g = cellGlobal;
    g[BIND_SLOT] = value;
    try {
      if (!(await this.ts.execute(`let ${name}: any = (globalThis as any).${BIND_SLOT};`))) throw new ReportedError();
    } finally {
      delete g[BIND_SLOT];
    }
  }
}
