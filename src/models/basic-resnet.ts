/**
 * Post-activation BasicBlock ResNets for CIFAR (He et al.; the ResNet-20/56/110 family of
 * seed 001): a 3×3 stem with BN and σ, three stages of n blocks
 *
 *   x(k+1) = σ(α·shortcut(x(k)) + BN(conv(σ(BN(conv(x(k)))))))
 *
 * widths 16/32/64, the first block of stages 2 and 3 with stride 2 and a 1×1-conv + BN projection
 * shortcut, then global average pooling and a dense layer: 6n + 2 weighted layers. The activation
 * is ReLU by default; a smooth one (softplus, tanh) makes every unit differentiable, as the seed's
 * Jacobian (Taylor) test needs.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "./batch-norm-layer";
import { layerSeeds } from "../runtime/seeds";
import { blockInputMarker } from "./preact-resnet";

/** Configuration of {@link buildBasicResNet}. */
export interface BasicResNetConfig {
  /** Input shape [H, W, C], e.g. [32, 32, 3]. */
  inputShape: [number, number, number];
  /** Blocks per stage n (ResNet-20: 3, ResNet-56: 9, ResNet-110: 18). */
  blocksPerStage: number;
  widths?: number[];
  numClasses?: number;
  seed?: number;
  /** Skip scale α on the shortcut (default 1); 0 gives the plain network. */
  skipScale?: number;
  /** BatchNorm moving-average momentum (default 0.9). */
  bnMomentum?: number;
  /**
   * σ in the stem and in every unit (default "relu": tf.layers.reLU layers). The smooth ones are
   * tf.layers.activation layers under the same names (`stem_relu`, `…_relu1`, `…_out`).
   */
  activation?: BasicResNetActivation;
  /**
   * Wide ResNet: every stage width (and the stem's) times this factor (default 1), e.g. 4 gives
   * widths 64/128/256.
   */
  widthFactor?: number;
  /**
   * How a stage's first block down-samples (default "conv"): "conv" is a stride-2 3×3 convolution
   * in the branch and a stride-2 1×1 projection on the shortcut; "avgpool" first averages 2×2
   * patches (layer `s{S}b0_pool`, "valid": an odd last row or column is dropped, as PyTorch's
   * AvgPool2d(2) does), then runs the block at stride 1 (a 1×1 projection still changes the
   * channels on the shortcut).
   */
  downsample?: "conv" | "avgpool";
  /**
   * Naive block sharing (seed 003, Fig. 8): the last `shareLast` blocks of every stage apply one
   * block's weights (layers `s{S}shared_conv1`, …); a stage's down-sampling block is never shared.
   * Default 0 (no sharing). ResNet-110 with shareLast 13 has the weights of a ResNet-38.
   */
  shareLast?: number;
  /** With shareLast: share the batch-norm layers too (default true, "naive" sharing); false gives each shared block its own BN. */
  shareBatchNorm?: boolean;
}

/** The activations {@link buildBasicResNet} supports. */
export type BasicResNetActivation = "relu" | "softplus" | "tanh";
const ACTIVATIONS: readonly BasicResNetActivation[] = ["relu", "softplus", "tanh"];

/** The configuration each model was built from, so that it can be rebuilt (see {@link basicResNetConfig}). */
const configs = new WeakMap<tf.LayersModel, Readonly<BasicResNetConfig>>();

/**
 * The configuration `model` was built from by {@link buildBasicResNet} (a copy). Models from
 * elsewhere (a loaded checkpoint, another builder) have none: rebuild those with
 * buildBasicResNet and copy their weights in.
 */
export function basicResNetConfig(model: tf.LayersModel): BasicResNetConfig {
  const cfg = configs.get(model);
  if (!cfg) throw new Error(`model "${model.name}" was not built by buildBasicResNet in this session (loaded from a checkpoint, or from another builder), so its configuration is unknown: build it with buildBasicResNet(cfg) and copy the weights in with setWeights`);
  return structuredClone(cfg) as BasicResNetConfig;
}

/** The depth-named family: resnetDepth(20) → n = 3. */
export function blocksForDepth(depth: number): number {
  if ((depth - 2) % 6 !== 0 || depth < 8) throw new RangeError(`a CIFAR ResNet has 6n+2 layers (20, 32, 44, 56, 110, …); ${depth} is not of that form`);
  return (depth - 2) / 6;
}

/**
 * Builds the model: NHWC input [batch, ...cfg.inputShape] → logits [batch, numClasses]. Layers are
 * named `s{S}b{B}_…` (stages and blocks from 0), with the block-input marker `s{S}b{B}_in`; the
 * configuration is recorded for {@link basicResNetConfig}.
 */
export function buildBasicResNet(cfg: BasicResNetConfig): tf.LayersModel {
  const factor = cfg.widthFactor ?? 1;
  if (!(Number.isInteger(factor) && factor >= 1)) throw new RangeError(`widthFactor must be a whole number ≥ 1, got ${cfg.widthFactor}`);
  const widths = (cfg.widths ?? [16, 32, 64]).map((w) => w * factor);
  const downsample = cfg.downsample ?? "conv";
  if (downsample !== "conv" && downsample !== "avgpool") throw new Error(`downsample must be "conv" or "avgpool", got "${cfg.downsample}"`);
  const shareLast = cfg.shareLast ?? 0;
  if (!(Number.isInteger(shareLast) && shareLast >= 0 && shareLast <= cfg.blocksPerStage)) throw new RangeError(`shareLast must be a whole number from 0 to blocksPerStage (${cfg.blocksPerStage}), got ${cfg.shareLast}`);
  const alpha = cfg.skipScale ?? 1;
  const momentum = cfg.bnMomentum ?? 0.9;
  const activation = cfg.activation ?? "relu";
  if (!ACTIVATIONS.includes(activation)) throw new Error(`activation "${activation}" is not supported by buildBasicResNet: use one of ${ACTIVATIONS.join(", ")}`);
  const sigma = (name: string) => (activation === "relu" ? tf.layers.reLU({ name }) : tf.layers.activation({ activation, name }));
  const nextSeed = layerSeeds(cfg.seed);
  const conv = (filters: number, k: number, strides: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: k, strides, padding: "same", useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name });
  const bn = (name: string) => batchNormalization({ momentum, name });
  const input = tf.input({ shape: cfg.inputShape, name: "input" });
  let x = conv(widths[0], 3, 1, "stem_conv").apply(input) as tf.SymbolicTensor;
  x = bn("stem_bn").apply(x) as tf.SymbolicTensor;
  x = sigma("stem_relu").apply(x) as tf.SymbolicTensor;
  let channels = widths[0];
  widths.forEach((width, s) => {
    // the weighted layers of the shared blocks, made once per stage (see shareLast)
    let shared: { conv1: tf.layers.Layer; bn1: tf.layers.Layer; conv2: tf.layers.Layer; bn2: tf.layers.Layer } | undefined;
    for (let b = 0; b < cfg.blocksPerStage; b++) {
      const p = `s${s}b${b}`;
      const down = s > 0 && b === 0;
      const stride = down && downsample === "conv" ? 2 : 1;
      const sharing = b >= cfg.blocksPerStage - shareLast && !down && channels === width;
      x = blockInputMarker(p).apply(x) as tf.SymbolicTensor;
      const inner = down && downsample === "avgpool" ? (tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: "valid", name: `${p}_pool` }).apply(x) as tf.SymbolicTensor) : x;
      type BlockLayers = { conv1: tf.layers.Layer; bn1: tf.layers.Layer; conv2: tf.layers.Layer; bn2: tf.layers.Layer };
      let layers: BlockLayers;
      if (!sharing) {
        layers = { conv1: conv(width, 3, stride, `${p}_conv1`), bn1: bn(`${p}_bn1`), conv2: conv(width, 3, 1, `${p}_conv2`), bn2: bn(`${p}_bn2`) };
      } else {
        shared ??= { conv1: conv(width, 3, 1, `s${s}shared_conv1`), bn1: bn(`s${s}shared_bn1`), conv2: conv(width, 3, 1, `s${s}shared_conv2`), bn2: bn(`s${s}shared_bn2`) };
        layers = cfg.shareBatchNorm === false ? { ...shared, bn1: bn(`${p}_bn1`), bn2: bn(`${p}_bn2`) } : shared;
      }
      let f = layers.conv1.apply(inner) as tf.SymbolicTensor;
      f = layers.bn1.apply(f) as tf.SymbolicTensor;
      f = sigma(`${p}_relu1`).apply(f) as tf.SymbolicTensor;
      f = layers.conv2.apply(f) as tf.SymbolicTensor;
      f = layers.bn2.apply(f) as tf.SymbolicTensor;
      let shortcut = inner;
      if (stride !== 1 || channels !== width) {
        shortcut = conv(width, 1, stride, `${p}_proj`).apply(inner) as tf.SymbolicTensor;
        shortcut = bn(`${p}_proj_bn`).apply(shortcut) as tf.SymbolicTensor;
      }
      if (alpha !== 1) shortcut = tf.layers.rescaling({ scale: alpha, offset: 0, name: `${p}_alpha` }).apply(shortcut) as tf.SymbolicTensor;
      const sum = tf.layers.add({ name: `${p}_add` }).apply([shortcut, f]) as tf.SymbolicTensor;
      x = sigma(`${p}_out`).apply(sum) as tf.SymbolicTensor;
      channels = width;
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: "head_gap" }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: cfg.numClasses ?? 10, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: "head_dense" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: `resnet${6 * cfg.blocksPerStage + 2}` });
  configs.set(model, Object.freeze(structuredClone(cfg)));
  return model;
}
