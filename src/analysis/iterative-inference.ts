/**
 * Iterative inference (seed 003, Jastrzebski et al., "Residual Connections Encourage Iterative
 * Inference"): does each residual block move its features along the negative gradient of the
 * loss, as the first-order expansion L(h_{j+1}) ≈ L(h_j) + ⟨F_j(h_j), ∂L/∂h_j⟩ (the seed's eqs.
 * 2–3) suggests?
 *
 * Definitions used throughout:
 * - h_j is the input of block j (hook point `s{S}.b{B}.in`), h_{j+1} its output;
 *   F_j(h_j) := h_{j+1} − h_j, the block's whole change (seed 000's perturbation), defined where
 *   the block keeps the shape (not for down-sampling blocks).
 * - L is the cross-entropy of the true label, batch norm in inference mode, per image.
 * - ∂L/∂h_j is the gradient of the network's loss through the rest of the network (reverse
 *   mode: one backward pass gives it for every block at once).
 * - The classifier head (the layers after the last block: pooling and the dense layer, with the
 *   final BN and ReLU of a pre-activation net) "accepts" a hidden state of the last block's
 *   output shape: every block of the last stage, every block of a single-representation net.
 *   There L_head(h) := L(head(h)) is defined, and the seed's expansion can be checked directly.
 *
 * Every function takes a model built by ResLab and either images with labels or a dataset split,
 * and returns plain numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { measuredBlocks } from "../models/hooks";
import { blockAdd, classifierHead, residualBlocks, type BlockInfo } from "../models/blocks";
import { lossGradientsAt, lossPerImage, Moments, probeBatches, ScoreSum, type ProbeData, type ProbeOptions, type Scores, type Spread } from "./probe";
import { measurePerturbations } from "./measure";
import { replay, replayFrom } from "../models/replay";
import { interruptToken, throwIfInterrupted } from "../runtime/interrupt";

type Sym = tf.SymbolicTensor;

/** Per-image ⟨a, b⟩, ‖a‖, ‖b‖ over all but the first axis. */
function rowStats(a: tf.Tensor, b: tf.Tensor): { dot: Float32Array; na: Float32Array; nb: Float32Array } {
  return tf.tidy(() => {
    const n = a.shape[0];
    const [fa, fb] = [tf.reshape(a, [n, -1]), tf.reshape(b, [n, -1])];
    return {
      dot: tf.sum(tf.mul(fa, fb), 1).dataSync() as Float32Array,
      na: tf.norm(fa, "euclidean", 1).dataSync() as Float32Array,
      nb: tf.norm(fb, "euclidean", 1).dataSync() as Float32Array,
    };
  });
}

/** A row per block, as every measure here returns. */
export interface BlockRow {
  name: string;
  section: number;
  block: number;
  transition: boolean;
}

const rowOf = (b: BlockInfo): BlockRow => ({ name: b.name, section: b.section, block: b.block, transition: b.transition });

/** {@link gradientAlignment}'s row. */
export interface AlignmentRow extends BlockRow {
  /** cos(F_j, ∂L/∂h_j) over images, the gradient through the rest of the network; null for a down-sampling block. */
  cosine: Spread | null;
  /** Where the head accepts h_j: cos(F_j, ∂L_head/∂h_j), with the classifier applied to h_j itself. */
  headCosine: Spread | null;
  /** Where the head accepts h_j: the first-order prediction ⟨F_j, ∂L_head/∂h_j⟩, mean over images. */
  firstOrder: number | null;
  /** Where the head accepts h_j: the actual change L_head(h_{j+1}) − L_head(h_j), mean over images. */
  actualChange: number | null;
}

/**
 * How well each block's change F_j lines up with the loss gradient at its input (seed 003, Fig. 3,
 * and a check of eq. 2 itself). Negative cosines mean the block moves h against the gradient,
 * i.e. it lowers the loss, as iterative refinement predicts.
 */
export function gradientAlignment(model: tf.LayersModel, data: ProbeData, opts: ProbeOptions = {}): AlignmentRow[] {
  const blocks = residualBlocks(model);
  const head = classifierHead(model);
  const cos = blocks.map(() => new Moments());
  const headCos = blocks.map(() => new Moments());
  const first = blocks.map(() => new Moments());
  const actual = blocks.map(() => new Moments());
  const token = interruptToken();
  for (const batch of probeBatches(data, opts.batchSize ?? 100)) {
    throwIfInterrupted(token);
    try {
      const n = batch.x.shape[0];
      // ∂L/∂h_j of each image's own loss at every block input, in one backward pass
      const grads = lossGradientsAt(model, batch.x, batch.labels, blocks.map((b) => b.input), "sum");
      // each block's own input and output (a pre-activation net may down-sample between blocks)
      const states = tf.tidy(() => replay(model, batch.x, [...blocks.map((b) => b.input), ...blocks.map((b) => b.output)]));
      blocks.forEach((b, j) => {
        if (b.transition) return;
        const [h, next] = [states[j], states[blocks.length + j]];
        const F = tf.sub(next, h);
        const r = rowStats(F, grads[j]);
        for (let i = 0; i < n; i++) cos[j].add(r.dot[i] / (r.na[i] * r.nb[i]));
        if (head.accepts(b.input)) {
          const lossAt = (t: tf.Tensor) => tf.sum(lossPerImage(head.apply(t), batch.labels));
          const g = tf.grad(lossAt)(h);
          const rh = rowStats(F, g);
          const [l0, l1] = tf.tidy(() => [lossPerImage(head.apply(h), batch.labels).dataSync(), lossPerImage(head.apply(next), batch.labels).dataSync()]);
          for (let i = 0; i < n; i++) {
            headCos[j].add(rh.dot[i] / (rh.na[i] * rh.nb[i]));
            first[j].add(rh.dot[i]);
            actual[j].add(l1[i] - l0[i]);
          }
          g.dispose();
        }
        F.dispose();
      });
      tf.dispose([grads, states]);
    } finally {
      if (batch.owned) batch.x.dispose();
    }
  }
  return blocks.map((b, j) => {
    const onHead = !b.transition && head.accepts(b.input);
    return {
      ...rowOf(b),
      cosine: b.transition ? null : cos[j].result(),
      headCosine: onHead ? headCos[j].result() : null,
      firstOrder: onHead ? first[j].result().mean : null,
      actualChange: onHead ? actual[j].result().mean : null,
    };
  });
}

/** {@link dropBlockAccuracy}'s result. */
export interface DropBlockResult {
  /** The intact model. */
  baseline: Scores;
  /** One row per block: the model with that block removed. */
  rows: Array<BlockRow & Scores>;
}

/**
 * Accuracy and loss with each block removed on its own (seed 003, Fig. 4): h_{j+1} := h_j. A
 * down-sampling block cannot be removed that way (its output has another shape): it keeps only
 * its shortcut projection (its residual branch set to zero at the addition, then the block's
 * activation, if it has one).
 */
export function dropBlockAccuracy(model: tf.LayersModel, data: ProbeData, opts: ProbeOptions = {}): DropBlockResult {
  const blocks = residualBlocks(model);
  const output = (model.outputs as Sym[])[0];
  const base = new ScoreSum();
  const dropped = blocks.map(() => new ScoreSum());
  const branches = blocks.map((b) => (b.transition ? ((blockAdd(model, b).input as Sym[])[1]) : undefined));
  const token = interruptToken();
  for (const batch of probeBatches(data, opts.batchSize ?? 100)) {
    try {
      tf.tidy(() => base.add(replay(model, batch.x, [output])[0] as tf.Tensor2D, batch.labels));
      blocks.forEach((b, j) => {
        throwIfInterrupted(token);
        const replace = new Map<Sym, (v: tf.Tensor, read: (s: Sym) => tf.Tensor) => tf.Tensor>(
          b.transition ? [[branches[j]!, (v) => tf.zerosLike(v)]] : [[b.output, (_v, read) => read(b.input)]],
        );
        tf.tidy(() => dropped[j].add(replay(model, batch.x, [output], { replace })[0] as tf.Tensor2D, batch.labels));
      });
    } finally {
      if (batch.owned) batch.x.dispose();
    }
  }
  return { baseline: base.result(), rows: blocks.map((b, j) => ({ ...rowOf(b), ...dropped[j].result() })) };
}

/** {@link intermediateAccuracy}'s row: the head applied at one hook point. */
export interface IntermediateRow {
  /** The hook point, e.g. "s2.b3.in", or the last block's output "s2.b8.out". */
  point: string;
  section: number;
  block: number;
  scores: Scores;
}

/**
 * The final classifier applied at every hook point it accepts (seed 003, Fig. 6): the inputs of
 * the blocks of the last stage (of every block in a single-representation net) and the last
 * output, which is the model itself.
 */
export function intermediateAccuracy(model: tf.LayersModel, data: ProbeData, opts: ProbeOptions = {}): IntermediateRow[] {
  const head = classifierHead(model);
  const blocks = residualBlocks(model);
  const points = [
    ...blocks.filter((b) => head.accepts(b.input)).map((b) => ({ point: `${b.name}.in`, section: b.section, block: b.block, tensor: b.input })),
    { point: `${blocks[blocks.length - 1].name}.out`, section: blocks[blocks.length - 1].section, block: blocks[blocks.length - 1].block, tensor: head.input },
  ];
  const sums = points.map(() => new ScoreSum());
  const token = interruptToken();
  for (const batch of probeBatches(data, opts.batchSize ?? 100)) {
    throwIfInterrupted(token);
    try {
      tf.tidy(() => {
        const states = replay(model, batch.x, points.map((p) => p.tensor));
        states.forEach((h, i) => sums[i].add(head.apply(h), batch.labels));
      });
    } finally {
      if (batch.owned) batch.x.dispose();
    }
  }
  return points.map((p, i) => ({ point: p.point, section: p.section, block: p.block, scores: sums[i].result() }));
}

/** Options of {@link unrollLastBlock}. */
export interface UnrollOptions extends ProbeOptions {
  /** Extra applications of the last block (default 20, as in the seed's Fig. 7). */
  steps?: number;
  /** Step scale s in h ← h + s·F(h) (default 1). */
  scale?: number;
}

/** {@link unrollLastBlock}'s row: k extra applications of the last block. */
export interface UnrollRow extends Scores {
  k: number;
}

/**
 * The last block applied k more times, h ← h + s·F(h) with F(h) = block(h) − h, then the head
 * (seed 003, Fig. 7): accuracy, loss and entropy for k = 0 (the model itself) … steps.
 */
export function unrollLastBlock(model: tf.LayersModel, data: ProbeData, opts: UnrollOptions = {}): UnrollRow[] {
  const steps = opts.steps ?? 20;
  const s = opts.scale ?? 1;
  if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`steps must be a whole number ≥ 0, got ${opts.steps}`);
  if (!Number.isFinite(s)) throw new RangeError(`scale must be a finite number, got ${opts.scale}`);
  const blocks = residualBlocks(model);
  const last = blocks[blocks.length - 1];
  if (last.transition) throw new Error(`the last block ${last.name} changes the shape: it cannot be applied again`);
  const head = classifierHead(model);
  const sums = Array.from({ length: steps + 1 }, () => new ScoreSum());
  const token = interruptToken();
  for (const batch of probeBatches(data, opts.batchSize ?? 100)) {
    try {
      let h = tf.tidy(() => replay(model, batch.x, [last.output])[0]);
      for (let k = 0; k <= steps; k++) {
        throwIfInterrupted(token);
        tf.tidy(() => sums[k].add(head.apply(h), batch.labels));
        if (k === steps) break;
        const next = tf.tidy(() => tf.add(h, tf.mul(tf.sub(replayFrom(model, last.input, h, [last.output])[0], h), s)));
        h.dispose();
        h = next;
      }
      h.dispose();
    } finally {
      if (batch.owned) batch.x.dispose();
    }
  }
  return sums.map((sum, k) => ({ k, ...sum.result() }));
}

/** {@link blockChangeRatios}'s row. */
export interface ChangeRatioRow extends BlockRow {
  /** Mean over images of ‖F_j(h_j)‖/‖h_j‖ (seed 000's scaled perturbation); null for a down-sampling block. */
  ratio: number | null;
}

/**
 * ‖F_j‖/‖h_j‖ per block (seed 003, Fig. 5): seed 000's scaled perturbation
 * ‖x(l+1) − x(l)‖/‖x(l)‖, computed by {@link measurePerturbations}, one row per block.
 */
export function blockChangeRatios(model: tf.LayersModel, data: ProbeData, opts: ProbeOptions = {}): ChangeRatioRow[] {
  const owned: tf.Tensor[] = [];
  const xs = (function* () {
    for (const b of probeBatches(data, opts.batchSize ?? 100)) {
      if (b.owned) owned.push(b.x);
      yield b.x;
      if (b.owned) b.x.dispose();
    }
  })();
  let measures: ReturnType<typeof measurePerturbations>;
  try {
    measures = measurePerturbations(model, xs);
  } finally {
    tf.dispose(owned.filter((t) => !t.isDisposed));
  }
  const layout = measuredBlocks(model);
  return residualBlocks(model).map((b) => {
    const { first } = layout[b.section];
    return { ...rowOf(b), ratio: b.transition ? null : measures.sections[b.section].scaled[b.block - first] };
  });
}

export type { ProbeData, ProbeOptions, Scores, Spread } from "./probe";
