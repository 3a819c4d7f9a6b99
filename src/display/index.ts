/** Rich display for the ResLab kernel: MIME bundles, Plotly figures, tables, progress bars. */
export * from "./mime";
export * from "./sink";
export * from "./display";
export * from "./table";
export * from "./plotly";
export * from "./progress";
export * from "./provenance";
export * from "./format";
