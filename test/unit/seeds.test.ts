/**
 * Seeded initialisation: the same seed gives the same model in every run (tfjs ignores seed 0,
 * so ResLab never passes it), and different seeds share no layer's weights.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/backend/select";
import { buildBasicResNet } from "../../src/models/basic-resnet";
import { buildPreActResNet } from "../../src/models/preact-resnet";
import { layerSeeds, tfSeed } from "../../src/runtime/seeds";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

const kernels = (m: tf.LayersModel) => m.layers.filter((l) => /Conv2D|Dense/.test(l.getClassName())).map((l) => Array.from(l.getWeights()[0].dataSync()));

test.each([
  ["BasicBlock", (seed: number) => buildBasicResNet({ inputShape: [8, 8, 1], blocksPerStage: 1, widths: [2, 2, 2], seed })],
  ["pre-activation", (seed: number) => buildPreActResNet({ inputShape: [8, 8, 1], blocksPerSection: 1, widths: [2, 2, 2], seed })],
])("%s ResNet: seed 0 is reproducible and seeds 0 and 1 share no kernel", (_name, build) => {
  const a = kernels(build(0)), b = kernels(build(0)), c = kernels(build(1));
  expect(a).toEqual(b);
  for (const k of a) for (const other of c) expect(other).not.toEqual(k);
});

test("tfjs seeds are never 0 and do not collide between seeds", () => {
  expect(tfSeed(0)).toBe(1);
  const next = layerSeeds(0);
  const first = [next(), next(), next()];
  expect(first).toEqual([1, 2, 3]);
  expect(tfSeed(1)).toBeGreaterThan(first[2] + 1000);
  expect(() => tfSeed(-1)).toThrow(/whole number ≥ 0/);
});
