/**
 * He et al.'s unit and shortcut variants: every unit's output equals its equation applied by hand
 * to the unit's input (layer by layer, with the shortcut's own arithmetic), and unit (a) with the
 * identity shortcut is buildBasicResNet's network.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildIdentityMappingResNet, RESIDUAL_UNITS, SHORTCUTS, type IdentityMappingConfig } from "../../src/models/identity-mappings";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { runWithCache } from "../../src/models/hooks";
import { residualBlocks } from "../../src/models/blocks";
import { identityMappingFinding, identityMappingTable, paperComparisonFinding, paperComparisonTable, IDENTITY_VARIANTS, type IdentityMappingResult } from "../../src/studies/identity-mappings-study";
import { HE2016_TABLE1, HE2016_TABLE2 } from "../../src/studies/identity-mappings-paper";
import { dropout } from "../../src/models/dropout-layer";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

function randomiseBatchNorm(model: tf.LayersModel, seed = 500): void {
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

const base: IdentityMappingConfig = { inputShape: [6, 6, 2], blocksPerStage: 2, widths: [3, 4], numClasses: 3, seed: 9 };
const x = tf.randomNormal([2, 6, 6, 2], 0, 1, "float32", 21);

/** The unit s0.b1 (shape-keeping) of `model`, by hand from its input. */
function byHand(model: tf.LayersModel, cfg: IdentityMappingConfig, h: tf.Tensor): tf.Tensor {
  const L = (n: string, t: tf.Tensor) => model.getLayer(`s0b1_${n}`).apply(t) as tf.Tensor;
  const W1 = (t: tf.Tensor) => L("conv1", t), W2 = (t: tf.Tensor) => L("conv2", t);
  const unit = cfg.unit ?? "original", sc = cfg.shortcut ?? "identity";
  let F: tf.Tensor;
  if (unit === "original") F = L("bn2", W2(tf.relu(L("bn1", W1(h)))));
  else if (unit === "bn-after-addition") F = W2(tf.relu(L("bn1", W1(h))));
  else if (unit === "relu-before-addition") F = tf.relu(L("bn2", W2(tf.relu(L("bn1", W1(h))))));
  else if (unit === "relu-only-preactivation") F = L("bn2", W2(tf.relu(L("bn1", W1(tf.relu(h))))));
  else F = W2(tf.relu(L("bn1", W1(tf.relu(L("bn0", h))))));
  let skip = h;
  if (sc === "constant-scaling") {
    skip = tf.mul(h, cfg.scale ?? 0.5);
    if (cfg.scaleBranch) F = tf.mul(F, 1 - (cfg.scale ?? 0.5));
  } else if (sc === "exclusive-gating" || sc === "shortcut-only-gating") {
    const [k, b] = model.getLayer("s0b1_gate").getWeights();
    const g = tf.sigmoid(tf.add(tf.conv2d(h as tf.Tensor4D, k as tf.Tensor4D, 1, "same"), b));
    skip = tf.mul(tf.sub(1, g), h);
    if (sc === "exclusive-gating") F = tf.mul(g, F);
  } else if (sc === "conv1x1") {
    skip = tf.conv2d(h as tf.Tensor4D, model.getLayer("s0b1_shortcut_conv").getWeights()[0] as tf.Tensor4D, 1, "same");
  } else if (sc === "dropout") {
    // inference: the paper's dropout keeps 1 − rate of the shortcut in expectation
    skip = cfg.dropoutInverted ? h : tf.mul(h, 1 - (cfg.dropoutRate ?? 0.5));
  }
  const sum = tf.add(skip, F);
  if (unit === "original") return tf.relu(sum);
  if (unit === "bn-after-addition") return tf.relu(L("bn_add", sum));
  return sum;
}

describe("He et al.'s variants", () => {
  const cases: IdentityMappingConfig[] = [
    ...RESIDUAL_UNITS.map((unit) => ({ ...base, unit })),
    ...SHORTCUTS.filter((s) => s !== "identity" && s !== "dropout").map((shortcut) => ({ ...base, shortcut, gateBias: -1 })),
    { ...base, shortcut: "constant-scaling", scaleBranch: true, scale: 0.3 },
    { ...base, unit: "full-preactivation", shortcut: "exclusive-gating" },
  ];
  test.each(cases.map((c) => [`${c.unit ?? "original"} / ${c.shortcut ?? "identity"}${c.scaleBranch ? " (branch scaled)" : ""}`, c]))("%s: unit s0.b1 equals its equation by hand", (_label, cfg) => {
    const model = buildIdentityMappingResNet(cfg as IdentityMappingConfig);
    randomiseBatchNorm(model);
    const cache = runWithCache(model, x);
    const want = tf.tidy(() => byHand(model, cfg as IdentityMappingConfig, cache.activations.get("s0.b1.in")!));
    const got = cache.activations.get("s0.b1.out")!;
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    expect(residualBlocks(model).map((b) => b.transition)).toEqual([false, false, true, false]);
    cache.dispose();
    want.dispose();
    model.dispose();
  });

  test("unit (a) with the identity shortcut is buildBasicResNet's network (same seed, same outputs)", () => {
    const a = buildIdentityMappingResNet(base);
    const basic = buildBasicResNet({ inputShape: base.inputShape, blocksPerStage: 2, widths: [3, 4], numClasses: 3, seed: 9 });
    const [ya, yb] = [a.predict(x) as tf.Tensor, basic.predict(x) as tf.Tensor];
    expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBeLessThan(1e-6);
  });

  test.each([false, true])("the dropout shortcut (inverted %s): (1 − rate)·x or x in inference, a fresh mask at every training call", (inverted) => {
    const cfg: IdentityMappingConfig = { ...base, shortcut: "dropout", dropoutRate: 0.5, dropoutInverted: inverted };
    const m = buildIdentityMappingResNet(cfg);
    randomiseBatchNorm(m);
    const infer = runWithCache(m, x);
    const want = tf.tidy(() => byHand(m, cfg, infer.activations.get("s0.b1.in")!));
    expect(tf.max(tf.abs(tf.sub(infer.activations.get("s0.b1.out")!, want))).dataSync()[0]).toBeLessThan(1e-5);
    infer.dispose();
    const t1 = m.apply(x, { training: true }) as tf.Tensor, t2 = m.apply(x, { training: true }) as tf.Tensor;
    const inferOut = m.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(t1, inferOut))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(tf.max(tf.abs(tf.sub(t1, t2))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  test("SeededDropout: kept values ×1/(1 − rate), about 1 − rate of them kept, a new mask per call, reproducible from the seed", () => {
    const ones = tf.ones([1, 20000]);
    const masks = (layer: tf.layers.Layer) => [0, 1].map(() => Array.from((layer.apply(ones, { training: true }) as tf.Tensor).dataSync()));
    const [a, b] = masks(dropout({ rate: 0.3, seed: 5 }));
    expect(new Set(a.map((v) => v.toFixed(4)))).toEqual(new Set(["0.0000", (1 / 0.7).toFixed(4)]));
    const kept = a.filter((v) => v > 0).length / a.length;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.02);
    const differ = a.filter((v, i) => (v > 0) !== (b[i] > 0)).length / a.length;
    expect(differ).toBeGreaterThan(0.3); // independent masks differ in 2·0.3·0.7 = 42 % of places
    const [a2, b2] = masks(dropout({ rate: 0.3, seed: 5 }));
    expect(a2).toEqual(a);
    expect(b2).toEqual(b);
    expect(Array.from((dropout({ rate: 0.3, seed: 5 }).apply(ones) as tf.Tensor).dataSync()).every((v) => v === 1)).toBe(true);
  });

  test("the rows of the paper's tables name variants that exist, once each per table", () => {
    const ids = new Set(IDENTITY_VARIANTS.map((v) => v.id));
    for (const t of [HE2016_TABLE1, HE2016_TABLE2]) {
      const named = t.filter((r) => r.variant).map((r) => r.variant!);
      expect(named.every((v) => ids.has(v))).toBe(true);
      expect(new Set(named).size).toBe(named.length);
    }
    // every variant trained is some row of the paper
    expect([...ids].every((id) => [...HE2016_TABLE1, ...HE2016_TABLE2].some((r) => r.variant === id))).toBe(true);
  });

  test("the model-building errors say what was wrong", () => {
    expect(() => buildIdentityMappingResNet({ ...base, shortcut: "dropout", dropoutRate: 1 })).toThrow(/dropoutRate/);
    expect(() => buildIdentityMappingResNet({ ...base, unit: "post" as never })).toThrow(/is not one of/);
  });
});


test("the comparison's table and finding follow from the runs (hand-made records)", () => {
  const run = (testError: number) => ({ L: 3, seed: 0, dataset: "d", backend: "cpu", config: {} as never, history: [{ epoch: 1, lr: 0.1, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 0.6, testAccuracy: 1 - testError, seconds: 1 }], testError, measures: {} as never, finishedAt: "" });
  const errors: Record<string, number> = { "unit-a-original": 0.1, "unit-e-full-preactivation": 0.08, "shortcut-exclusive-gating-b0": 0.2, "shortcut-conv1x1": 0.09 };
  const r = {
    params: {} as never, dataset: {} as never, provenance: () => ({ dataset: "d", model: "m", seed: 0 }),
    runs: IDENTITY_VARIANTS.filter((v) => v.id in errors).map((variant) => ({ variant, run: run(errors[variant.id]), params: 100 })),
  } as IdentityMappingResult;
  expect(identityMappingTable(r).map((row) => [row.variant, row.test_error_pct])).toEqual([["unit-a-original", 10], ["unit-e-full-preactivation", 8], ["shortcut-exclusive-gating-b0", 20], ["shortcut-conv1x1", 9]]);
  const text = identityMappingFinding(r);
  expect(text).toContain("(10.00% test error), 1 of 3 variants are worse");
  expect(text).toContain("1 of 2 shortcut variants are worse");
  expect(text).toContain("unit-e-full-preactivation (8.00%), the full pre-activation unit He et al. propose");
});

test("the paper's tables next to this run: the fail rule, untrained rows, the gating remark, and the comparison (hand-made records)", () => {
  const run = (testError: number) => ({ L: 3, seed: 0, dataset: "d", backend: "cpu", config: {} as never, history: [{ epoch: 1, lr: 0.1, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 0.6, testAccuracy: 1 - testError, seconds: 1 }], testError, measures: {} as never, finishedAt: "" });
  const errors: Record<string, number> = {
    "unit-a-original": 0.1, "unit-b-bn-after-addition": 0.12, "unit-c-relu-before-addition": 0.11, "unit-d-relu-only-preactivation": 0.09, "unit-e-full-preactivation": 0.09,
    "shortcut-constant-0": 0.5, "shortcut-exclusive-gating-b0": 0.15, "shortcut-conv1x1": 0.095,
  };
  const r = {
    params: {} as never, dataset: {} as never, provenance: () => ({ dataset: "d", model: "m", seed: 0 }),
    runs: IDENTITY_VARIANTS.filter((v) => v.id in errors).map((variant) => ({ variant, run: run(errors[variant.id]), params: 100 })),
  } as IdentityMappingResult;
  const rows = paperComparisonTable(r);
  expect(rows).toHaveLength(HE2016_TABLE1.length + HE2016_TABLE2.length);
  const row = (v: string) => rows.find((x) => x.variant === v)!;
  expect(row("shortcut-constant-0")).toMatchObject({ table: "Table 1", paper_resnet110: "fail", this_run_error_pct: 50, this_run: "fail" });
  expect(row("shortcut-exclusive-gating-b0")).toMatchObject({ this_run_error_pct: 15, this_run: "converged", remark: expect.stringContaining("disputed") });
  expect(row("shortcut-dropout-0.5")).toMatchObject({ this_run_error_pct: null, this_run: "not trained" });
  expect(rows.find((x) => x.table === "Table 2" && x.variant === "unit-e-full-preactivation")).toMatchObject({ paper_resnet110: 6.37, paper_resnet164: 5.46, this_run_error_pct: 9 });
  expect(rows.filter((x) => x.remark).map((x) => x.row.split(":")[0])).toEqual([...Array(3).fill("exclusive gating"), ...Array(2).fill("shortcut-only gating")]);
  const text = paperComparisonFinding(r);
  // Table 1 trained here: constant-0 (50 %), exclusive b0 (15 %), conv1x1 (9.5 %) against 10 %
  expect(text).toContain("here 2 of 3 do worse than its 10.00% (not: shortcut-conv1x1)");
  expect(text).toContain("Of the 2 rows the paper reports as \"fail\"");
  expect(text).toContain("1 fail here too");
  expect(text).toContain("paper e < a < d < c < b; this run d = e < a < c < b (a different order)");
  expect(text).toContain("flukeskywalker");
});
