/**
 * Named hook points at every block boundary, and an activation cache (after TransformerLens).
 *
 * In ResLab's builders block l of section s ends in the layer `s{s}b{l}_out` (an Add of the skip
 * path and the residual branch). Its hook points are `s{s}.b{l}.in` (the block input x(l), the
 * Add's skip input before any skip scaling) and `s{s}.b{l}.out` (x(l+1)).
 */
import * as tf from "@tensorflow/tfjs";

const OUT_LAYER = /^s(\d+)b(\d+)_out$/;

/** A block boundary: its name and the symbolic tensor behind it. */
export interface HookPoint {
  name: string;
  /** True for blocks that change the shape (down-sampling blocks of post-activation ResNets). */
  transition: boolean;
  section: number;
  block: number;
  side: "in" | "out";
  tensor: tf.SymbolicTensor;
}

/**
 * A block's input: the `{prefix}_in` marker layer when the builder placed one, else the skip
 * input of the block's Add layer (following a skip-scaling layer back to its input).
 */
function blockInput(byName: Map<string, tf.layers.Layer>, add: tf.layers.Layer, prefix: string): tf.SymbolicTensor {
  const marker = byName.get(`${prefix}_in`);
  if (marker) return marker.output as tf.SymbolicTensor;
  const inputs = add.input as tf.SymbolicTensor[];
  const alpha = byName.get(`${prefix}_alpha`);
  if (alpha && inputs[0] === alpha.output) return alpha.input as tf.SymbolicTensor;
  return inputs[0];
}

const pointCache = new WeakMap<tf.LayersModel, HookPoint[]>();

/** Every hook point of a model built by ResLab, in network order (computed once per model). */
export function hookPoints(model: tf.LayersModel): HookPoint[] {
  const cached = pointCache.get(model);
  if (cached) return cached;
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const points: HookPoint[] = [];
  for (const layer of model.layers) {
    const m = OUT_LAYER.exec(layer.name);
    if (!m) continue;
    const [section, block] = [Number(m[1]), Number(m[2])];
    const prefix = `s${section}b${block}`;
    const input = blockInput(byName, layer, prefix);
    const output = layer.output as tf.SymbolicTensor;
    const transition = JSON.stringify(input.shape) !== JSON.stringify(output.shape);
    points.push({ name: `s${section}.b${block}.in`, section, block, side: "in", transition, tensor: input });
    points.push({ name: `s${section}.b${block}.out`, section, block, side: "out", transition, tensor: output });
  }
  if (points.length === 0) {
    throw new Error(`model "${model.name}" has no residual blocks named s{section}b{block}_out: build it with ResLab's builders`);
  }
  pointCache.set(model, points);
  return points;
}

/**
 * The blocks of each section whose perturbation is defined (input and output of one shape), as
 * [first block, count]: a down-sampling block that opens a section (post-activation ResNets) is
 * left out, and the section's chain starts at its output.
 */
export function measuredBlocks(model: tf.LayersModel): Array<{ first: number; count: number }> {
  const out: Array<{ first: number; count: number }> = [];
  for (const p of hookPoints(model)) {
    if (p.side !== "out") continue;
    const sec = (out[p.section] ??= { first: p.block + (p.transition ? 1 : 0), count: 0 });
    if (!p.transition) sec.count++;
  }
  return out;
}

/** Blocks per section whose perturbation is measured (L, or L − 1 after a down-sampling block). */
export function sectionLayout(model: tf.LayersModel): number[] {
  return measuredBlocks(model).map((s) => s.count);
}

const probes = new WeakMap<tf.LayersModel, Map<string, tf.LayersModel>>();

/** The activations at named hook points, plus the model output. Dispose with {@link ActivationCache.dispose}. */
export interface ActivationCache {
  output: tf.Tensor;
  activations: Map<string, tf.Tensor>;
  dispose(): void;
}

/**
 * Runs the model on `x` (inference mode) and returns the activations at the hook points named
 * in `names` (all by default). Unknown names are an error listing the valid ones.
 */
export function runWithCache(model: tf.LayersModel, x: tf.Tensor, opts: { names?: string[] } = {}): ActivationCache {
  const all = hookPoints(model);
  const wanted = opts.names ?? all.map((p) => p.name);
  const byName = new Map(all.map((p) => [p.name, p]));
  const missing = wanted.filter((n) => !byName.has(n));
  if (missing.length) {
    throw new Error(`unknown hook point(s) ${missing.join(", ")}; this model has ${all[0].name} … ${all[all.length - 1].name}`);
  }
  // Block l's output is block l+1's input: fetch each distinct tensor once.
  const unique = [...new Set(wanted.map((n) => byName.get(n)!.tensor))];
  const key = unique.map((t) => t.name).join("|");
  let cache = probes.get(model);
  if (!cache) probes.set(model, (cache = new Map()));
  const modelOut = (model.outputs as tf.SymbolicTensor[])[0];
  const outputs = unique.includes(modelOut) ? unique : [...unique, modelOut];
  let probe = cache.get(key);
  if (!probe) {
    probe = tf.model({ inputs: model.inputs, outputs });
    cache.set(key, probe);
  }
  const raw = probe.predict(x);
  const outs = Array.isArray(raw) ? raw : [raw];
  const activations = new Map<string, tf.Tensor>();
  for (const n of wanted) activations.set(n, outs[unique.indexOf(byName.get(n)!.tensor)]);
  return { output: outs[outputs.indexOf(modelOut)], activations, dispose: () => tf.dispose(outs) };
}

/** For each section, its boundary activations x(0) … x(L) of the measured blocks (for PerturbationReducer). */
export function sectionBoundaries(model: tf.LayersModel, cache: ActivationCache): tf.Tensor[][] {
  return measuredBlocks(model).map(({ first, count }, s) => [
    cache.activations.get(`s${s}.b${first}.in`)!,
    ...Array.from({ length: count }, (_, l) => cache.activations.get(`s${s}.b${first + l}.out`)!),
  ]);
}
