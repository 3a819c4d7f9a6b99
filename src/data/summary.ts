/**
 * A dataset summary as an arquero table: one row per split with its shape and class counts.
 */
import * as aq from "arquero";
import { classCounts, type ImageDataset } from "./dataset";

/** Rows: split, images, shape (NHWC), then one column per class with its count. */
export function datasetSummary(ds: ImageDataset) {
  const rows = (["train", "test"] as const).map((s) => {
    const counts = classCounts(ds[s], ds.classes.length);
    return {
      split: s,
      images: ds[s].count,
      shape: `${ds[s].count}×${ds.shape.join("×")}`,
      ...Object.fromEntries(ds.classes.map((c, i) => [c, counts[i]])),
    };
  });
  // explicit column order: object keys like "0"…"9" would otherwise come first
  return aq.from(rows, ["split", "images", "shape", ...ds.classes]);
}
