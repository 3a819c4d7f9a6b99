/**
 * A grid of sample images per class, as a PNG (pngjs) with an HTML caption naming the classes.
 */
import { PNG } from "pngjs";
import { imageSize, type ImageDataset, type ImageSplit } from "../data/dataset";
import { JUPYTER_DISPLAY, escapeHtml, type Displayable, type MimeBundle } from "./mime";

/** PNG bytes of a grid: one row per class, `perClass` samples each (first ones in the split), scaled by `zoom`. */
export function sampleGridPng(ds: Pick<ImageDataset, "shape" | "classes">, split: ImageSplit, perClass = 8, zoom = 2): Buffer {
  const [H, W, C] = ds.shape;
  const size = imageSize(ds);
  const k = ds.classes.length;
  const gap = 2;
  const width = perClass * (W * zoom + gap) + gap;
  const height = k * (H * zoom + gap) + gap;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const found = ds.classes.map(() => [] as number[]);
  for (let i = 0; i < split.count && found.some((f) => f.length < perClass); i++) {
    const c = split.labels[i];
    if (found[c].length < perClass) found[c].push(i);
  }
  found.forEach((idx, row) =>
    idx.forEach((i, col) => {
      for (let h = 0; h < H * zoom; h++)
        for (let w = 0; w < W * zoom; w++) {
          const s = i * size + (Math.floor(h / zoom) * W + Math.floor(w / zoom)) * C;
          const x = gap + col * (W * zoom + gap) + w;
          const y = gap + row * (H * zoom + gap) + h;
          const o = (y * width + x) * 4;
          const [r, g, b] = C === 1 ? [split.images[s], split.images[s], split.images[s]] : [split.images[s], split.images[s + 1], split.images[s + 2]];
          png.data[o] = r;
          png.data[o + 1] = g;
          png.data[o + 2] = b;
          png.data[o + 3] = 255;
        }
    }),
  );
  return PNG.sync.write(png);
}

/** A displayable sample grid with its class names and provenance. */
export function sampleGrid(ds: ImageDataset, split: "train" | "test" = "train", perClass = 8): Displayable {
  const png = sampleGridPng(ds, ds[split], perClass);
  const caption = `${ds.name} ${split}: ${perClass} samples per class, one row per class (${ds.classes.join(", ")}). Source: ${ds.source}`;
  return {
    [JUPYTER_DISPLAY]: (): MimeBundle => ({
      "image/png": png.toString("base64"),
      "text/html": `<figure style="margin:0"><img src="data:image/png;base64,${png.toString("base64")}" alt="samples"/>` +
        `<figcaption style="font-size:85%;color:#555">${escapeHtml(caption)}</figcaption></figure>`,
      "text/plain": caption,
    }),
  };
}
