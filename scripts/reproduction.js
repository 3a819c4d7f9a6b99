#!/usr/bin/env node
/**
 * The reproduction table from executed notebooks: collects every `application/vnd.reslab.claims+json`
 * output (src/studies/claims/claim.ts) of DIR/*.ipynb; a study notebook (CLAIM_NOTEBOOKS) that
 * failed or did not run gets a "cannot tell" row saying so. Writes DIR/reproduction.json and
 * DIR/reproduction.html.
 * With --readme FILE it replaces the table between `<!-- reproduction:start -->` and
 * `<!-- reproduction:end -->` in FILE. Prints each notebook's run time and backend.
 *
 * Usage: node scripts/reproduction.js DIR [--readme README.md]
 */
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const { CLAIMS_MIME } = require(path.join(root, "dist/src/studies/claims/claim"));
const { CLAIM_NOTEBOOKS, missingClaimsRow } = require(path.join(root, "dist/src/studies/claims/sources"));

const dir = path.resolve(process.argv[2] || path.join(root, "reports", "reproduction"));
const readmeArg = process.argv.indexOf("--readme");
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");

let summary = {};
try {
  summary = JSON.parse(fs.readFileSync(path.join(dir, "run-summary.json"), "utf8"));
} catch {
  // run times unknown
}
const notebooks = fs.readdirSync(dir).filter((f) => /^\d\d.*\.ipynb$/.test(f)).sort();
const rows = [];
const runs = [];
for (const f of notebooks) {
  const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const backends = new Set();
  for (const c of nb.cells) {
    for (const o of c.outputs || []) {
      const d = o.data || {};
      if (d[CLAIMS_MIME]) rows.push(...d[CLAIMS_MIME].map((r) => ({ ...r, notebook: f.replace(/\.ipynb$/, "") })));
      const fig = d["application/vnd.plotly.v1+json"];
      for (const a of (fig && fig.layout && fig.layout.annotations) || []) {
        const m = /backend: ([^·<\n]+)/.exec(a.text || "");
        if (m) backends.add(m[1].trim());
      }
    }
  }
  const name = f.replace(/\.ipynb$/, "");
  runs.push({ notebook: name, seconds: summary[name] ? summary[name].seconds : null, backend: [...backends].join("/") || "—" });
}
// every study notebook stands in the table: one that produced no claims says why
const missing = Object.keys(CLAIM_NOTEBOOKS).filter((nb) => !rows.some((r) => r.notebook === nb)).map((nb) => {
  const s = summary[nb];
  const problem = !s ? "it was not run" : s.problem ? s.problem : "it showed no claims table";
  return { ...missingClaimsRow(nb, problem, process.env.RESLAB_SCALE || "cpu"), notebook: nb };
});
const seedOrder = (r) => r.seed + (r.notebook || "");
const all = [...rows, ...missing].sort((a, b) => (seedOrder(a) < seedOrder(b) ? -1 : seedOrder(a) > seedOrder(b) ? 1 : 0));
fs.writeFileSync(path.join(dir, "reproduction.json"), JSON.stringify({ date: new Date().toISOString(), runs, claims: all }, null, 1));
const html = `<!doctype html><meta charset="utf-8"><title>ResLab reproduction</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1200px;margin:2em auto}td,th{border-top:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}</style>
<h1>The seeds' claims at cpu scale</h1><p>${runs.map((r) => `${esc(r.notebook)}: ${r.seconds ?? "?"} s on ${esc(r.backend)}`).join(" · ")}</p>
<table><tr><th>seed</th><th>claim</th><th>the seed reports</th><th>this scale measured</th><th>verdict</th><th>why</th><th>threshold</th></tr>
${all.map((r) => `<tr><td>${esc(r.seed)}</td><td>${esc(r.claim)}</td><td>${esc(r.seedReports)}</td><td>${esc(r.measured)}</td><td><b>${esc(r.verdict)}</b></td><td>${esc(r.why)}</td><td>${esc(r.threshold)}</td></tr>`).join("\n")}
</table>`;
fs.writeFileSync(path.join(dir, "reproduction.html"), html);
for (const r of runs) console.log(`  ${r.notebook}: ${r.seconds ?? "?"} s, ${r.backend}`);
console.log(`reproduction: ${path.join(dir, "reproduction.html")} (${rows.length} claims decided by ${new Set(rows.map((r) => r.notebook)).size} notebooks${missing.length ? `; no claims from ${missing.map((m) => m.notebook).join(", ")}` : ""})`);

if (readmeArg > 0) {
  const file = path.resolve(process.argv[readmeArg + 1]);
  const text = fs.readFileSync(file, "utf8");
  const start = "<!-- reproduction:start -->", end = "<!-- reproduction:end -->";
  const a = text.indexOf(start), b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} markers`);
  const table = [
    `Produced by \`npm run reproduce\` on ${new Date().toISOString().slice(0, 10)}; notebook wall times of that run (cached runs cost only their analysis): ${runs.map((r) => `${r.notebook} ${r.seconds ?? "?"} s on ${r.backend}`).join(", ")}. Thresholds in \`src/studies/claims/thresholds.ts\`.`,
    "",
    "| seed | claim | the seed reports | measured at cpu scale | verdict | why | threshold |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...all.map((r) => `| ${cell(r.seed)} | ${cell(r.claim)} | ${cell(r.seedReports)} | ${cell(r.measured)} | **${cell(r.verdict)}** | ${cell(r.why)} | ${cell(r.threshold)} |`),
  ].join("\n");
  fs.writeFileSync(file, text.slice(0, a + start.length) + "\n" + table + "\n" + text.slice(b));
  console.log(`README table written: ${file}`);
}
