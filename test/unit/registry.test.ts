import { MagicRegistry, splitLeadingOptions, suggestName, tokenize } from "../../kernel-ext/magics/registry";
import { defaultRegistry } from "../../kernel-ext/magics";
import { MagicError, type MagicSpec } from "../../kernel-ext/magics/types";

const echo: MagicSpec = {
  name: "echo",
  mode: "line",
  summary: "test magic",
  options(cmd) {
    cmd.argument("<what>", "thing");
    cmd.option("--eps <e>", "epsilon", (v: string) => Number(v), 0.1);
    cmd.option("--verbose", "talk");
  },
  run: (call) => call,
};

describe("magic registry", () => {
  const reg = new MagicRegistry().register(echo).register({ ...echo, name: "cellonly", mode: "cell" });

  test("registering a name twice is an error", () => {
    expect(() => reg.register(echo)).toThrow(/already registered/);
  });

  test("unknown magics get a close match", () => {
    expect(() => reg.lookup("ecoh", false)).toThrow(/`%ecoh` not found\. Did you mean %echo\?/);
    expect(() => reg.lookup("zzzzzz", false)).toThrow(/not found\. \(%lsmagic/);
    expect(() => reg.lookup("cellonly", false)).toThrow(/not a line magic; use it as %%cellonly/);
  });

  test("arguments are parsed by commander, with defaults, types and quoting", () => {
    const run = reg.parse(echo, '"two words" --eps 0.05 --verbose', false, {});
    expect(run.args).toEqual(["two words"]);
    expect(run.opts).toMatchObject({ eps: 0.05, verbose: true });
    expect(reg.parse(echo, "x", false, {}).opts.eps).toBe(0.1);
  });

  test("bad arguments name the problem and suggest the option meant", () => {
    expect(() => reg.parse(echo, "x --esp 1", false, {})).toThrow(/unknown option '--esp'[\s\S]*Did you mean --eps\?/);
    expect(() => reg.parse(echo, "", false, {})).toThrow(/missing required argument 'what'/);
    expect(() => reg.parse(echo, "a b", false, {})).toThrow(MagicError);
  });

  test("$name stands for a session variable; unknown names are errors with a hint", () => {
    const model = { layers: 3 };
    const run = reg.parse(echo, "$model --eps $e", false, { model, e: 0.2 });
    expect(run.args[0]).toBe(model);
    expect(run.opts.eps).not.toBeUndefined();
    expect(() => reg.parse(echo, "$modle", false, { model })).toThrow(/\$modle is not a variable of this session\. Did you mean \$model\?/);
  });

  test("-o needs a valid variable name", () => {
    expect(reg.parse(echo, "x -o result", false, {}).opts.output).toBe("result");
    expect(() => reg.parse(echo, "x -o 9lives", false, {})).toThrow(/-o needs a variable name/);
  });

  test("usage text lists arguments and options", () => {
    const u = reg.usage(echo);
    expect(u).toContain("Usage: %echo [options] <what>");
    expect(u).toContain("--eps <e>");
    expect(u).toContain("-o, --output <name>");
  });

  test("the default registry has the built-in magics", () => {
    const names = defaultRegistry().list().map((s) => s.name);
    expect(names).toEqual(["align", "backend", "data", "distances", "dropblocks", "gradflow", "jacobian", "lsmagic", "memory", "perturb", "spectrum", "stoprule", "sweep", "time", "timeit", "train", "unroll"]);
  });
});

describe("argument helpers", () => {
  test("tokenize follows shell quoting", () => {
    expect(tokenize(`a "b c" 'd e' $x --k=v`)).toEqual(["a", "b c", "d e", "$x", "--k=v"]);
  });

  test("leading options are peeled off code, the rest is left untouched", () => {
    const reg = defaultRegistry();
    const { cmd } = reg.command(reg.lookup("timeit", false), false);
    expect(splitLeadingOptions(`-n 10 -r 3 const s = "a -b"; f(s) > 2`, cmd)).toEqual({
      options: ["-n", "10", "-r", "3"],
      code: `const s = "a -b"; f(s) > 2`,
    });
    expect(splitLeadingOptions("-q x", cmd)).toEqual({ options: ["-q"], code: "x" });
    expect(() => splitLeadingOptions("--nubmer 3 x", cmd)).toThrow(/unknown option '--nubmer' \(Did you mean --number\?\)/);
  });

  test("suggestName prefers prefixes, then small edit distances", () => {
    expect(suggestName("lsmag", ["lsmagic", "time"])).toBe("lsmagic");
    expect(suggestName("tmie", ["lsmagic", "time", "timeit"])).toBe("time");
    expect(suggestName("q", ["lsmagic", "timeit"])).toBeUndefined();
    expect(suggestName("timeti", ["time", "timeit"])).toBe("timeit");
    expect(suggestName("tim", ["time", "timeit"])).toBe("time");
  });
});
