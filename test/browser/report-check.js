/**
 * Checks the HTML reports of a folder of executed notebooks (the test command runs it on its own
 * exports): plotly.js is the minified build, inlined exactly once per notebook (offline), and
 * index.html (scripts/report-index.js) lists every notebook with its size, run time and backend.
 *
 * Usage: node test/browser/report-check.js DIR. Prints "reports: N passed, N failed".
 */
const fs = require("fs");
const path = require("path");

const dir = path.resolve(process.argv[2] || "reports");
const results = [];
const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ": " + detail : ""}`);
};
const version = require("plotly.js-dist-min/package.json").version;
const banner = `plotly.js v${version}`;
const names = fs.readdirSync(dir).filter((f) => /^\d\d.*\.html$/.test(f)).map((f) => f.replace(/\.html$/, ""));
check("there are notebook reports", names.length > 0, `${names.length} in ${dir}`);
for (const name of names) {
  const html = fs.readFileSync(path.join(dir, `${name}.html`), "utf8");
  const copies = html.split(banner).length - 1;
  const figures = (html.match(/class="reslab-plot/g) || []).length;
  check(`${name}: plotly.js (minified ${version}) inlined ${figures ? "once" : "not at all (no figures)"}`, copies === (figures ? 1 : 0), `${copies} copies, ${figures} figure(s), ${(html.length / 1e6).toFixed(1)} MB`);
  check(`${name}: loads nothing from a CDN`, !/<script[^>]+src="https?:\/\/[^"]*plotly/i.test(html));
}
const index = fs.readFileSync(path.join(dir, "index.html"), "utf8");
for (const name of names) {
  const row = (index.split("<tr>").find((r) => r.includes(`href="${name}.html"`)) || "");
  check(`index.html lists ${name} with size, run time and backend`, /\d+\.\d MB/.test(row) && /\d+(\.\d)? s</.test(row) && /(torch|wasm|cpu|tfjs-node)/.test(row), row.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 160));
}
const passed = results.filter(Boolean).length;
console.log(`reports: ${passed} passed, ${results.length - passed} failed`);
process.exit(results.every(Boolean) ? 0 : 1);
