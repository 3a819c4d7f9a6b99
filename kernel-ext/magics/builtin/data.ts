/**
 * `%data NAME [--n N] [--dir D] [--no-download]`: load a dataset, show a summary table and a
 * grid of samples per class.
 */
import { loadDataset, DATASET_NAMES } from "../../../src/data/load";
import { subsetDataset } from "../../../src/data/transforms";
import { datasetSummary } from "../../../src/data/summary";
import { sampleGrid } from "../../../src/display/image-grid";
import { tableBundle } from "../../../src/display/table";
import { JUPYTER_DISPLAY } from "../../../src/display/mime";
import { suggestName } from "../registry";
import { MagicError, type MagicSpec } from "../types";

export const dataMagic: MagicSpec = {
  name: "data",
  mode: "line",
  summary: `Load a dataset (${DATASET_NAMES.join(", ")}): summary table and sample grid; -o binds it.`,
  options(cmd) {
    cmd.argument("<name>", `dataset: ${DATASET_NAMES.join(", ")}`);
    cmd.option("--n <N>", "keep the first N training images (and N/5 test images)", (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new MagicError(`%data: --n must be a whole number ≥ 1, got "${v}"`);
      return n;
    });
    cmd.option("--dir <folder>", "folder holding the dataset files (looked at first)");
    cmd.option("--no-download", "never download; fail if the files are not found");
    cmd.option("--seed <s>", "seed of the embedded MNIST split", (v: string) => Number(v), 0);
  },
  async run(call, ctx) {
    const name = String(call.args[0]);
    if (!(DATASET_NAMES as readonly string[]).includes(name)) {
      const hint = suggestName(name, [...DATASET_NAMES]);
      throw new MagicError(`%data: unknown dataset "${name}".${hint ? ` Did you mean ${hint}?` : ""} Use one of: ${DATASET_NAMES.join(", ")}.`);
    }
    let ds = await loadDataset(name, {
      dir: call.opts.dir as string | undefined,
      download: call.opts.download !== false,
      seed: call.opts.seed as number,
      log: (m) => ctx.print(m + "\n"),
    });
    const n = call.opts.n as number | undefined;
    if (n !== undefined) ds = subsetDataset(ds, { trainN: n, testN: Math.max(1, Math.floor(n / 5)) });
    const table = datasetSummary(ds);
    ctx.display({ [JUPYTER_DISPLAY]: () => tableBundle(table, { caption: `${ds.name} — source: ${ds.source}` }) });
    ctx.display(sampleGrid(ds));
    return ds;
  },
};
