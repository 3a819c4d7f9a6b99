/**
 * Seed 000's claims on hand-made sweeps whose answers are known: a mean scaled perturbation
 * exactly ∝ 1/L (times a small fixed wobble) holds the 1/L law, a flat one does not, two depths
 * cannot tell; distances that level off, grow at shallow L, grow at deep L; a stopping rule
 * that lands on the crossing, one that misses it, one with no crossing.
 */
import { seed000Claims } from "../../src/studies/claims/seed000";
import { claimsDisplay, CLAIMS_MIME } from "../../src/studies/claims/claim";
import { JUPYTER_DISPLAY } from "../../src/display/mime";
import type { RunRecord } from "../../src/train/sweep";

/** A run whose every section has mean scaled perturbation m and scaled distance L·m. */
function run(L: number, m: number, seed = 0): RunRecord {
  const section = (s: number) => ({ section: s, absolute: [], scaled: [], distance: L * m, scaledDistance: L * m, meanAbsolute: m, meanScaled: m });
  return {
    L, seed, dataset: "d", backend: "cpu", config: {} as never, history: [], testError: 0.1, finishedAt: "",
    measures: { images: 10, sections: [0, 1, 2].map(section), distance: 3 * L * m, scaledDistance: 3 * L * m, meanAbsolute: m, meanScaled: m } as never,
  };
}
const wobble = (i: number) => 1 + 0.05 * (i % 2 === 0 ? 1 : -1);
const byName = (rows: ReturnType<typeof seed000Claims>, word: string) => rows.find((r) => r.claim.includes(word))!;

test("the 1/L law: holds for ∝ 1/L, does not for a flat curve, cannot tell from two depths", () => {
  const inv = seed000Claims([4, 8, 16, 24].map((L, i) => run(L, (2 / L) * wobble(i))), 0.1, "cpu");
  expect(byName(inv, "1/L")).toMatchObject({ verdict: "holds", seed: "000", scale: "cpu" });
  expect(byName(inv, "1/L").measured).toMatch(/^slope -1\.0\d/);
  const flat = seed000Claims([1, 2, 4, 8].map((L, i) => run(L, 0.2 * wobble(i))), 0.1, "cpu");
  expect(byName(flat, "1/L")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("flatter than 1/L") });
  expect(byName(seed000Claims([1, 2].map((L) => run(L, 1 / L)), 0.1, "quick"), "1/L")).toMatchObject({ verdict: "cannot tell", why: "fewer than 3 depths" });
});

test("the distance: saturated, growing short of L = 80 (cannot tell), growing at L = 128 (does not hold)", () => {
  const sat = seed000Claims([4, 8, 16, 24].map((L) => run(L, 2 / L)), 0.1, "cpu");
  expect(byName(sat, "distance")).toMatchObject({ verdict: "holds" });
  const shallow = seed000Claims([1, 2, 4, 8].map((L) => run(L, 0.2)), 0.1, "cpu"); // d_scaled = 0.2 L
  expect(byName(shallow, "distance")).toMatchObject({ verdict: "cannot tell", why: expect.stringContaining("short of 80") });
  const deep = seed000Claims([16, 32, 64, 128].map((L) => run(L, 0.2)), 0.1, "full");
  expect(byName(deep, "distance")).toMatchObject({ verdict: "does not hold", why: "still growing 100% at L = 128" });
});

test("the stopping rule: on the crossing, off it, or no crossing", () => {
  // m = 2/L: d_scaled = 2 everywhere, the rule says ceil(2/0.1) = 20; the sweep crosses ε at L = 24
  const on = seed000Claims([4, 8, 16, 24].map((L) => run(L, 2 / L)), 0.1, "cpu");
  expect(byName(on, "stopping rule")).toMatchObject({ verdict: "holds" });
  expect(byName(on, "stopping rule").measured).toContain("section 1: rule 20, crossing 24");
  const off = seed000Claims([4, 8, 16, 40].map((L) => run(L, 2 / L)), 0.1, "cpu"); // crossing at 40, |20 − 40| > 10
  expect(byName(off, "stopping rule")).toMatchObject({ verdict: "does not hold" });
  const none = seed000Claims([1, 2, 4].map((L) => run(L, 2 / L)), 0.1, "quick");
  expect(byName(none, "stopping rule")).toMatchObject({ verdict: "cannot tell", why: "no swept L is deep enough to cross ε = 0.1" });
});

test("claims display as a table and carry their rows as JSON for the reproduction script", () => {
  const rows = seed000Claims([4, 8, 16, 24].map((L) => run(L, 2 / L)), 0.1, "cpu");
  const bundle = claimsDisplay(rows)[JUPYTER_DISPLAY]();
  expect(bundle[CLAIMS_MIME]).toEqual(rows);
  expect(String(bundle["text/html"])).toContain("the stopping rule");
});
