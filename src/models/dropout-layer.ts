/**
 * ResLab's dropout layer: tf.layers' Dropout (inverted dropout: kept values are scaled by
 * 1/(1 − rate) in training, the identity in inference), except that a seeded layer draws a new
 * mask at every training call. tfjs' own seeded Dropout reseeds its generator with the same seed
 * on every call, so it drops the same units at every step: a fixed mask, not dropout. Here call k
 * uses seed + k, so a run is reproducible and the masks differ from step to step.
 *
 * The class name stays "Dropout", so the Jacobian linearisation and unit surgery treat it as the
 * stock layer (the identity in inference).
 */
import * as tf from "@tensorflow/tfjs";

type Kwargs = { training?: boolean } & Record<string, unknown>;
type DropoutCtor = new (args: Record<string, unknown>) => tf.layers.Layer;
const StockDropout = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })).constructor as DropoutCtor;

/** Dropout with a fresh, seeded mask per training call (see the module comment). */
export class SeededDropout extends StockDropout {
  private calls = 0;
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as { rate: number; seed?: number };
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training || !(self.rate > 0 && self.rate < 1)) return x;
    const seed = self.seed === undefined ? undefined : self.seed + this.calls++;
    return tf.tidy(() => tf.dropout(x, self.rate, undefined, seed));
  }
}

/** Drop-in for `tf.layers.dropout(args)` whose seeded masks change from call to call. */
export function dropout(args: Parameters<typeof tf.layers.dropout>[0]): tf.layers.Layer {
  return new SeededDropout(args as unknown as Record<string, unknown>);
}
