/**
 * The magic registry: each study registers its magics here, in one place.
 *
 * Arguments are tokenised with shell-quote (quotes work as in a shell) and parsed with
 * commander (options, defaults, usage text, "did you mean" for mistyped options).
 * `$name` in any argument stands for the session variable `name`.
 */
import { Command, CommanderError, Option } from "commander";
import { distance } from "fastest-levenshtein";
import { parse as shellParse } from "shell-quote";
import { MagicError, type MagicContext, type MagicRun, type MagicSpec } from "./types";

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * Suggests the closest known name, or undefined when nothing is close: a unique completion of
 * what was typed first, then the smallest edit distance (ties go to a name of the same length,
 * which catches swapped letters such as "timeti" → "timeit").
 */
export function suggestName(name: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  const completions = known.filter((k) => k.startsWith(name));
  if (completions.length === 1) return completions[0];
  const scored = known.map((k) => ({ k, d: distance(name, k) }));
  const best = Math.min(...scored.map((s) => s.d));
  if (best > Math.max(2, Math.floor(name.length / 3))) return undefined;
  const ties = scored.filter((s) => s.d === best);
  return (ties.find((s) => s.k.length === name.length) ?? ties[0]).k;
}

/** Splits an argument string into words, shell style (quotes group, `$x` kept for expansion). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const t of shellParse(text, (key: string) => `$${key}`)) {
    if (typeof t === "string") out.push(t);
    else if ("op" in t) out.push(t.op === "glob" ? (t as { pattern: string }).pattern : String(t.op));
    else if ("comment" in t) break;
  }
  return out;
}

export class MagicRegistry {
  private readonly specs = new Map<string, MagicSpec>();

  /** Adds a magic; a second magic with the same name is an error. */
  register(spec: MagicSpec): this {
    if (!/^[A-Za-z_][\w-]*$/.test(spec.name)) throw new Error(`Invalid magic name "${spec.name}"`);
    if (this.specs.has(spec.name)) throw new Error(`Magic %${spec.name} is already registered`);
    this.specs.set(spec.name, spec);
    return this;
  }

  /** All magics, sorted by name. */
  list(): MagicSpec[] {
    return [...this.specs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Finds a magic usable in the given mode, or throws an error naming the closest match. */
  lookup(name: string, isCell: boolean): MagicSpec {
    const spec = this.specs.get(name);
    const kind = isCell ? "Cell" : "Line";
    const prefix = isCell ? "%%" : "%";
    if (spec && (spec.mode === "both" || spec.mode === (isCell ? "cell" : "line"))) return spec;
    if (spec) {
      const other = isCell ? `%${name}` : `%%${name}`;
      throw new MagicError(`${prefix}${name} is not a ${kind.toLowerCase()} magic; use it as ${other}.`);
    }
    const usable = this.list()
      .filter((s) => s.mode === "both" || s.mode === (isCell ? "cell" : "line"))
      .map((s) => s.name);
    const hint = suggestName(name, usable);
    throw new MagicError(
      `${kind} magic function \`${prefix}${name}\` not found.` +
        (hint ? ` Did you mean ${prefix}${hint}?` : "") +
        " (%lsmagic lists the magics.)",
    );
  }

  /** Builds the commander Command of a magic (a fresh one per call, so no state leaks between calls). */
  command(spec: MagicSpec, isCell: boolean): { cmd: Command; output: () => string } {
    let text = "";
    const cmd = new Command(`${isCell ? "%%" : "%"}${spec.name}`)
      .description(spec.summary)
      .exitOverride()
      .showSuggestionAfterError(true)
      .allowExcessArguments(false)
      .configureOutput({
        writeOut: (s) => (text += s),
        writeErr: (s) => (text += s),
        outputError: () => undefined,
      });
    cmd.addOption(new Option("-o, --output <name>", "bind the result to a session variable NAME"));
    spec.options?.(cmd);
    if (spec.takesCode) cmd.argument("[code...]", isCell ? "(the cell body is the code)" : "TypeScript to run");
    cmd.action(() => undefined);
    return { cmd, output: () => text };
  }

  /** Usage text of a magic, for `%name?`. */
  usage(spec: MagicSpec, isCell = spec.mode === "cell"): string {
    const modes = spec.mode === "both" ? `%${spec.name} (line) and %%${spec.name} (cell)` : `${spec.mode === "cell" ? "%%" : "%"}${spec.name}`;
    return `${this.command(spec, isCell).cmd.helpInformation()}\nUsed as: ${modes}\n`;
  }

  /**
   * Parses a call's argument text into a {@link MagicRun}. `body` is the cell body for cell magics.
   * Bad arguments throw a MagicError that names the problem and shows the usage line.
   */
  parse(spec: MagicSpec, argsText: string, isCell: boolean, locals: Record<string, unknown>, body = ""): MagicRun {
    const { cmd, output } = this.command(spec, isCell);
    let tokens: string[];
    let code = isCell ? body : "";
    if (spec.takesCode && !isCell) {
      const split = splitLeadingOptions(argsText, cmd);
      tokens = split.options;
      code = split.code;
    } else {
      try {
        tokens = tokenize(argsText);
      } catch (e) {
        throw new MagicError(`%${spec.name}: could not read the arguments (${(e as Error).message}); check the quotes.`);
      }
    }
    try {
      cmd.parse(tokens, { from: "user" });
    } catch (e) {
      if (e instanceof CommanderError) {
        if (e.code === "commander.helpDisplayed" || e.code === "commander.help") {
          return { name: spec.name, isCell, args: [], opts: { help: output() }, code };
        }
        const msg = e.message.replace(/^error:\s*/, "");
        throw new MagicError(`${cmd.name()}: ${msg}\n${cmd.helpInformation().split("\n")[0]}`);
      }
      throw e;
    }
    const opts = expandVariables(cmd.opts(), locals, spec.name) as Record<string, unknown>;
    const args = (expandVariables(cmd.processedArgs, locals, spec.name) as unknown[]).filter(
      (_, i) => !(spec.takesCode && i === cmd.processedArgs.length - 1),
    );
    if (opts.output !== undefined && !IDENT.test(String(opts.output))) {
      throw new MagicError(`%${spec.name}: -o needs a variable name (letters, digits, _), got "${opts.output}".`);
    }
    return { name: spec.name, isCell, args, opts, code };
  }
}

/** Replaces every `$name` string (alone) by the session variable `name`; unknown names are errors. */
function expandVariables(value: unknown, locals: Record<string, unknown>, magic: string): unknown {
  if (typeof value === "string" && /^\$[A-Za-z_][\w$]*$/.test(value)) {
    const name = value.slice(1);
    if (!(name in locals)) {
      const hint = suggestName(name, Object.keys(locals));
      throw new MagicError(`%${magic}: ${value} is not a variable of this session.${hint ? ` Did you mean $${hint}?` : ""}`);
    }
    return locals[name];
  }
  if (Array.isArray(value)) return value.map((v) => expandVariables(v, locals, magic));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, locals, magic)]));
  }
  return value;
}

/**
 * For magics that take code (`%timeit -n 10 expr`): peels the leading options off the line,
 * using the command's own option table to know which options take a value.
 */
export function splitLeadingOptions(text: string, cmd: Command): { options: string[]; code: string } {
  const options: string[] = [];
  let rest = text.trimStart();
  for (;;) {
    const m = /^(-{1,2}[A-Za-z][\w-]*)(=(\S*))?(\s+|$)/.exec(rest);
    if (!m) break;
    const flag = m[1];
    if (flag === "-h" || flag === "--help") {
      options.push(flag);
      rest = rest.slice(m[0].length);
      continue;
    }
    const opt = cmd.options.find((o) => o.short === flag || o.long === flag);
    if (!opt) {
      const known = cmd.options.flatMap((o) => [o.short, o.long].filter((x): x is string => !!x));
      const hint = suggestName(flag, known);
      throw new MagicError(`${cmd.name()}: unknown option '${flag}'${hint ? ` (Did you mean ${hint}?)` : ""}\n${cmd.helpInformation().split("\n")[0]}`);
    }
    options.push(flag);
    rest = rest.slice(m[0].length);
    if ((opt.required || opt.optional) && m[2] === undefined) {
      const v = /^(\S+)(\s+|$)/.exec(rest);
      if (!v) throw new MagicError(`${cmd.name()}: option '${flag}' needs a value`);
      options.push(v[1]);
      rest = rest.slice(v[0].length);
    } else if (m[2] !== undefined) {
      options.push(m[3] ?? "");
    }
  }
  return { options, code: rest };
}

/** Runs a parsed call: help, the magic itself, then `-o` binding. */
export async function runMagic(
  registry: MagicRegistry,
  spec: MagicSpec,
  call: MagicRun,
  ctx: MagicContext,
): Promise<unknown> {
  if (typeof call.opts.help === "string") {
    ctx.print(registry.usage(spec, call.isCell));
    return undefined;
  }
  const value = await spec.run(call, ctx);
  if (typeof call.opts.output === "string") await ctx.bind(call.opts.output, value);
  return value;
}
