/**
 * Gradient norms by depth (seeds 002 and 004): for any ResLab model and a batch of labelled
 * inputs, ‖∂L/∂x_l‖ at every block input (the hook point `s{S}.b{B}.in`; the norm is over the whole
 * batch tensor) and ‖∂L/∂W‖ for every weight layer's kernel, with L the batch-mean cross-entropy
 * and batch norm in inference mode. One backward pass gives both (zero offsets at the block inputs
 * are differentiated along with the kernels).
 */
import * as tf from "@tensorflow/tfjs";
import { replay } from "../models/replay";
import { residualBlocks } from "../models/blocks";
import { lossGradientsAt } from "./probe";

/** {@link gradientNorms}'s result. */
export interface GradientNorms {
  /** One row per block, in network order: the gradient at its input. */
  blocks: Array<{ point: string; section: number; block: number; gradNorm: number }>;
  /** One row per layer with a kernel (conv and dense layers, in model order). */
  weights: Array<{ layer: string; shape: number[]; gradNorm: number }>;
  /** The loss the gradients are of. */
  loss: number;
}

/**
 * ‖∂L/∂x_l‖₂ and ‖∂L/∂W_l‖_F of `model` on `x` ([N, …] inputs, NHWC images or feature vectors)
 * with class `labels` (N of them).
 */
export function gradientNorms(model: tf.LayersModel, data: { x: tf.Tensor; labels: ArrayLike<number> }): GradientNorms {
  const n = data.x.shape[0];
  if (data.labels.length !== n) throw new RangeError(`${data.labels.length} labels for ${n} inputs: give one label per input`);
  const blocks = residualBlocks(model);
  const kernels = model.layers.flatMap((l) => l.weights.filter((w) => w.trainable && /kernel$/.test(w.originalName)).map((w) => ({ layer: l.name, w })));
  const offsets = blocks.map((b) => tf.variable(tf.zeros([n, ...(b.input.shape.slice(1) as number[])]), true));
  const output = (model.outputs as tf.SymbolicTensor[])[0];
  try {
    const { value, grads } = tf.tidy(() => {
      const classes = output.shape[1] as number;
      const onehot = tf.oneHot(tf.tensor1d(Array.from(data.labels), "int32"), classes);
      const varList = [...offsets, ...kernels.map((k) => (k.w as unknown as { read(): tf.Variable }).read())];
      const r = tf.variableGrads(() => {
        const logits = replay(model, data.x, [output], { offsets: new Map(blocks.map((b, j) => [b.input, offsets[j] as tf.Tensor])) })[0];
        return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      }, varList);
      const norm = (v: tf.Variable) => tf.norm(r.grads[v.name]).dataSync()[0];
      return { value: r.value.dataSync()[0], grads: varList.map(norm) };
    });
    return {
      blocks: blocks.map((b, j) => ({ point: `${b.name}.in`, section: b.section, block: b.block, gradNorm: grads[j] })),
      weights: kernels.map((k, i) => ({ layer: k.layer, shape: k.w.shape as number[], gradNorm: grads[blocks.length + i] })),
      loss: value,
    };
  } finally {
    tf.dispose(offsets);
  }
}

/** Options of {@link gradientDepthSweep}. */
export interface DepthSweepOptions {
  /** Residual layers (dense) or blocks per section (conv) to try. */
  depths: number[];
  /** Builds the network of one depth; `residual` false must give its plain counterpart (skip scale 0). */
  build: (depth: number, residual: boolean) => tf.LayersModel;
  data: { x: tf.Tensor; labels: ArrayLike<number> };
}

/** {@link gradientDepthSweep}'s row. */
export interface DepthSweepRow {
  depth: number;
  residual: boolean;
  /** ‖∂L/∂x‖ at the first block's input. */
  firstInputGrad: number;
  /** ‖∂L/∂W‖ of the first weight layer. */
  firstWeightGrad: number;
  /** ‖∂L/∂x‖ at the last block's input. */
  lastInputGrad: number;
  loss: number;
}

/** The summary row of one network's gradient norms. */
export function depthSweepRow(depth: number, residual: boolean, g: GradientNorms): DepthSweepRow {
  return { depth, residual, firstInputGrad: g.blocks[0].gradNorm, firstWeightGrad: g.weights[0].gradNorm, lastInputGrad: g.blocks[g.blocks.length - 1].gradNorm, loss: g.loss };
}

/**
 * Gradient norms at initialisation for each depth, residual and plain (seed 002's vanishing
 * gradient): does the plain net's first-layer gradient fall off with depth, the residual one not?
 * Each network is built, measured and disposed in turn.
 */
export function gradientDepthSweep(opts: DepthSweepOptions): DepthSweepRow[] {
  const rows: DepthSweepRow[] = [];
  for (const residual of [true, false]) {
    for (const depth of opts.depths) {
      const model = opts.build(depth, residual);
      try {
        rows.push(depthSweepRow(depth, residual, gradientNorms(model, opts.data)));
      } finally {
        model.dispose();
      }
    }
  }
  return rows;
}

/** {@link gradientDecomposition}'s row: one block of a stage. */
export interface DecompositionRow {
  /** The block's input hook point, e.g. "s1.b2.in". */
  point: string;
  section: number;
  block: number;
  /** ‖∂ε/∂x_L‖: the direct term, the gradient at the stage's last output x_L. */
  direct: number;
  /** ‖∂ε/∂x_l − ∂ε/∂x_L‖: the term through the weight layers, ∂ε/∂x_L · ∂/∂x_l Σ F. */
  through: number;
  /** through / direct. */
  ratio: number;
}

/**
 * Seed 004's decomposition ∂ε/∂x_l = ∂ε/∂x_L (1 + ∂/∂x_l Σ_{i=l}^{L−1} F(x_i, W_i)) within each
 * stage, x_L the stage's last output: the norm of the direct term, of the rest (through the
 * weights) and their ratio, per block. Exact for identity shortcuts with identity after the
 * addition (pre-activation units); for post-activation units the "through" part also holds what
 * the activation after each addition does to the gradient. Down-sampling blocks are left out
 * (x_l has another shape than x_L).
 */
export function gradientDecomposition(model: tf.LayersModel, data: { x: tf.Tensor; labels: ArrayLike<number> }): DecompositionRow[] {
  const n = data.x.shape[0];
  if (data.labels.length !== n) throw new RangeError(`${data.labels.length} labels for ${n} inputs: give one label per input`);
  const blocks = residualBlocks(model);
  const sections = [...new Set(blocks.map((b) => b.section))];
  const lastOut = new Map(sections.map((s) => [s, blocks.filter((b) => b.section === s).pop()!.output]));
  const syms = [...new Map([...blocks.map((b) => b.input), ...lastOut.values()].map((s) => [s.id, s])).values()];
  return tf.tidy(() => {
    const grads = lossGradientsAt(model, data.x, data.labels, syms, "mean");
    const gradOf = (s: tf.SymbolicTensor) => grads[syms.findIndex((x) => x.id === s.id)];
    return blocks
      .filter((b) => !b.transition && JSON.stringify(b.input.shape) === JSON.stringify(lastOut.get(b.section)!.shape))
      .map((b) => {
        const gL = gradOf(lastOut.get(b.section)!);
        const direct = tf.norm(gL).dataSync()[0];
        const through = tf.norm(tf.sub(gradOf(b.input), gL)).dataSync()[0];
        return { point: `${b.name}.in`, section: b.section, block: b.block, direct, through, ratio: through / direct };
      });
  });
}
