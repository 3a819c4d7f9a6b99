/**
 * The kernel's protocol parts on their own: the wire check (HMAC computed here independently with
 * node:crypto over the four JSON frames), history queries, and completion / inspection on magic
 * lines against the registry's real magics.
 */
import * as crypto from "crypto";
import { parseWire, replyFrames, DELIMITER } from "../../kernel-ext/wire";
import { History } from "../../kernel-ext/history";
import { blankMagicLines, completeMagic, inspectMagic } from "../../kernel-ext/magic-completion";
import { defaultRegistry } from "../../kernel-ext/magics";

const KEY = "a0b1c2d3-secret";
const header = { msg_id: "m1", msg_type: "execute_request", version: "5.3", session: "s", username: "u", date: "2026-12-03T00:00:00Z" };
function frames(h: object = header, key = KEY, content: object = { code: "1" }) {
  const parts = [h, {}, {}, content].map((v) => Buffer.from(JSON.stringify(v)));
  const sig = key ? crypto.createHmac("sha256", key).update(Buffer.concat(parts)).digest("hex") : "";
  return [Buffer.from("client-id"), DELIMITER, Buffer.from(sig), ...parts];
}

describe("the wire check", () => {
  test("a well-signed message parses, with its identities", () => {
    const m = parseWire(frames(), KEY, "hmac-sha256");
    expect(m.header.msg_type).toBe("execute_request");
    expect(m.identities.map(String)).toEqual(["client-id"]);
    expect(m.content).toEqual({ code: "1" });
  });
  test.each([
    ["a wrong key", () => frames(header, "other-key"), /HMAC signature is wrong/],
    ["no signature", () => frames(header, ""), /not signed/],
    ["a changed content", () => { const f = frames(); f[6] = Buffer.from('{"code":"2"}'); return f; }, /HMAC signature is wrong/],
    ["no delimiter", () => frames().filter((f) => !f.equals(DELIMITER)), /no <IDS\|MSG> delimiter/],
    ["truncated frames", () => frames().slice(0, 4), /truncated: 2 frames after the delimiter, 5 needed/],
    ["protocol 4.1", () => frames({ ...header, version: "4.1" }), /protocol version 4.1; this kernel speaks 5.x/],
    ["no msg_type", () => frames({ ...header, msg_type: "" }), /header has no msg_type/],
  ])("refused: %s", (_l, make, why) => {
    expect(() => parseWire(make(), KEY, "hmac-sha256")).toThrow(why);
  });
  test("bad JSON in a signed frame is refused, and an unsigned connection (empty key) accepts unsigned messages", () => {
    const parts = [Buffer.from(JSON.stringify(header)), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{not json")];
    const sig = crypto.createHmac("sha256", KEY).update(Buffer.concat(parts)).digest("hex");
    expect(() => parseWire([DELIMITER, Buffer.from(sig), ...parts], KEY)).toThrow(/content frame is not JSON/);
    expect(parseWire(frames(header, ""), "").header.msg_id).toBe("m1");
  });
  test("replies are signed so that the same check accepts them, addressed to the sender", () => {
    const req = parseWire(frames(), KEY);
    const rep = replyFrames(req, "history_reply", { status: "ok", history: [] }, KEY);
    const back = parseWire(rep, KEY);
    expect(back.header.msg_type).toBe("history_reply");
    expect(back.parent).toEqual(header);
    expect(back.identities.map(String)).toEqual(["client-id"]);
  });
});

test("history: tail, range (this session as 1 or 0), search with globs, unique and n, with outputs", () => {
  const h = new History();
  ["let a = 1", "a + 1", "%time a", "a + 1", "console.log(a)"].forEach((code, i) => h.add(i + 1, code, code === "a + 1" ? "2" : null));
  expect(h.query({ hist_access_type: "tail", n: 2 })).toEqual([[1, 4, "a + 1"], [1, 5, "console.log(a)"]]);
  expect(h.query({ hist_access_type: "tail", n: 1, output: true })).toEqual([[1, 5, ["console.log(a)", null]]]);
  expect(h.query({ hist_access_type: "range", session: 1, start: 2, stop: 4 }).map((e) => e[1])).toEqual([2, 3]);
  expect(h.query({ hist_access_type: "range", session: 0, start: 4, stop: 5, output: true })).toEqual([[1, 4, ["a + 1", "2"]]]);
  expect(h.query({ hist_access_type: "range", session: 7, start: 1, stop: 3 })).toEqual([]);
  expect(h.query({ hist_access_type: "search", pattern: "a*" }).map((e) => e[1])).toEqual([2, 4]);
  expect(h.query({ hist_access_type: "search", pattern: "a*", unique: true }).map((e) => e[1])).toEqual([4]);
  expect(h.query({ hist_access_type: "search", pattern: "*a = *" }).map((e) => e[1])).toEqual([1]);
  expect(h.query({ hist_access_type: "search", pattern: "%t?me *", n: 1 }).map((e) => e[1])).toEqual([3]);
});

describe("completion and inspection on magic lines", () => {
  const registry = defaultRegistry();
  test("%sp<Tab> completes magic names (with the prefix), %% only cell magics", () => {
    const code = "const x = 1;\n%sp";
    expect(completeMagic(registry, code, code.length)).toEqual({ start: 13, end: code.length, matches: ["%spectrum"] });
    const all = completeMagic(registry, "%", 1)!.matches;
    expect(all).toEqual(expect.arrayContaining(["%train", "%sweep", "%gradflow", "%time"]));
    expect(completeMagic(registry, "%%ti", 4)!.matches).toEqual(["%%time", "%%timeit"]);
  });
  test("%spectrum --<Tab> completes that magic's options; a short prefix narrows them", () => {
    const code = "%spectrum net digits --";
    const c = completeMagic(registry, code, code.length)!;
    expect(c.start).toBe(code.length - 2);
    expect(c.matches).toContain("--help");
    expect(c.matches).toContain("--output");
    const flags = registry.command(registry.list().find((s) => s.name === "spectrum")!, false).cmd.options.map((o) => o.long);
    expect(c.matches.filter((m) => m !== "--help").sort()).toEqual([...flags].sort());
    const narrowed = completeMagic(registry, "%sweep --qu", 11)!;
    expect(narrowed.matches).toEqual(["--queue", "--queue-name"]);
  });
  test("not on a magic line: undefined (TypeScript completion answers), on the TS lines of a magic cell too", () => {
    const code = "%time\nMath.fl";
    expect(completeMagic(registry, code, code.length)).toBeUndefined();
    expect(completeMagic(registry, "const s = `%sp", 14)).toBeUndefined();
    expect(blankMagicLines("%time x\nMath.fl\n  %sweep --n 3")).toBe("       \nMath.fl\n              ");
    expect(blankMagicLines("let a = 1\n%%time\n")).toBe("let a = 1\n%%time\n"); // %% not first: not a magic line
  });
  test("inspecting a magic shows its usage", () => {
    const usage = inspectMagic(registry, "%spectrum net data", 3)!;
    expect(usage).toMatch(/^Usage: %spectrum/);
    expect(usage).toContain("--output");
    expect(inspectMagic(registry, "Math.max", 3)).toBeUndefined();
  });
});
