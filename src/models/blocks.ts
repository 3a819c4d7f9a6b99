/**
 * The residual blocks of a ResLab model as units: each block's input and output tensors, its
 * addition, and the classifier head as a function of a hidden state. Built on the hook points
 * (hooks.ts) and the graph replay (replay.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { hookPoints, type HookPoint } from "./hooks";
import { replayFrom } from "./replay";

type Sym = tf.SymbolicTensor;

/** A residual block and the tensors around it. */
export interface BlockInfo {
  /** "s1.b2". */
  name: string;
  section: number;
  block: number;
  /** True for a block that changes the shape (down-sampling): F_j is not defined there. */
  transition: boolean;
  input: Sym;
  output: Sym;
}

/** The blocks of a ResLab model, in network order. */
export function residualBlocks(model: tf.LayersModel): BlockInfo[] {
  const points = hookPoints(model);
  const outOf = new Map(points.filter((p) => p.side === "out").map((p) => [`${p.section}.${p.block}`, p]));
  return points
    .filter((p) => p.side === "in")
    .map((p: HookPoint) => ({ name: `s${p.section}.b${p.block}`, section: p.section, block: p.block, transition: p.transition, input: p.tensor, output: outOf.get(`${p.section}.${p.block}`)!.tensor }));
}

/** The classifier head: the layers after the last block, as a function of a hidden state. */
export interface Head {
  /** The last block's output (the head's input). */
  input: Sym;
  /** True when the head can read a state of this shape. */
  accepts(s: Sym): boolean;
  /** Logits [N, classes] of a hidden state [N, ...shape]. */
  apply(h: tf.Tensor): tf.Tensor2D;
}

export function classifierHead(model: tf.LayersModel): Head {
  const blocks = residualBlocks(model);
  const input = blocks[blocks.length - 1].output;
  const shape = JSON.stringify(input.shape.slice(1));
  const output = (model.outputs as Sym[])[0];
  return {
    input,
    accepts: (s) => JSON.stringify(s.shape.slice(1)) === shape,
    apply: (h) => replayFrom(model, input, h, [output])[0] as tf.Tensor2D,
  };
}

/** The Add of block `b` (its residual branch is the Add's second input, as ResLab's builders make it). */
export function blockAdd(model: tf.LayersModel, b: BlockInfo): tf.layers.Layer {
  const p = `s${b.section}b${b.block}`;
  const layer = model.layers.find((l) => l.name === `${p}_add`) ?? model.layers.find((l) => l.name === `${p}_out`);
  if (!layer || layer.getClassName() !== "Add") throw new Error(`block ${b.name} has no Add layer named ${p}_add or ${p}_out: build the model with ResLab's builders`);
  return layer;
}

