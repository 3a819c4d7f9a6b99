/**
 * The pre-activation ResNet of Hauser's perturbation study (seed 000, eq. 13):
 *
 *   x(l+1) = x(l) + W2 * ReLU(BN2(W1 * ReLU(BN1(x(l)))))
 *
 * A 3×3 stem convolution, then sections of L blocks each; between sections a 1×1 convolution
 * with stride 2 doubles the channels and halves height and width. The head is BN, ReLU, global
 * average pooling and a dense softmax layer. Inputs are NHWC images.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "./batch-norm-layer";
import { layerSeeds } from "../runtime/seeds";

/** Configuration of {@link buildPreActResNet}. */
export interface PreActResNetConfig {
  /** Input image shape [height, width, channels], e.g. [28, 28, 1] for MNIST. */
  inputShape: [number, number, number];
  /** Residual blocks per section (L). */
  blocksPerSection: number;
  /** Channels of each section (default [16, 32, 64]). */
  widths?: number[];
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Seed of the weight initialisers (default 0). */
  seed?: number;
  /**
   * BatchNorm moving-average momentum (default 0.9, i.e. PyTorch's 0.1): Keras' 0.99 leaves the
   * inference statistics near their initial values after short quick-mode runs.
   */
  bnMomentum?: number;
  /** Skip scale α: x ← α·x + F(x) (default 1; 0 removes the skip connections: a plain network). */
  skipScale?: number;
  /** Share one set of block weights across all blocks of a section (default false). */
  shareWeights?: boolean;
}

/** A no-op layer marking a block's input x(l) (the hook point `s{S}.b{B}.in`). */
export function blockInputMarker(prefix: string): tf.layers.Layer {
  return tf.layers.activation({ activation: "linear", name: `${prefix}_in` });
}

/** Builds the model; layer names follow `s{section}b{block}_…` (sections and blocks from 0). */
export function buildPreActResNet(cfg: PreActResNetConfig): tf.LayersModel {
  const widths = cfg.widths ?? [16, 32, 64];
  const classes = cfg.numClasses ?? 10;
  if (!Number.isInteger(cfg.blocksPerSection) || cfg.blocksPerSection < 1) {
    throw new RangeError(`blocksPerSection must be a whole number ≥ 1, got ${cfg.blocksPerSection}`);
  }
  const nextSeed = layerSeeds(cfg.seed);
  const momentum = cfg.bnMomentum ?? 0.9;
  const bn = (name: string) => batchNormalization({ momentum, name });
  const init = () => tf.initializers.heNormal({ seed: nextSeed() });
  const conv = (filters: number, kernel: number, strides: number, name: string) =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides, padding: "same", useBias: false, kernelInitializer: init(), name });
  const input = tf.input({ shape: cfg.inputShape, name: "input" });
  let x = conv(widths[0], 3, 1, "stem_conv").apply(input) as tf.SymbolicTensor;
  const alpha = cfg.skipScale ?? 1;
  widths.forEach((width, s) => {
    if (s > 0) x = conv(width, 1, 2, `s${s}_down`).apply(x) as tf.SymbolicTensor;
    const branch = (p: string) => [bn(`${p}_bn1`), tf.layers.reLU({ name: `${p}_relu1` }), conv(width, 3, 1, `${p}_conv1`), bn(`${p}_bn2`), tf.layers.reLU({ name: `${p}_relu2` }), conv(width, 3, 1, `${p}_conv2`)];
    const shared = cfg.shareWeights ? branch(`s${s}shared`) : undefined;
    for (let l = 0; l < cfg.blocksPerSection; l++) {
      const p = `s${s}b${l}`;
      x = blockInputMarker(p).apply(x) as tf.SymbolicTensor;
      let f = x;
      for (const layer of shared ?? branch(p)) f = layer.apply(f) as tf.SymbolicTensor;
      const skip = alpha === 1 ? x : (tf.layers.rescaling({ scale: alpha, offset: 0, name: `${p}_alpha` }).apply(x) as tf.SymbolicTensor);
      x = tf.layers.add({ name: `${p}_out` }).apply([skip, f]) as tf.SymbolicTensor;
    }
  });
  x = bn("head_bn").apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "head_relu" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: "head_gap" }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: "head_dense" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `preact_resnet_L${cfg.blocksPerSection}` });
}

/**
 * Multiply-adds ×2 of one forward pass for one image (convolutions and the dense layer;
 * BatchNorm, ReLU, additions and pooling are not counted). A training step costs about 3×.
 */
export function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === "Conv2D") {
      const out = layer.outputShape as number[];
      const k = (layer.getWeights()[0].shape as number[]);
      flops += 2 * out[1] * out[2] * k[0] * k[1] * k[2] * k[3];
    } else if (cls === "Dense") {
      const k = layer.getWeights()[0].shape as number[];
      flops += 2 * k[0] * k[1];
    }
  }
  return flops;
}
