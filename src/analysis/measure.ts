/**
 * Measuring a model: the seed-000 perturbations over a whole dataset, one batch at a time.
 */
import * as tf from "@tensorflow/tfjs";
import { runWithCache, sectionBoundaries, sectionLayout } from "../models/hooks";
import { interruptToken, throwIfInterrupted } from "../runtime/interrupt";
import { PerturbationReducer, type NetworkMeasures } from "./perturbation";

/**
 * Per-block absolute and scaled perturbations, distances and means (see perturbation.ts) of a
 * model built by ResLab, over batches of inputs ([N, …] tensors, or objects with `x`). Batches
 * are read, not disposed; activations are released batch by batch.
 */
export function measurePerturbations(model: tf.LayersModel, inputs: Iterable<tf.Tensor | { x: tf.Tensor }>): NetworkMeasures {
  const reducer = new PerturbationReducer(sectionLayout(model));
  const token = interruptToken();
  for (const item of inputs) {
    throwIfInterrupted(token);
    const x = item instanceof tf.Tensor ? item : item.x;
    const cache = runWithCache(model, x);
    try {
      reducer.add(sectionBoundaries(model, cache));
    } finally {
      cache.dispose();
    }
  }
  return reducer.result();
}
