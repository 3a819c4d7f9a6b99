/**
 * Seeds 001 and 003's claims on inputs whose answers are known: spectra of diagonal operators
 * (dense SVD and SLQ; the share of σ at 1 is the fraction of ones on the diagonal), SLQ densities
 * (which decide nothing about a ±1 % band), propagated perturbations,
 * and hand-made alignment, drop and intermediate-accuracy rows.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import type { JacobianOperator } from "../../src/analysis/linearize";
import { spectrumShare, unitSpectrum, type UnitSpectrum } from "../../src/analysis/unit-spectrum";
import type { SpectralDensity } from "../../src/analysis/slq";
import type { ScreeRow } from "../../src/analysis/stability-figures";
import { plateauAt, seed001FgsmClaim, seed001InterpolationClaim, seed001PlateauClaim, seed001SkipScaleClaim } from "../../src/studies/claims/seed001";
import { seed003Claims, type IterativeClaimInput } from "../../src/studies/claims/seed003";
import { PLATEAU } from "../../src/studies/claims/thresholds";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

/** J = diag(d) on R^n. */
function diagonal(d: number[]): JacobianOperator {
  const t = tf.tensor2d([d]);
  return { inShape: [d.length], outShape: [d.length], jvp: (v) => tf.mul(v, t), vjp: (u) => tf.mul(u, t), value: t, dispose: () => t.dispose() };
}
/** n = 100 values: `ones` of them at `at`, the rest spread over [0.2, 0.8] ∪ [1.3, 1.9] (none near 1 or at). */
function values(ones: number, at = 1): number[] {
  const rest = Array.from({ length: 100 - ones }, (_, i) => (i % 2 ? 0.2 + (0.6 * i) / 100 : 1.3 + (0.6 * i) / 100));
  return [...Array(ones).fill(at), ...rest];
}
const dense = (v: number[]): UnitSpectrum => ({ n: v.length, m: v.length, method: "dense", values: [...v].sort((a, b) => b - a), products: 0, seconds: 0 });
/** An SLQ density (two probes that see 2 % and 20 % of their weight at σ = 1): no verdict from it. */
const slqDensity: UnitSpectrum = {
  n: 2, m: 2, method: "density", products: 0, seconds: 0,
  density: { nodes: [[0.5, 1], [0.5, 1]], weights: [[0.98, 0.02], [0.8, 0.2]], bidiagonals: [{ alpha: [1, 1], beta: [0] }, { alpha: [1, 1], beta: [0] }], n: 2, m: 2, probes: 2, steps: 2, products: 0, calls: 0, seed: 0 } as SpectralDensity,
};

describe("seed 001", () => {
  test("the share at 1 of a diagonal operator: exact from the dense SVD, within its error bars from SLQ", () => {
    const J = diagonal(values(30));
    const d = unitSpectrum(J, { method: "dense" });
    const s = unitSpectrum(J, { method: "density", probes: 8, steps: 40, seed: 5 });
    expect(plateauAt(d)).toMatchObject({ share: 0.3, decision: "yes" });
    const slq = plateauAt(s);
    expect(Math.abs(slq.share - 0.3)).toBeLessThanOrEqual(Math.max(slq.upper - slq.share, 0.02));
    expect(slq.decision).toBe("unsure"); // only a dense spectrum decides a ±1% band
    expect(spectrumShare(d, 1.29, 1.91).estimate).toBe(0.35); // the 35 values in [1.3, 1.9]
    expect(() => spectrumShare({ n: 4, m: 4, method: "topk", top: [1], products: 0, seconds: 0 }, 0.9, 1.1)).toThrow(/top 1 singular values/);
    J.dispose();
  });

  test("the plateau claim: regular units with, down-sampling units and stages without; each way it fails; an SLQ spectrum cannot tell", () => {
    const units = (regular: UnitSpectrum) => [
      { unit: "s0.b0", stage: 0, spectrum: dense(values(5)) }, // stage 1's first unit does not down-sample: not judged
      { unit: "s0.b1", stage: 0, spectrum: regular },
      { unit: "s1.b0", stage: 1, spectrum: dense(values(3)) },
      { unit: "s1.b1", stage: 1, spectrum: dense(values(40)) },
    ];
    const stages = (ones: number): ScreeRow[] => [0, 1].map((s) => ({ kind: "stage", stage: s, unit: `s${s}`, spectra: [dense(values(ones)), dense(values(ones))] }));
    const ok = seed001PlateauClaim(units(dense(values(25))), stages(2), "cpu");
    expect(ok).toMatchObject({ seed: "001", verdict: "holds", scale: "cpu" });
    expect(ok.measured).toContain("regular units 25%–40% (2 units); down-sampling units s1.b0 3.0%; stages s0 2.0%, s1 2.0%");
    expect(seed001PlateauClaim(units(dense(values(5))), stages(2), "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("no plateau in s0.b1") });
    expect(seed001PlateauClaim(units(dense(values(25))), stages(50), "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("a plateau in s0, s1") });
    expect(seed001PlateauClaim(units(slqDensity), stages(2), "cpu")).toMatchObject({ verdict: "cannot tell", why: expect.stringContaining("s0.b1: their spectra are SLQ densities, which do not resolve a ±1% band") });
  });

  test("skip scaling: a plateau at every α holds; one α without does not", () => {
    const at = (alphas: number[], missing?: number) => alphas.map((alpha) => ({ alpha, spectrum: dense(values(alpha === missing ? 0 : 30, alpha)) }));
    expect(seed001SkipScaleClaim(at([0.5, 1, 2]), "s1.b1", "cpu")).toMatchObject({ verdict: "holds", measured: "s1.b1, share within ±1% of α: α = 0.5: 30%, α = 1: 30%, α = 2: 30%" });
    expect(seed001SkipScaleClaim(at([0.5, 1, 2], 2), "s1.b1", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("α = 2") });
  });

  test("interpolation: none at t = 0 and an interior peak holds; a peak at t = 1, a plateau of noise, no plateau at all do not", () => {
    const at = (shares: number[]) => [0, 0.25, 0.5, 0.75, 1].map((t, i) => ({ t, spectrum: dense(values(shares[i])) }));
    expect(seed001InterpolationClaim(at([2, 20, 40, 30, 25]), "s1.b1", "cpu")).toMatchObject({ verdict: "holds", why: expect.stringContaining("t = 0.5") });
    expect(seed001InterpolationClaim(at([2, 10, 20, 30, 40]), "s1.b1", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("t = 1, outside [0.25, 0.75]") });
    expect(seed001InterpolationClaim(at([30, 20, 40, 30, 25]), "s1.b1", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("t = 0 (pure noise)") });
    expect(seed001InterpolationClaim(at([1, 2, 5, 3, 2]), "s1.b1", "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("no plateau at any t") });
  });

  test("FGSM: growth through the last stage over the flipped images only, against random noise", () => {
    const units = ["input", "s0.b0", "s1.b0", "s1.b1", "s1.b2"];
    const prop = (adv: number[], rnd: number[], flipped: boolean[]) => ({
      adversarial: { points: units, units, values: flipped.map((_, b) => [1, 1, 1, 1.5, adv[b]]) },
      random: { points: units, units, values: flipped.map((_, b) => [1, 1, 1, 0.9, rnd[b]]) },
      fgsm: { flipped },
    });
    const five = [true, true, true, true, true, false];
    const holds = seed001FgsmClaim(prop([3, 4, 5, 3, 4, 0.1], [0.8, 0.8, 0.9, 0.7, 1, 9], five), "cpu");
    expect(holds).toMatchObject({ verdict: "holds" });
    expect(holds.measured).toContain("s1.b0 → s1.b2: FGSM ×4.00, random ×0.80"); // medians of the five flipped images
    expect(seed001FgsmClaim(prop([1.2, 1.3, 1.1, 1.2, 1.4, 9], [1, 1, 1, 1, 1, 1], five), "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("FGSM grows only ×1.20") });
    expect(seed001FgsmClaim(prop([3, 3, 3, 3, 3, 3], [2, 2, 2, 2, 2, 2], five), "cpu")).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("random grows ×2.00") });
    expect(seed001FgsmClaim(prop([3, 3, 3], [1, 1, 1], [true, true, false]), "cpu")).toMatchObject({ verdict: "cannot tell", why: `fewer than 5 adversarial images` });
  });
});

describe("seed 003", () => {
  const spread = (mean: number, std = 0.1, count = 400) => ({ mean, std, count });
  const block = (name: string, section: number, b: number, transition = false) => ({ name, section, block: b, transition });
  const scores = (accuracy: number) => ({ accuracy, loss: 1, entropy: 1, count: 1000 });
  /** A net: cosines per regular block (s0.b1, s1.b1, s1.b2), a down-sampling block s1.b0, drop accuracies and head accuracies. */
  function net(variant: string, cosines: number[], drop: { regular: number; down: number }, head: number[]): IterativeClaimInput {
    const blocks = [block("s0.b1", 0, 1), block("s1.b0", 1, 0, true), block("s1.b1", 1, 1), block("s1.b2", 1, 2)];
    let k = 0;
    return {
      variant,
      alignment: blocks.map((b) => ({ ...b, cosine: b.transition ? null : spread(cosines[k++]), headCosine: null, firstOrder: null, actualChange: null })),
      drop: { baseline: scores(0.95), rows: blocks.map((b) => ({ ...b, ...scores(b.transition ? drop.down : drop.regular) })) },
      intermediate: head.map((a, i) => ({ point: `s1.b${i}.in`, section: 1, block: i, scores: scores(a) })),
    };
  }
  const good = net("original", [-0.2, -0.1, 0.05], { regular: 0.93, down: 0.3 }, [0.5, 0.8, 0.95]);

  test("all three hold on a net that behaves as the seed says", () => {
    const [cos, drop, inter] = seed003Claims([good], "cpu");
    expect(cos).toMatchObject({ verdict: "holds", measured: "original: 2 of 3 blocks negative (mean -0.083)" });
    expect(drop).toMatchObject({ verdict: "holds", measured: "original: regular −2.0 points, down-sampling −65.0 points (means)" });
    expect(inter).toMatchObject({ verdict: "holds", measured: "original: 50.0% → 95.0% over 3 points (largest fall 0.0 points)" });
  });

  test("each fails on its own counter-example, naming the net", () => {
    const bad = net("wide", [0.2, 0.1, -0.3], { regular: 0.8, down: 0.9 }, [0.7, 0.4, 0.95]);
    const [cos, drop, inter] = seed003Claims([good, bad], "cpu");
    expect(cos).toMatchObject({ verdict: "does not hold", why: "not the majority in wide" });
    expect(drop).toMatchObject({ verdict: "does not hold", why: expect.stringContaining("wide: a regular block costs 15.0 points") });
    expect(inter).toMatchObject({ verdict: "does not hold", why: "wide falls 30.0 points on the way" });
  });

  test("cosines within two standard errors of 0 cannot decide; nets without down-sampling blocks are left out of the drop claim", () => {
    // std 2 over 400 images: standard error 0.1, so −0.05 and 0.05 are undecided
    const noisy = net("single", [-0.05, 0.05, -0.3], { regular: 0.94, down: 0.94 }, [0.9, 0.95]);
    noisy.alignment = noisy.alignment.map((r) => (r.cosine ? { ...r, cosine: { ...r.cosine, std: 2 } } : r));
    expect(seed003Claims([noisy], "cpu")[0]).toMatchObject({ verdict: "cannot tell", why: expect.stringContaining("single") });
    noisy.drop.rows = noisy.drop.rows.filter((r) => !r.transition);
    expect(seed003Claims([noisy], "cpu")[1]).toMatchObject({ verdict: "cannot tell", why: "nothing to compare" });
    expect(seed003Claims([{ ...good, intermediate: good.intermediate.slice(0, 1) }], "cpu")[2]).toMatchObject({ verdict: "cannot tell" });
  });
});

test("the thresholds file is the one source: PLATEAU's band is the seed's 0.99–1.01", () => {
  expect(PLATEAU.band).toBe(0.01);
});
