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
import { identityMappingFinding, identityMappingTable, IDENTITY_VARIANTS, type IdentityMappingResult } from "../../src/studies/identity-mappings-study";

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

  test("the dropout shortcut drops in training and is the identity in inference", () => {
    const m = buildIdentityMappingResNet({ ...base, shortcut: "dropout", dropoutRate: 0.5 });
    const infer = runWithCache(m, x);
    const want = tf.tidy(() => byHand(m, { ...base }, infer.activations.get("s0.b1.in")!));
    expect(tf.max(tf.abs(tf.sub(infer.activations.get("s0.b1.out")!, want))).dataSync()[0]).toBeLessThan(1e-5);
    const trainOut = m.apply(x, { training: true }) as tf.Tensor;
    const inferOut = m.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(trainOut, inferOut))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(() => buildIdentityMappingResNet({ ...base, shortcut: "dropout", dropoutRate: 1 })).toThrow(/dropoutRate/);
    expect(() => buildIdentityMappingResNet({ ...base, unit: "post" as never })).toThrow(/is not one of/);
  });
});


test("the comparison's table and finding follow from the runs (hand-made records)", () => {
  const run = (testError: number) => ({ L: 3, seed: 0, dataset: "d", backend: "cpu", config: {} as never, history: [{ epoch: 1, lr: 0.1, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 0.6, testAccuracy: 1 - testError, seconds: 1 }], testError, measures: {} as never, finishedAt: "" });
  const errors: Record<string, number> = { "unit-a-original": 0.1, "unit-e-full-preactivation": 0.08, "shortcut-exclusive-gating": 0.2, "shortcut-conv1x1": 0.09 };
  const r = {
    params: {} as never, dataset: {} as never, provenance: () => ({ dataset: "d", model: "m", seed: 0 }),
    runs: IDENTITY_VARIANTS.filter((v) => v.id in errors).map((variant) => ({ variant, run: run(errors[variant.id]), params: 100 })),
  } as IdentityMappingResult;
  expect(identityMappingTable(r).map((row) => [row.variant, row.test_error_pct])).toEqual([["unit-a-original", 10], ["unit-e-full-preactivation", 8], ["shortcut-exclusive-gating", 20], ["shortcut-conv1x1", 9]]);
  const text = identityMappingFinding(r);
  expect(text).toContain("(10.00% test error), 1 of 3 variants are worse");
  expect(text).toContain("1 of 2 shortcut variants are worse");
  expect(text).toContain("unit-e-full-preactivation (8.00%), the full pre-activation unit He et al. propose");
});
