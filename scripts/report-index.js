#!/usr/bin/env node
/**
 * reports/index.html: one row per executed notebook with its size, run time, backend and the
 * findings it computed (the markdown its cells displayed), read from the executed .ipynb files and
 * run_notebooks.py's run-summary.json. Prints each report's size and the total.
 *
 * Usage: node scripts/report-index.js [DIR] (default reports/)
 */
const fs = require("fs");
const path = require("path");

const dir = path.resolve(process.argv[2] || path.join(__dirname, "..", "reports"));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const text = (v) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** Backends named in the notebook's figure provenance, and the findings (markdown outputs). */
function readNotebook(file) {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  const backends = new Set();
  const findings = [];
  for (const cell of nb.cells) {
    for (const out of cell.outputs || []) {
      const data = out.data || {};
      const fig = data["application/vnd.plotly.v1+json"];
      for (const a of (fig && fig.layout && fig.layout.annotations) || []) {
        const m = /backend: ([^·<\n]+)/.exec(a.text || "");
        if (a.name === "reslab-provenance" && m) backends.add(m[1].trim());
      }
      if (data["text/markdown"]) findings.push(text(data["text/markdown"]).trim());
    }
  }
  return { backends: [...backends], findings };
}

/** Markdown findings as HTML: bold and italics, paragraphs; everything else escaped. */
const md = (s) => esc(s).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>").replace(/\*(.+?)\*/g, "<i>$1</i>").split(/\n{2,}/).map((p) => `<p>${p}</p>`).join("");

function main() {
  let summary = {};
  try {
    summary = JSON.parse(fs.readFileSync(path.join(dir, "run-summary.json"), "utf8"));
  } catch {
    // no summary: run times unknown
  }
  const names = fs.readdirSync(dir).filter((f) => /^\d\d.*\.html$/.test(f)).map((f) => f.replace(/\.html$/, "")).sort();
  let total = 0;
  const rows = names.map((name) => {
    const size = fs.statSync(path.join(dir, `${name}.html`)).size;
    total += size;
    const nbFile = path.join(dir, `${name}.ipynb`);
    const info = fs.existsSync(nbFile) ? readNotebook(nbFile) : { backends: [], findings: [] };
    const s = summary[name] || {};
    return { name, size, seconds: s.seconds, ok: s.ok, problem: s.problem, quick: s.quick, ...info };
  });
  const html = `<!doctype html><meta charset="utf-8"><title>ResLab reports</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #ddd;padding:.5em;vertical-align:top;text-align:left}td.n{white-space:nowrap}.fail{color:#b00}p{margin:.2em 0 .6em}</style>
<h1>ResLab reports</h1>
<p>${esc(new Date().toISOString().slice(0, 16).replace("T", " "))} UTC · ${rows.length} notebooks, ${mb(total)} in all</p>
<table><tr><th>notebook</th><th>size</th><th>run time</th><th>backend</th><th>findings this run computed</th></tr>
${rows.map((r) => `<tr><td class="n"><a href="${esc(r.name)}.html">${esc(r.name)}</a>${r.ok === false ? `<br><span class="fail">failed: ${esc(r.problem)}</span>` : ""}${r.quick ? "<br>quick mode" : r.quick === false ? "<br>full mode" : ""}</td>
<td class="n">${mb(r.size)}</td><td class="n">${r.seconds !== undefined ? `${r.seconds} s` : "—"}</td><td class="n">${esc(r.backends.join(", ") || "—")}</td>
<td>${r.findings.map(md).join("") || "—"}</td></tr>`).join("\n")}
</table>`;
  fs.writeFileSync(path.join(dir, "index.html"), html);
  for (const r of rows) console.log(`  ${path.join(dir, r.name + ".html")}  ${mb(r.size)}${r.seconds !== undefined ? `, ${r.seconds} s` : ""}${r.backends.length ? `, ${r.backends.join("/")}` : ""}`);
  console.log(`report: ${path.join(dir, "index.html")} (${rows.length} notebooks, ${mb(total)} in all)`);
}

main();
