/**
 * He et al.'s residual-unit and shortcut variants ("Identity Mappings in Deep Residual Networks",
 * arXiv 1603.05027; seed 004), on the CIFAR BasicBlock ResNet layout (a 3×3 conv-BN-ReLU stem,
 * three stages of n two-convolution units, widths 16/32/64, global pooling, a dense layer).
 *
 * Units, with W a 3×3 convolution, h the shortcut and F the branch:
 *   (a) original          x' = ReLU(h(x) + BN(W(ReLU(BN(W x)))))
 *   (b) BN after addition x' = ReLU(BN(h(x) + W(ReLU(BN(W x)))))
 *   (c) ReLU before add.  x' = h(x) + ReLU(BN(W(ReLU(BN(W x)))))
 *   (d) ReLU-only pre-act x' = h(x) + BN(W(ReLU(BN(W(ReLU x)))))
 *   (e) full pre-act.     x' = h(x) + W(ReLU(BN(W(ReLU(BN x)))))   (and BN + ReLU before the pooling)
 * Shortcuts h on the units that keep the shape (down-sampling units always project: a strided 1×1
 * convolution, with BN in the post-activation units (a), (b)):
 *   identity; constant scaling h = λx (optionally F scaled by 1 − λ too); exclusive gating
 *   (1 − g(x))⊙x + g(x)⊙F with g = sigmoid(1×1 conv + b_g); shortcut-only gating (1 − g(x))⊙x + F;
 *   a 1×1 convolution shortcut; dropout on the shortcut as the paper has it ("dropout statistically
 *   imposes a scale of λ with an expectation of 0.5 on the shortcut"): h = m⊙x with m ~ Bernoulli(1 − rate)
 *   in training and h = (1 − rate)·x in inference, i.e. inverted dropout followed by a scale 1 − rate
 *   (`dropoutInverted: true` keeps the inverted dropout alone, E[h] = x).
 * For (a) with the identity shortcut this is the network {@link buildBasicResNet} builds. Hook
 * points are as in every ResLab builder: `s{S}b{B}_in` marks a unit's input, `s{S}b{B}_out` is its
 * last layer, `s{S}b{B}_add` (or `_out`) its addition with the branch as second input.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "./batch-norm-layer";
import { dropout } from "./dropout-layer";
import { layerSeeds } from "../runtime/seeds";
import { blockInputMarker } from "./preact-resnet";

/** The residual units (a)–(e) of He et al.'s Fig. 4. */
export type ResidualUnitKind = "original" | "bn-after-addition" | "relu-before-addition" | "relu-only-preactivation" | "full-preactivation";
/** The shortcuts of He et al.'s Fig. 2. */
export type ShortcutKind = "identity" | "constant-scaling" | "exclusive-gating" | "shortcut-only-gating" | "conv1x1" | "dropout";

export const RESIDUAL_UNITS: readonly ResidualUnitKind[] = ["original", "bn-after-addition", "relu-before-addition", "relu-only-preactivation", "full-preactivation"];
export const SHORTCUTS: readonly ShortcutKind[] = ["identity", "constant-scaling", "exclusive-gating", "shortcut-only-gating", "conv1x1", "dropout"];

/** Configuration of {@link buildIdentityMappingResNet}. */
export interface IdentityMappingConfig {
  /** Input shape [H, W, C]. */
  inputShape: [number, number, number];
  /** Units per stage n (ResNet-110: 18). */
  blocksPerStage: number;
  widths?: number[];
  numClasses?: number;
  seed?: number;
  /** The residual unit (default "original"). */
  unit?: ResidualUnitKind;
  /** The shortcut of the shape-keeping units (default "identity"). */
  shortcut?: ShortcutKind;
  /** Constant scaling: λ (default 0.5). */
  scale?: number;
  /** Constant scaling: scale the branch by 1 − λ too (default false). */
  scaleBranch?: boolean;
  /** Gating: the initial bias b_g of the gate's 1×1 convolution (default 0). */
  gateBias?: number;
  /** Dropout shortcut: the rate (default 0.5). */
  dropoutRate?: number;
  /** Dropout shortcut: inverted dropout alone, E[h] = x, instead of the paper's E[h] = (1 − rate)·x (default false). */
  dropoutInverted?: boolean;
  /** BatchNorm moving-average momentum (default 0.9). */
  bnMomentum?: number;
}

/** Builds the network: NHWC [batch, ...inputShape] → logits [batch, numClasses]. */
export function buildIdentityMappingResNet(cfg: IdentityMappingConfig): tf.LayersModel {
  const unit = cfg.unit ?? "original", shortcut = cfg.shortcut ?? "identity";
  if (!RESIDUAL_UNITS.includes(unit)) throw new Error(`unit "${unit}" is not one of ${RESIDUAL_UNITS.join(", ")}`);
  if (!SHORTCUTS.includes(shortcut)) throw new Error(`shortcut "${shortcut}" is not one of ${SHORTCUTS.join(", ")}`);
  const lambda = cfg.scale ?? 0.5, rate = cfg.dropoutRate ?? 0.5;
  if (shortcut === "dropout" && !(rate > 0 && rate < 1)) throw new RangeError(`dropoutRate must be in (0, 1), got ${cfg.dropoutRate}`);
  const widths = cfg.widths ?? [16, 32, 64];
  const nextSeed = layerSeeds(cfg.seed);
  const conv = (filters: number, k: number, strides: number, name: string, extra: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
    tf.layers.conv2d({ filters, kernelSize: k, strides, padding: "same", useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }), name, ...extra });
  const bn = (name: string) => batchNormalization({ momentum: cfg.bnMomentum ?? 0.9, name });
  const relu = (name: string) => tf.layers.reLU({ name });
  const chain = (x: tf.SymbolicTensor, layers: tf.layers.Layer[]) => layers.reduce((t, l) => l.apply(t) as tf.SymbolicTensor, x);
  const postActivation = unit === "original" || unit === "bn-after-addition";

  const input = tf.input({ shape: cfg.inputShape, name: "input" });
  let x = chain(input, [conv(widths[0], 3, 1, "stem_conv"), bn("stem_bn"), relu("stem_relu")]);
  let channels = widths[0];
  widths.forEach((width, s) => {
    for (let b = 0; b < cfg.blocksPerStage; b++) {
      const p = `s${s}b${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      const projects = stride !== 1 || channels !== width;
      x = blockInputMarker(p).apply(x) as tf.SymbolicTensor;
      // the branch F
      const c1 = conv(width, 3, stride, `${p}_conv1`), c2 = conv(width, 3, 1, `${p}_conv2`);
      let f: tf.SymbolicTensor;
      switch (unit) {
        case "original":
          f = chain(x, [c1, bn(`${p}_bn1`), relu(`${p}_relu1`), c2, bn(`${p}_bn2`)]);
          break;
        case "bn-after-addition":
          f = chain(x, [c1, bn(`${p}_bn1`), relu(`${p}_relu1`), c2]);
          break;
        case "relu-before-addition":
          f = chain(x, [c1, bn(`${p}_bn1`), relu(`${p}_relu1`), c2, bn(`${p}_bn2`), relu(`${p}_relu2`)]);
          break;
        case "relu-only-preactivation":
          f = chain(x, [relu(`${p}_relu0`), c1, bn(`${p}_bn1`), relu(`${p}_relu1`), c2, bn(`${p}_bn2`)]);
          break;
        case "full-preactivation":
          f = chain(x, [bn(`${p}_bn0`), relu(`${p}_relu0`), c1, bn(`${p}_bn1`), relu(`${p}_relu1`), c2]);
          break;
      }
      // the shortcut h (and the branch as it enters the addition)
      let h: tf.SymbolicTensor = x;
      if (projects) {
        h = conv(width, 1, stride, `${p}_proj`).apply(x) as tf.SymbolicTensor;
        if (postActivation) h = bn(`${p}_proj_bn`).apply(h) as tf.SymbolicTensor;
      } else if (shortcut === "constant-scaling") {
        h = tf.layers.rescaling({ scale: lambda, offset: 0, name: `${p}_alpha` }).apply(x) as tf.SymbolicTensor;
        if (cfg.scaleBranch) f = tf.layers.rescaling({ scale: 1 - lambda, offset: 0, name: `${p}_branch_scale` }).apply(f) as tf.SymbolicTensor;
      } else if (shortcut === "exclusive-gating" || shortcut === "shortcut-only-gating") {
        const g = conv(width, 1, 1, `${p}_gate`, { useBias: true, activation: "sigmoid", biasInitializer: tf.initializers.constant({ value: cfg.gateBias ?? 0 }) }).apply(x) as tf.SymbolicTensor;
        const carry = tf.layers.rescaling({ scale: -1, offset: 1, name: `${p}_carry` }).apply(g) as tf.SymbolicTensor;
        h = tf.layers.multiply({ name: `${p}_gated_skip` }).apply([carry, x]) as tf.SymbolicTensor;
        if (shortcut === "exclusive-gating") f = tf.layers.multiply({ name: `${p}_gated_branch` }).apply([g, f]) as tf.SymbolicTensor;
      } else if (shortcut === "conv1x1") {
        h = conv(width, 1, 1, `${p}_shortcut_conv`).apply(x) as tf.SymbolicTensor;
      } else if (shortcut === "dropout") {
        h = dropout({ rate, seed: nextSeed(), name: `${p}_shortcut_dropout` }).apply(x) as tf.SymbolicTensor;
        if (!cfg.dropoutInverted) h = tf.layers.rescaling({ scale: 1 - rate, offset: 0, name: `${p}_shortcut_keep` }).apply(h) as tf.SymbolicTensor;
      }
      // the addition and what follows it
      if (unit === "original") {
        const sum = tf.layers.add({ name: `${p}_add` }).apply([h, f]) as tf.SymbolicTensor;
        x = relu(`${p}_out`).apply(sum) as tf.SymbolicTensor;
      } else if (unit === "bn-after-addition") {
        const sum = tf.layers.add({ name: `${p}_add` }).apply([h, f]) as tf.SymbolicTensor;
        x = chain(sum, [bn(`${p}_bn_add`), relu(`${p}_out`)]);
      } else {
        x = tf.layers.add({ name: `${p}_out` }).apply([h, f]) as tf.SymbolicTensor;
      }
      channels = width;
    }
  });
  if (unit === "full-preactivation") x = chain(x, [bn("head_bn"), relu("head_relu")]);
  x = tf.layers.globalAveragePooling2d({ name: "head_gap" }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: cfg.numClasses ?? 10, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: "head_dense" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: `resnet${6 * cfg.blocksPerStage + 2}_${unit}_${shortcut}` });
}
