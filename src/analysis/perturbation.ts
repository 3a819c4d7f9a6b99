/**
 * The perturbation measures of Hauser's study (seed 000, eqs. 2–4 and 10).
 *
 * For block l of a section, with x(l) the block's input and x(l+1) its output:
 *   absolute perturbation  a_l = ‖x(l+1) − x(l)‖₂
 *   scaled perturbation    s_l = ‖x(l+1) − x(l)‖₂ / ‖x(l)‖₂
 * where ‖·‖₂ is taken over one image's whole activation tensor (H×W×C) and the result is
 * averaged over the N images. Per section: the computational distance d = Σ_l a_l, the scaled
 * distance d_scaled = Σ_l s_l, and their means d/L and d_scaled/L; over the whole network the
 * sums over sections and the means over all blocks.
 */
import * as tf from "@tensorflow/tfjs";

/** Per-image norms for one block: ‖x(l+1) − x(l)‖ and ‖x(l)‖, each [N]. */
export function blockNorms(input: tf.Tensor, output: tf.Tensor): { diff: tf.Tensor1D; base: tf.Tensor1D } {
  if (!input.shape.every((d, i) => d === output.shape[i])) {
    throw new Error(`block input ${JSON.stringify(input.shape)} and output ${JSON.stringify(output.shape)} differ in shape: a residual block keeps the shape`);
  }
  return tf.tidy(() => {
    const n = input.shape[0];
    const flatIn = tf.reshape(input, [n, -1]);
    const flatOut = tf.reshape(output, [n, -1]);
    return {
      diff: tf.norm(tf.sub(flatOut, flatIn), "euclidean", 1) as tf.Tensor1D,
      base: tf.norm(flatIn, "euclidean", 1) as tf.Tensor1D,
    };
  });
}

/** Means over images of both perturbations, for every block of every section. */
export interface SectionMeasures {
  /** Section index. */
  section: number;
  /** Mean absolute perturbation of each block (length L). */
  absolute: number[];
  /** Mean scaled perturbation of each block (length L). */
  scaled: number[];
  /** Computational distance d = Σ absolute. */
  distance: number;
  /** Scaled distance d_scaled = Σ scaled. */
  scaledDistance: number;
  /** d / L. */
  meanAbsolute: number;
  /** d_scaled / L. */
  meanScaled: number;
}

/** Measures of a whole network: per section and in total. */
export interface NetworkMeasures {
  sections: SectionMeasures[];
  /** Σ over sections of d. */
  distance: number;
  /** Σ over sections of d_scaled. */
  scaledDistance: number;
  /** d over all blocks / number of blocks. */
  meanAbsolute: number;
  /** d_scaled over all blocks / number of blocks. */
  meanScaled: number;
  /** Number of images the means are over. */
  images: number;
}

/**
 * Accumulates the measures over a dataset batch by batch (float64 sums), so activations of the
 * whole dataset are never held at once. `blocksPerSection[s]` is L of section s.
 */
export class PerturbationReducer {
  private readonly sumAbs: Float64Array[];
  private readonly sumScaled: Float64Array[];
  private images = 0;

  constructor(readonly blocksPerSection: number[]) {
    this.sumAbs = blocksPerSection.map((L) => new Float64Array(L));
    this.sumScaled = blocksPerSection.map((L) => new Float64Array(L));
  }

  /**
   * Adds one batch: `boundaries[s][l]` is x(l) of section s for l = 0…L (L+1 tensors, [N, …]).
   * Tensors are read, not disposed.
   */
  add(boundaries: tf.Tensor[][]): void {
    let n = -1;
    boundaries.forEach((xs, s) => {
      if (xs.length !== this.blocksPerSection[s] + 1) {
        throw new Error(`section ${s}: expected ${this.blocksPerSection[s] + 1} boundary activations (L+1), got ${xs.length}`);
      }
      for (let l = 0; l < xs.length - 1; l++) {
        const { diff, base } = blockNorms(xs[l], xs[l + 1]);
        const d = diff.dataSync();
        const b = base.dataSync();
        tf.dispose([diff, base]);
        if (n < 0) n = d.length;
        for (let i = 0; i < d.length; i++) {
          this.sumAbs[s][l] += d[i];
          this.sumScaled[s][l] += b[i] > 0 ? d[i] / b[i] : Infinity;
        }
      }
    });
    this.images += Math.max(n, 0);
  }

  /** The measures so far. */
  result(): NetworkMeasures {
    if (this.images === 0) throw new Error("no images were added to the perturbation reducer");
    const sections = this.blocksPerSection.map((L, s) =>
      sectionMeasures(s, Array.from(this.sumAbs[s], (v) => v / this.images), Array.from(this.sumScaled[s], (v) => v / this.images)),
    );
    return networkMeasures(sections, this.images);
  }
}

/** A section's measures from its per-block means. */
export function sectionMeasures(section: number, absolute: number[], scaled: number[]): SectionMeasures {
  const L = absolute.length;
  const distance = absolute.reduce((a, b) => a + b, 0);
  const scaledDistance = scaled.reduce((a, b) => a + b, 0);
  return { section, absolute, scaled, distance, scaledDistance, meanAbsolute: distance / L, meanScaled: scaledDistance / L };
}

/** Whole-network measures from the sections'. */
export function networkMeasures(sections: SectionMeasures[], images: number): NetworkMeasures {
  const blocks = sections.reduce((a, s) => a + s.absolute.length, 0);
  const distance = sections.reduce((a, s) => a + s.distance, 0);
  const scaledDistance = sections.reduce((a, s) => a + s.scaledDistance, 0);
  return { sections, distance, scaledDistance, meanAbsolute: distance / blocks, meanScaled: scaledDistance / blocks, images };
}
