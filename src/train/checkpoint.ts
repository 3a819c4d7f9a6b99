/**
 * Model checkpoints as files (model.json + weights.bin), written atomically, without tfjs-node.
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";

/** Saves topology and weights into `dir` (created); files appear only when complete. */
export async function saveCheckpoint(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      const tmpW = path.join(dir, `weights.bin.tmp-${process.pid}`);
      const tmpJ = path.join(dir, `model.json.tmp-${process.pid}`);
      fs.writeFileSync(tmpW, weights);
      fs.writeFileSync(tmpJ, JSON.stringify(json));
      fs.renameSync(tmpW, path.join(dir, "weights.bin"));
      fs.renameSync(tmpJ, path.join(dir, "model.json"));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.length } };
    }),
  );
}

/** Loads a checkpoint written by {@link saveCheckpoint}. */
export async function loadCheckpoint(dir: string): Promise<tf.LayersModel> {
  const jsonPath = path.join(dir, "model.json");
  if (!fs.existsSync(jsonPath)) throw new Error(`no checkpoint in ${dir} (model.json is missing)`);
  const json = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
  const bin = fs.readFileSync(path.join(dir, "weights.bin"));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
}

/**
 * Puts the weights of the checkpoint in `dir` into `model` (built from the same configuration:
 * rebuilding keeps the study's own layer classes, which unit surgery and replays rely on) and
 * returns it; the loaded copy is disposed.
 */
export async function loadWeightsInto<M extends tf.LayersModel>(model: M, dir: string): Promise<M> {
  const stored = await loadCheckpoint(dir);
  try {
    model.setWeights(stored.getWeights());
  } finally {
    stored.dispose();
  }
  return model;
}
