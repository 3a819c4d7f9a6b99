/**
 * Runs a model's graph node by node on actual values (inference mode), with interventions at
 * named tensors: add an offset (so that gradients with respect to any hidden state come from one
 * backward pass), replace a value (drop a block, unroll one), or read any tensor.
 *
 * Unlike {@link replaySegment} in linearize.ts this walks the graph's nodes, not its layers, so
 * shared layers (one block's weights applied at several places) replay correctly.
 */
import * as tf from "@tensorflow/tfjs";

type Sym = tf.SymbolicTensor;

/** One application of a layer in the graph (tfjs' internal Node, the fields used here). */
interface GraphNode {
  layer: tf.layers.Layer;
  inputs: Sym[];
  outputs: Sym[];
}

/** What to change while replaying. */
export interface ReplayOptions {
  /** Added to the value of these tensors as soon as it is computed ([N, ...shape] each). */
  offsets?: Map<Sym, tf.Tensor>;
  /**
   * These tensors' values are replaced: the function receives the value the graph computed and
   * a reader for any tensor computed so far, and returns the value used from then on.
   */
  replace?: Map<Sym, (computed: tf.Tensor, read: (s: Sym) => tf.Tensor) => tf.Tensor>;
}

const nodeCache = new WeakMap<tf.LayersModel, GraphNode[]>();

/** The nodes of `model` in an order where every node comes after the ones it reads. */
export function graphNodes(model: tf.LayersModel): GraphNode[] {
  const cached = nodeCache.get(model);
  if (cached) return cached;
  const all: GraphNode[] = [];
  for (const layer of model.layers) {
    for (const node of layer.inboundNodes as unknown as Array<{ inputTensors: Sym[]; outputTensors: Sym[] }>) {
      if (node.inputTensors.length === 0) continue; // the input layer
      all.push({ layer, inputs: node.inputTensors, outputs: node.outputTensors });
    }
  }
  const known = new Set<number>(model.inputs.map((s) => s.id));
  const ordered: GraphNode[] = [];
  let pending = all;
  while (pending.length) {
    const ready = pending.filter((n) => n.inputs.every((i) => known.has(i.id)));
    if (ready.length === 0) break; // nodes of other graphs that share these layers
    for (const n of ready) {
      ordered.push(n);
      for (const o of n.outputs) known.add(o.id);
    }
    pending = pending.filter((n) => !ready.includes(n));
  }
  const outs = model.outputs as Sym[];
  if (!outs.every((o) => known.has(o.id))) throw new Error(`replay: cannot order the graph of model "${model.name}"`);
  nodeCache.set(model, ordered);
  return ordered;
}

/**
 * Runs `model` on `x` ([N, H, W, C], NHWC) in inference mode with the interventions in `opts`,
 * and returns the values of `taps` (the model output when none are named). Not wrapped in a
 * tidy, so that it can run inside tf.grad; callers dispose what they keep.
 */
export function replay(model: tf.LayersModel, x: tf.Tensor, taps: Sym[] = model.outputs as Sym[], opts: ReplayOptions = {}): tf.Tensor[] {
  return replayFrom(model, model.inputs[0], x, taps, opts);
}

/**
 * Like {@link replay}, from the hidden tensor `from` (given the value `value`) instead of the
 * input: only the nodes downstream of `from` run, e.g. one block (`from` its input, `taps` its
 * output) or the classifier head. A tap that needs more than `from` is an error.
 */
export function replayFrom(model: tf.LayersModel, from: Sym, value: tf.Tensor, taps: Sym[], opts: ReplayOptions = {}): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>();
  const read = (s: Sym) => {
    const v = values.get(s.id);
    if (!v) throw new Error(`replay: "${s.name}" cannot be computed from "${from.name}" alone`);
    return v;
  };
  const settle = (s: Sym, v: tf.Tensor) => {
    const off = opts.offsets?.get(s);
    let out = off ? tf.add(v, off) : v;
    const rep = opts.replace?.get(s);
    if (rep) out = rep(out, read);
    values.set(s.id, out);
  };
  settle(from, value);
  const done = () => taps.every((t) => values.has(t.id));
  for (const node of graphNodes(model)) {
    if (done()) break;
    if (!node.inputs.every((i) => values.has(i.id))) continue;
    if (node.outputs.some((o) => o.id === from.id)) continue;
    const ins = node.inputs.map(read);
    const out = node.layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputs.forEach((s, i) => settle(s, outs[i]));
  }
  return taps.map(read);
}
