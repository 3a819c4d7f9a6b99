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
  // m = 2/L: d_scaled = 2 everywhere, the rule says ceil(2/0.1) = 20; a power law crosses ε = 0.1 at
  // exactly L = 20, which the log-log interpolation between the bracketing L = 16 and 32 recovers
  const on = seed000Claims([4, 8, 16, 32].map((L) => run(L, 2 / L)), 0.1, "cpu");
  expect(byName(on, "stopping rule")).toMatchObject({ verdict: "holds" });
  expect(byName(on, "stopping rule").measured).toContain("section 1: rule 20 (d_scaled 2.00 at L = 32), crossing ≈ 20.0 (between swept L 16 and 32)");
  // m = 6/L up to L = 32, then d_scaled = 2 at L = 64 (rule 20): the crossing lies between 32 and 64 (≈ 41), far from 20
  const off = seed000Claims([...[8, 16, 32].map((L) => run(L, 6 / L)), run(64, 2 / 64)], 0.1, "cpu");
  expect(byName(off, "stopping rule")).toMatchObject({ verdict: "does not hold", why: "3 of 3 crossing sections differ by more than 25%" });
  const early = seed000Claims([64, 128].map((L) => run(L, 2 / L)), 0.1, "cpu"); // below ε at the shallowest L: not located
  expect(byName(early, "stopping rule")).toMatchObject({ verdict: "cannot tell", why: expect.stringContaining("crossed already at the shallowest swept L") });
  const none = seed000Claims([1, 2, 4].map((L) => run(L, 2 / L)), 0.1, "quick");
  expect(byName(none, "stopping rule")).toMatchObject({ verdict: "cannot tell", why: "no swept L is deep enough to cross ε = 0.1" });
});

test("claims display as a table and carry their rows as JSON for the reproduction script", () => {
  const rows = seed000Claims([4, 8, 16, 24].map((L) => run(L, 2 / L)), 0.1, "cpu");
  const bundle = claimsDisplay(rows)[JUPYTER_DISPLAY]();
  expect(bundle[CLAIMS_MIME]).toEqual(rows);
  expect(String(bundle["text/html"])).toContain("the stopping rule");
});

test("seed 002: a plain gradient that vanishes and a residual one that is kept holds; a plain one that does not vanish does not", async () => {
  const { seed002Claim } = await import("../../src/studies/claims/seed002");
  const rows = (plain: number[], res: number[]) => [
    ...res.map((g, i) => ({ depth: 2 ** (i + 2), residual: true, firstInputGrad: g, firstWeightGrad: g, lastInputGrad: g, loss: 1 })),
    ...plain.map((g, i) => ({ depth: 2 ** (i + 2), residual: false, firstInputGrad: g, firstWeightGrad: g, lastInputGrad: g, loss: 1 })),
  ];
  expect(seed002Claim(rows([1e-1, 1e-3, 1e-6], [0.5, 0.6, 40]), "dense", "cpu")).toMatchObject({ verdict: "holds", measured: expect.stringContaining("(grows)") });
  expect(seed002Claim(rows([1e-1, 5e-2, 2e-2], [0.5, 0.5, 0.5]), "dense", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("falls only") });
  expect(seed002Claim(rows([1e-1, 1e-4], [1, 1e-3]), "conv", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("residual gradient falls") });
  expect(seed002Claim(rows([1e-2, 1e2], [1, 1]), "conv", "cpu")).toMatchObject({ verdict: "does not hold", why: "the plain gradient grows ×1.0e+4 (not below ×0.01)" });
  expect(seed002Claim(rows([1], [1]), "conv", "quick")).toMatchObject({ verdict: "cannot tell" });
});

test("seed 004: (e) best holds; a rival beyond two standard errors does not; within them, cannot tell", async () => {
  const { seed004Claim } = await import("../../src/studies/claims/seed004");
  const units = (e: number, a: number) => [{ id: "unit-a-original", testError: a }, { id: "unit-b-bn-after-addition", testError: 0.05 }, { id: "unit-e-full-preactivation", testError: e }];
  expect(seed004Claim(units(0.02, 0.03), 2000, "cpu")).toMatchObject({ verdict: "holds" });
  // se at p = 0.02, n = 2000: 0.31 points; a gap of 1 point is beyond 2 se, 0.4 points is within
  expect(seed004Claim(units(0.03, 0.02), 2000, "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("(a) beats (e) by 1.00 points") });
  expect(seed004Claim(units(0.024, 0.02), 2000, "cpu")).toMatchObject({ verdict: "cannot tell", why: expect.stringContaining("within 2 standard errors") });
  expect(seed004Claim([{ id: "unit-a-original", testError: 0.1 }], 2000, "quick")).toMatchObject({ verdict: "cannot tell" });
});
