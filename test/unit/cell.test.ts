import { parseCell, hasMagic } from "../../kernel-ext/cell";

describe("parseCell", () => {
  test("plain TypeScript is one code part", () => {
    const p = parseCell("let a = 1;\na + 1");
    expect(p.cellMagic).toBeUndefined();
    expect(p.parts).toEqual([{ kind: "code", code: "let a = 1;\na + 1", line: 0 }]);
    expect(hasMagic("let a = 1 % 2")).toBe(false);
  });

  test("line magics mixed with code keep their order and the code keeps its line numbers", () => {
    const p = parseCell("let a = 1;\n%time a + 1\n  %memory\nconst b = a;\n%lsmagic?");
    expect(p.parts.map((x) => x.kind)).toEqual(["code", "magic", "magic", "code", "magic"]);
    expect(p.parts[1]).toMatchObject({ name: "time", args: "a + 1", help: false, line: 1 });
    expect(p.parts[2]).toMatchObject({ name: "memory", args: "", line: 2 });
    const code = p.parts[3] as { code: string; line: number };
    expect(code.line).toBe(3);
    expect(code.code.split("\n")[3]).toBe("const b = a;"); // padded so diagnostics match the cell
    expect(p.parts[4]).toMatchObject({ name: "lsmagic", help: true });
  });

  test("a cell magic takes the rest of the cell as its body", () => {
    const p = parseCell("\n%%time --flag x\nlet q = 3\nq + 1");
    expect(p.cellMagic).toMatchObject({ name: "time", args: "--flag x", line: 1, help: false });
    expect(p.cellMagic!.body.split("\n").slice(2)).toEqual(["let q = 3", "q + 1"]);
    expect(p.parts).toEqual([]);
  });

  test("%% lines after the first are not cell magics, and modulo expressions are not magics", () => {
    const p = parseCell("const r = 7\n  % 3;");
    // a line starting with "% 3" is not a magic (a name must follow the %)
    expect(p.parts).toHaveLength(1);
    expect(p.parts[0].kind).toBe("code");
  });
});
