/**
 * Plotly figures that show themselves in the kernel.
 *
 * A figure's bundle carries `application/vnd.plotly.v1+json` (for JupyterLab's Plotly renderer)
 * and a `text/html` fallback that works offline: the first figure of a kernel session inlines
 * plotly.js from the `plotly.js-dist-min` package (minified, about 4.6 MB), later figures reuse it. The provenance line is
 * drawn under the plot and stored in the bundle's metadata.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import { JUPYTER_DISPLAY, escapeHtml, type Displayable, type MimeBundle } from "./mime";
import { checkProvenance, completeProvenance, provenanceLine, type Provenance } from "./provenance";

/** One Plotly trace (see plotly.js' reference for the fields). */
export type Trace = Record<string, unknown>;
/** Plotly layout. */
export type Layout = Record<string, unknown>;
/** Plotly config. */
export type PlotConfig = Record<string, unknown>;

/** MIME type of Plotly's JSON figure format. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

let plotlySource: string | undefined;
let libraryShipped = false;

/** The plotly.js bundle as an inline-safe script body (read once from plotly.js-dist-min). */
export function plotlyLibrarySource(): string {
  if (plotlySource === undefined) {
    const file = require.resolve("plotly.js-dist-min");
    // Shadow module/exports/define so the UMD wrapper always sets window.Plotly, even in
    // notebooks that load require.js; escape "</script" so the HTML parser cannot end early.
    const body = fs.readFileSync(file, "utf8").replace(/<\/script/gi, "<\\/script");
    plotlySource = `(function (module, exports, define) {\n${body}\n}).call(window);`;
  }
  return plotlySource;
}

/** Forget that plotly.js was sent (the kernel calls this when a session restarts). */
export function resetPlotlySession(): void {
  libraryShipped = false;
}

/** Options of {@link figure}. */
export interface FigureOptions {
  layout?: Layout;
  config?: PlotConfig;
  /** Required: where the numbers came from. */
  provenance: Provenance;
  /** Height in pixels of the HTML rendering (default: layout.height or 420). */
  height?: number;
}

/** The provenance line broken at its " · " separators into lines of at most `width` characters. */
export function wrapProvenance(line: string, width = 150): string[] {
  const out: string[] = [];
  for (const part of line.split(" · ")) {
    const last = out.length - 1;
    if (last >= 0 && out[last].length + 3 + part.length <= width) out[last] += " · " + part;
    else out.push(part);
  }
  return out;
}

/** A Plotly figure with provenance; displays itself. */
export class Figure implements Displayable {
  readonly data: Trace[];
  readonly layout: Layout;
  readonly config: PlotConfig;
  readonly provenance: Provenance;

  constructor(data: Trace[], opts: FigureOptions) {
    if (!Array.isArray(data)) throw new TypeError("figure: data must be an array of Plotly traces");
    this.provenance = completeProvenance(checkProvenance(opts.provenance, "figure"));
    this.data = data;
    const line = provenanceLine(this.provenance);
    const layout: Layout = { ...(opts.layout ?? {}) };
    const lines = wrapProvenance(line);
    const margin = { l: 60, r: 30, t: 50, ...((layout.margin as object) ?? {}), b: 90 + 14 * (lines.length - 1) };
    const annotations = [
      ...(((layout.annotations as unknown[]) ?? []) as unknown[]),
      {
        text: lines.map(escapeHtml).join("<br>"),
        xref: "paper",
        yref: "paper",
        x: 0,
        y: 0,
        yshift: -70,
        xanchor: "left",
        yanchor: "top",
        align: "left",
        showarrow: false,
        font: { size: 10, color: "#666" },
        name: "reslab-provenance",
      },
    ];
    this.layout = { height: (opts.height ?? 420) + 14 * (lines.length - 1), ...layout, margin, annotations };
    this.config = { responsive: true, displaylogo: false, ...(opts.config ?? {}) };
  }

  /** Plotly's JSON figure. */
  toJSON(): { data: Trace[]; layout: Layout; config: PlotConfig } {
    return { data: this.data, layout: this.layout, config: this.config };
  }

  /** Self-contained HTML for this figure; includes plotly.js when `withLibrary` is true. */
  toHTML(withLibrary: boolean): string {
    const id = `reslab-plot-${randomBytes(6).toString("hex")}`;
    const json = JSON.stringify(this.toJSON()).replace(/<\//g, "<\\/");
    const lib = withLibrary ? `<script type="text/javascript">${plotlyLibrarySource()}</script>\n` : "";
    const height = Number(this.layout.height) || 420;
    return (
      lib +
      `<div id="${id}" class="reslab-plot" style="width:100%;height:${height}px" ` +
      `title="${escapeHtml(provenanceLine(this.provenance))}"></div>\n` +
      `<script type="text/javascript">(function () {\n` +
      `  var fig = ${json};\n` +
      `  var tries = 0;\n` +
      `  function draw() {\n` +
      `    var el = document.getElementById(${JSON.stringify(id)});\n` +
      `    if (window.Plotly && el) { window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); return; }\n` +
      `    if (++tries < 200) { setTimeout(draw, 50); return; }\n` +
      `    if (el) el.textContent = "plotly.js is not loaded in this page: re-run the first plotting cell of the notebook.";\n` +
      `  }\n` +
      `  draw();\n` +
      `})();</script>`
    );
  }

  /** A short text description for plain-text front ends. */
  toString(): string {
    const title = (this.layout.title as { text?: string } | string | undefined) ?? "";
    const t = typeof title === "string" ? title : title.text ?? "";
    const kinds = this.data.map((d) => String(d.type ?? "scatter"));
    return `<Figure${t ? ` "${t}"` : ""}: ${this.data.length} trace(s) [${kinds.join(", ")}]>\n${provenanceLine(this.provenance)}`;
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    const withLibrary = !libraryShipped;
    libraryShipped = true;
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": this.toHTML(withLibrary),
      "text/plain": this.toString(),
    };
  }
}

/**
 * plotly.js as an output of its own, when no figure of this session has shipped it yet (else
 * undefined). A figure shown in an updatable display must not carry the library: an update
 * replaces that output, and the library would vanish from the saved notebook with it.
 */
export function plotlyLibraryBundle(): MimeBundle | undefined {
  if (libraryShipped) return undefined;
  libraryShipped = true;
  return { "text/html": `<script type="text/javascript">${plotlyLibrarySource()}</script>`, "text/plain": "" };
}

/** Builds a figure: `figure([{x, y, type: "scatter"}], {layout, provenance})`. */
export function figure(data: Trace[], opts: FigureOptions): Figure {
  return new Figure(data, opts);
}
