/**
 * Jacobians of a part of a network as linear operators, J·v and Jᵀ·u, batched over vectors.
 *
 * tfjs has no forward-mode autodiff, so J·v comes from the exact linearisation at x: the layers
 * between two tensors of a functional model are replayed on tangent vectors with every
 * nonlinearity frozen at x (ReLU → its 0/1 mask, tanh/sigmoid/softplus → diag(σ′)), biases and
 * offsets dropped, BatchNormalization in inference mode as its per-channel scale γ/√(var+ε).
 * One replay handles a whole batch of tangents, at about the cost of one forward pass.
 * Jᵀ·u replays the same frozen layers backwards (transposed convolutions, the same masks and
 * scales) at about the same cost; reverse mode (tf.grad on copies of x) is kept as an
 * independent route, and the adjoint identity ⟨Jv, u⟩ = ⟨v, Jᵀu⟩ checks each against J·v.
 */
import * as tf from "@tensorflow/tfjs";
import { hookPoints, runWithCache, type HookPoint } from "../models/hooks";

type Sym = tf.SymbolicTensor;

/** A linear operator at a point: shapes exclude the batch axis. */
export interface JacobianOperator {
  inShape: number[];
  outShape: number[];
  /** J·V for V of shape [k, ...inShape] → [k, ...outShape]. */
  jvp(v: tf.Tensor): tf.Tensor;
  /** Jᵀ·U for U of shape [k, ...outShape] → [k, ...inShape]. */
  vjp(u: tf.Tensor): tf.Tensor;
  /** The value R(x), [1, ...outShape]. */
  value: tf.Tensor;
  dispose(): void;
}

function inputsOf(layer: tf.layers.Layer): Sym[] {
  const i = layer.input as Sym | Sym[];
  return Array.isArray(i) ? i : [i];
}

/** Layers between `from` and `to` (exclusive of from's producer), in the model's order. */
export function segment(model: tf.LayersModel, from: Sym, to: Sym): tf.layers.Layer[] {
  const needed = new Set<Sym>([to]);
  const out: tf.layers.Layer[] = [];
  for (const layer of [...model.layers].reverse()) {
    if (layer.inboundNodes.length !== 1) {
      if (needed.has(layer.output as Sym)) throw new Error(`layer ${layer.name} is shared (used ${layer.inboundNodes.length} times): linearising shared weights is not supported`);
      continue;
    }
    const o = layer.output as Sym;
    if (!needed.has(o) || o === from) continue;
    out.push(layer);
    for (const i of inputsOf(layer)) if (i !== from) needed.add(i);
  }
  out.reverse();
  const produced = new Set<Sym>([from, ...out.map((l) => l.output as Sym)]);
  for (const l of out) for (const i of inputsOf(l)) {
    if (!produced.has(i)) throw new Error(`"${to.name}" depends on "${i.name}", which does not come from "${from.name}": choose tensors on one path`);
  }
  return out;
}

/** The derivative of an elementwise activation at its input z (a tensor like z). */
function activationDerivative(name: string, z: tf.Tensor, layerName: string): tf.Tensor | undefined {
  switch (name) {
    case "linear":
      return undefined;
    case "relu":
      return tf.cast(tf.greater(z, 0), "float32");
    case "tanh":
      return tf.sub(1, tf.square(tf.tanh(z)));
    case "sigmoid": {
      const s = tf.sigmoid(z);
      return tf.mul(s, tf.sub(1, s));
    }
    case "softplus":
      return tf.sigmoid(z);
    default:
      throw new Error(`layer ${layerName}: cannot linearise activation "${name}" (supported: linear, relu, tanh, sigmoid, softplus)`);
  }
}

/** How one layer acts on tangents, given its inputs' values at x. */
type TangentFn = (tangents: tf.Tensor[]) => tf.Tensor;

/** How one layer's transpose acts on a cotangent of its output: cotangents of its inputs. */
type CotangentFn = (cotangent: tf.Tensor) => tf.Tensor[];

/**
 * A tangent map, its transpose, and the tensors they hold (masks, scales) that must outlive
 * construction.
 */
interface Tangent {
  fn: TangentFn;
  transposed: CotangentFn;
  held: tf.Tensor[];
}

function activationName(layer: tf.layers.Layer): string {
  const cfg = layer.getConfig() as { activation?: string };
  return cfg.activation ?? "linear";
}

function tangentMap(layer: tf.layers.Layer, inputsAtX: tf.Tensor[]): Tangent {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const w = layer.getWeights();
  // y = d ⊙ L(t) (d a mask or scale broadcast over y, or none): yᵀ-map u ↦ Lᵀ(d ⊙ u)
  const scaled = (linear: (t: tf.Tensor) => tf.Tensor, linearT: (u: tf.Tensor) => tf.Tensor, d: tf.Tensor | undefined): Tangent => ({
    fn: ([t]) => (d ? tf.mul(linear(t), d) : linear(t)),
    transposed: (u) => [linearT(d ? tf.mul(u, d) : u)],
    held: d ? [d] : [],
  });
  const identity = (t: tf.Tensor) => t;
  switch (cls) {
    case "Conv2D": {
      const strides = cfg.strides as [number, number], padding = cfg.padding as "same" | "valid";
      const dilation = cfg.dilationRate as [number, number];
      if (dilation.some((r) => r !== 1)) throw new Error(`layer ${layer.name}: dilated convolutions cannot be linearised yet`);
      const inShape = inputsAtX[0].shape.slice(1) as [number, number, number];
      const conv = (t: tf.Tensor) => tf.conv2d(t as tf.Tensor4D, w[0] as tf.Tensor4D, strides, padding);
      // the adjoint of a convolution is the transposed convolution with the same filter
      const convT = (u: tf.Tensor) => tf.conv2dTranspose(u as tf.Tensor4D, w[0] as tf.Tensor4D, [u.shape[0], ...inShape], strides, padding);
      const z = cfg.useBias ? tf.add(conv(inputsAtX[0]), w[1]) : conv(inputsAtX[0]);
      return scaled(conv, convT, activationDerivative(activationName(layer), z, layer.name));
    }
    case "Dense": {
      const lin = (t: tf.Tensor) => tf.matMul(t as tf.Tensor2D, w[0] as tf.Tensor2D);
      const linT = (u: tf.Tensor) => tf.matMul(u as tf.Tensor2D, w[0] as tf.Tensor2D, false, true);
      const z = cfg.useBias ? tf.add(lin(inputsAtX[0]), w[1]) : lin(inputsAtX[0]);
      return scaled(lin, linT, activationDerivative(activationName(layer), z, layer.name));
    }
    case "BatchNormalization": {
      // inference mode: y = γ (z − μ)/√(σ² + ε) + β, whose linear part is γ/√(σ² + ε) per channel
      const names = layer.weights.map((v) => v.originalName.split("/").pop());
      const get = (n: string) => w[names.indexOf(n)];
      const variance = get("moving_variance");
      const gamma = names.includes("gamma") ? get("gamma") : tf.onesLike(variance);
      return scaled(identity, identity, tf.div(gamma, tf.sqrt(tf.add(variance, cfg.epsilon as number))));
    }
    case "ReLU":
      return scaled(identity, identity, tf.cast(tf.greater(inputsAtX[0], 0), "float32"));
    case "Activation":
      return scaled(identity, identity, activationDerivative(String(cfg.activation), inputsAtX[0], layer.name));
    case "Add":
      return { fn: (ts) => tf.addN(ts), transposed: (u) => inputsAtX.map(() => u), held: [] };
    case "Rescaling":
      return { fn: ([t]) => tf.mul(t, cfg.scale as number), transposed: (u) => [tf.mul(u, cfg.scale as number)], held: [] };
    case "GlobalAveragePooling2D": {
      const [, H, W, C] = inputsAtX[0].shape;
      return {
        fn: ([t]) => tf.mean(t, [1, 2]),
        transposed: (u) => [tf.tile(tf.reshape(tf.div(u, H * W), [u.shape[0], 1, 1, C]), [1, H, W, 1])],
        held: [],
      };
    }
    default:
      throw new Error(`layer ${layer.name} (${cls}) cannot be linearised yet`);
  }
}

/** Options of {@link jacobianBetween} and {@link unitJacobian}. */
export interface JacobianOptions {
  /**
   * How Jᵀ·u is computed: "linearised" (default) replays the frozen layers backwards (transposed
   * convolutions, the same masks and scales), about the cost of J·v; "reverse" differentiates the
   * segment by tf.grad on copies of x, independently of the linearisation (several times slower;
   * the tests use it to check the other).
   */
  transpose?: "linearised" | "reverse";
}

/**
 * The Jacobian of the map from tensor `from` to tensor `to` of a functional model, at the point
 * where `from` takes the value `x0` ([1, ...shape]). Inference mode throughout.
 */
export function jacobianBetween(model: tf.LayersModel, from: Sym, to: Sym, x0: tf.Tensor, opts: JacobianOptions = {}): JacobianOperator {
  const layers = segment(model, from, to);
  const point = x0.clone(); // the operator owns its point: the caller may dispose x0
  // One pass at x: each layer's value and its tangent map; only what the maps hold is kept.
  const maps = new Map<tf.layers.Layer, Tangent>();
  const kept = tf.tidy(() => {
    const values = new Map<Sym, tf.Tensor>([[from, point]]);
    const held: tf.Tensor[] = [];
    for (const layer of layers) {
      const ins = inputsOf(layer).map((i) => values.get(i)!);
      values.set(layer.output as Sym, layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor);
      const t = tangentMap(layer, ins);
      maps.set(layer, t);
      held.push(...t.held);
    }
    return [values.get(to)!, ...held];
  });
  const valueOut = kept[0];
  const forward = (x: tf.Tensor) => replaySegment(layers, from, x, [to])[0];
  return {
    inShape: from.shape.slice(1) as number[],
    outShape: to.shape.slice(1) as number[],
    jvp: (v: tf.Tensor) =>
      tf.tidy(() => {
        const tangents = new Map<Sym, tf.Tensor>([[from, v]]);
        for (const layer of layers) tangents.set(layer.output as Sym, maps.get(layer)!.fn(inputsOf(layer).map((i) => tangents.get(i)!)));
        return tangents.get(to)!;
      }),
    vjp: (u: tf.Tensor) =>
      opts.transpose === "reverse"
        ? tf.tidy(() => {
            const xs = tf.tile(point, [u.shape[0], ...point.shape.slice(1).map(() => 1)]);
            return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(forward(xx), u)))(xs);
          })
        : tf.tidy(() => {
            // the layers backwards, summing the cotangents of tensors that feed several layers
            const cot = new Map<Sym, tf.Tensor>([[to, u]]);
            for (const layer of [...layers].reverse()) {
              const out = cot.get(layer.output as Sym);
              if (!out) continue; // does not reach `to`
              maps.get(layer)!.transposed(out).forEach((c, k) => {
                const i = inputsOf(layer)[k];
                const prev = cot.get(i);
                cot.set(i, prev ? tf.add(prev, c) : c);
              });
            }
            return cot.get(from) ?? tf.zeros([u.shape[0], ...(from.shape.slice(1) as number[])]);
          }),
    value: valueOut,
    dispose: () => tf.dispose([...kept, point]),
  };
}

/**
 * Replays `layers` (a {@link segment}, in model order) on actual values in inference mode, with
 * `from` = x, and returns the values of the tensors `taps`.
 */
export function replaySegment(layers: tf.layers.Layer[], from: Sym, x: tf.Tensor, taps: Sym[]): tf.Tensor[] {
  return tf.tidy(() => {
    const values = new Map<Sym, tf.Tensor>([[from, x]]);
    for (const layer of layers) {
      const ins = inputsOf(layer).map((i) => values.get(i)!);
      values.set(layer.output as Sym, layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor);
    }
    return taps.map((t) => values.get(t)!);
  });
}

/**
 * The hook points that bound a residual unit ("s1.b0": `s1.b0.in` → `s1.b0.out`) or a stage
 * ("s2": its first block's input → its last block's output).
 */
export function unitBoundary(model: tf.LayersModel, unit: string): { from: HookPoint; to: HookPoint } {
  const points = hookPoints(model);
  const stage = /^s(\d+)$/.exec(unit);
  let fromName: string, toName: string;
  if (stage) {
    const blocks = points.filter((p) => p.section === Number(stage[1]) && p.side === "out");
    if (!blocks.length) throw new Error(`no stage ${unit} in this model`);
    fromName = `${unit}.b0.in`;
    toName = `${unit}.b${Math.max(...blocks.map((b) => b.block))}.out`;
  } else {
    fromName = `${unit}.in`;
    toName = `${unit}.out`;
  }
  const from = points.find((p) => p.name === fromName);
  const to = points.find((p) => p.name === toName);
  if (!from || !to) throw new Error(`unknown unit "${unit}": use s{stage}.b{block} (e.g. s0.b1) or a stage s{stage}`);
  return { from, to };
}

/**
 * The Jacobian of one residual unit (hook points `{unit}.in` → `{unit}.out`, e.g. "s1.b0") or of
 * a whole stage ("s2": its first block's input to its last block's output), at one input image
 * `image` ([1, H, W, C]) of the model.
 */
export function unitJacobian(model: tf.LayersModel, unit: string, image: tf.Tensor, opts: JacobianOptions = {}): JacobianOperator {
  const { from, to } = unitBoundary(model, unit);
  const cache = runWithCache(model, image, { names: [from.name] });
  try {
    return jacobianBetween(model, from.tensor, to.tensor, cache.activations.get(from.name)!, opts);
  } finally {
    cache.dispose();
  }
}
