/**
 * The simplified residual layer of the lecture notes (seed 002): y ← y + τ·σ(W y + b), the
 * forward-Euler step of dy/dt = σ(W y + b). Sections of L such layers; a dense projection
 * shortcut where the width changes between sections; a dense softmax head.
 */
import * as tf from "@tensorflow/tfjs";
import { layerSeeds } from "../runtime/seeds";

/** Configuration of {@link buildDenseResidual}. */
export interface DenseResidualConfig {
  /** Input features (of a flat [N, inputDim] input; omit it when `inputShape` is given). */
  inputDim?: number;
  /**
   * An image input [H, W, C] instead (NHWC batches, as `train` feeds them): flattened first by the
   * layer `input_flatten`, so inputDim = H·W·C.
   */
  inputShape?: [number, number, number];
  /** Width of each section. */
  widths: number[];
  /** Residual layers per section (L). */
  blocksPerSection: number;
  /** Step size τ (default 1). */
  tau?: number;
  /** σ (default "relu"). */
  activation?: "relu" | "tanh" | "sigmoid" | "linear" | "softplus";
  /** Classes of the softmax head; 0 for no head (default 10). */
  numClasses?: number;
  /** Initialiser seed (default 0). */
  seed?: number;
  /** Skip scale α: x ← α·x + τ·σ(Wx + b) (default 1; 0 gives a plain network). */
  skipScale?: number;
  /**
   * One W, b for every layer of a section (layer `s{S}shared_dense`; default false): the
   * forward-Euler scheme of one autonomous ODE dy/dt = σ(W y + b) with step τ.
   */
  shareWeights?: boolean;
}

/** Builds the model; block outputs are the layers `s{S}b{B}_out`, as in the conv ResNets. */
export function buildDenseResidual(cfg: DenseResidualConfig): tf.LayersModel {
  const tau = cfg.tau ?? 1;
  const alpha = cfg.skipScale ?? 1;
  const nextSeed = layerSeeds(cfg.seed);
  const inputDim = cfg.inputShape ? cfg.inputShape[0] * cfg.inputShape[1] * cfg.inputShape[2] : cfg.inputDim;
  if (!inputDim || !Number.isInteger(inputDim)) throw new RangeError(`buildDenseResidual needs inputDim (a whole number of features) or inputShape [H, W, C]; got inputDim ${cfg.inputDim}`);
  const input = tf.input({ shape: cfg.inputShape ?? [inputDim], name: "input" });
  let x = (cfg.inputShape ? tf.layers.flatten({ name: "input_flatten" }).apply(input) : input) as tf.SymbolicTensor;
  let width = inputDim;
  cfg.widths.forEach((w, s) => {
    if (w !== width) {
      x = tf.layers.dense({ units: w, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: `s${s}_proj` }).apply(x) as tf.SymbolicTensor;
      width = w;
    }
    const dense = (name: string) => tf.layers.dense({ units: w, activation: cfg.activation ?? "relu", kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name });
    const shared = cfg.shareWeights ? dense(`s${s}shared_dense`) : undefined;
    for (let l = 0; l < cfg.blocksPerSection; l++) {
      const p = `s${s}b${l}`;
      let f = (shared ?? dense(`${p}_dense`)).apply(x) as tf.SymbolicTensor;
      f = tf.layers.rescaling({ scale: tau, offset: 0, name: `${p}_tau` }).apply(f) as tf.SymbolicTensor;
      const skip = alpha === 1 ? x : (tf.layers.rescaling({ scale: alpha, offset: 0, name: `${p}_alpha` }).apply(x) as tf.SymbolicTensor);
      x = tf.layers.add({ name: `${p}_out` }).apply([skip, f]) as tf.SymbolicTensor;
    }
  });
  const classes = cfg.numClasses ?? 10;
  const out = classes > 0 ? (tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: "head_dense" }).apply(x) as tf.SymbolicTensor) : x;
  return tf.model({ inputs: input, outputs: out, name: `dense_residual_L${cfg.blocksPerSection}` });
}
