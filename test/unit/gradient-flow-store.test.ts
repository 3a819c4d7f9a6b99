/**
 * The gradient-flow study's trained networks are kept (issue 15: a second run of notebook 07 costs
 * only its analysis): the trained depth sweeps as sweep runs, the "during training" nets as one
 * checkpoint per epoch. A second call trains nothing and measures the same norms from the stored
 * weights; a recipe that differs from the stored one is an error that names the difference.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { selectBackend } from "../../src/backend/select";
import { QUICK_GRADIENT_FLOW, prepareGradientFlow, trainedConvDepthStudy, trainedDenseDepthStudy, trainingGradientStudy, type GradientFlowParams } from "../../src/studies/gradient-flow-study";

beforeAll(() => selectBackend({ prefer: "cpu", strict: true }));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-gradflow-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const P: GradientFlowParams = {
  ...QUICK_GRADIENT_FLOW, downsample: 4, trainN: 100, testN: 20, probeImages: 8,
  denseDepths: [2, 4], denseWidth: 8, convDepths: [1, 2], convWidths: [2, 2, 2], trainedDepth: 1, epochs: 2, batchSize: 50, resultsDir: dir,
};
const finishedAt = (sub: string, L: number) => JSON.parse(fs.readFileSync(path.join(dir, sub, `L${L}-seed0`, "result.json"), "utf8")).finishedAt;

test("trained depth sweeps and per-epoch nets are stored, then read back to the same norms without training", async () => {
  const ctx = await prepareGradientFlow(P);
  try {
    const conv = await trainedConvDepthStudy(ctx);
    const dense = await trainedDenseDepthStudy(ctx);
    const during = await trainingGradientStudy(ctx);
    expect(conv.map((r) => [r.depth, r.residual])).toEqual([[1, true], [2, true], [1, false], [2, false]]);
    expect(fs.readdirSync(dir).sort()).toEqual(["conv-plain", "conv-residual", "dense-plain", "dense-residual", "during-plain", "during-residual"]);
    expect(fs.readdirSync(path.join(dir, "during-residual")).sort()).toEqual(["epoch1", "epoch2"]);
    const stamp = finishedAt("conv-residual", 2);

    const t0 = Date.now();
    const conv2 = await trainedConvDepthStudy(ctx);
    const dense2 = await trainedDenseDepthStudy(ctx);
    const during2 = await trainingGradientStudy(ctx);
    expect(finishedAt("conv-residual", 2)).toBe(stamp); // not retrained
    expect(conv2).toEqual(conv);
    expect(dense2).toEqual(dense);
    expect(during2.map((d) => [d.label, d.norms.blocks, d.norms.loss])).toEqual(during.map((d) => [d.label, d.norms.blocks, d.norms.loss]));
    expect(Date.now() - t0).toBeLessThan(20_000);
  } finally {
    ctx.dispose();
  }
}, 120_000);

test("a stored run trained with another recipe is an error naming the difference, not reused", async () => {
  const ctx = await prepareGradientFlow({ ...P, lr: 2 * P.lr });
  try {
    await expect(trainedConvDepthStudy(ctx)).rejects.toThrow(/trained otherwise \(lr 0\.006 asked, 0\.003 stored\)/);
    await expect(trainingGradientStudy(ctx)).rejects.toThrow(/epoch1 holds an epoch trained otherwise/);
  } finally {
    ctx.dispose();
  }
}, 60_000);
