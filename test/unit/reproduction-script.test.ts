/**
 * scripts/reproduction.js (npm run reproduce's last step) on a folder of executed notebooks made
 * here: claims are collected from their outputs, a study notebook that failed or was not run still
 * stands in the table with the reason, run times and backends are read, and only the README's
 * marked table is replaced. Uses dist/ (built by the test command).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLAIMS_MIME, type ClaimRow } from "../../src/studies/claims/claim";
import { CLAIM_NOTEBOOKS } from "../../src/studies/claims/sources";

const ROOT = path.resolve(__dirname, "../..");

test("the table: measured claims, a failed notebook, notebooks not run; the README between its markers", () => {
  if (!fs.existsSync(path.join(ROOT, "dist", "src", "studies", "claims", "sources.js"))) throw new Error("dist/ is not built: run `npm run build` (the test command does) first");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-repro-"));
  const claim = (seed: string, verdict: ClaimRow["verdict"]): ClaimRow => ({ seed, claim: `claim of ${seed}`, seedReports: "r", measured: "m | with a bar", verdict, why: "w", threshold: "T", scale: "cpu" });
  const notebook = (outputs: object[]) => ({ cells: [{ cell_type: "code", source: "", outputs }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
  const figure = { data: { "application/vnd.plotly.v1+json": { data: [], layout: { annotations: [{ text: "dataset: d · backend: torch" }] } } } };
  fs.writeFileSync(path.join(dir, "03-stopping-rule.ipynb"), JSON.stringify(notebook([figure, { data: { [CLAIMS_MIME]: [claim("000", "holds"), claim("000", "cannot tell")] } }])));
  fs.writeFileSync(path.join(dir, "04-jacobian-spectra.ipynb"), JSON.stringify(notebook([])));
  fs.writeFileSync(path.join(dir, "run-summary.json"), JSON.stringify({
    "03-stopping-rule": { seconds: 12.5, ok: true, problem: null },
    "04-jacobian-spectra": { seconds: 3, ok: false, problem: "cell 2: Error: cifar10: could not download data_batch_1.bin" },
  }));
  const readme = path.join(dir, "README.md");
  fs.writeFileSync(readme, "# Title\n\nbefore\n<!-- reproduction:start -->\nold table\n<!-- reproduction:end -->\nafter\n");

  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "reproduction.js"), dir, "--readme", readme], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("03-stopping-rule: 12.5 s, torch");
  const out = JSON.parse(fs.readFileSync(path.join(dir, "reproduction.json"), "utf8"));
  const claims: Array<ClaimRow & { notebook: string }> = out.claims;
  expect(claims.filter((c) => c.notebook === "03-stopping-rule").map((c) => c.verdict)).toEqual(["holds", "cannot tell"]);
  const failed = claims.find((c) => c.notebook === "04-jacobian-spectra")!;
  expect(failed).toMatchObject({ seed: "001", verdict: "cannot tell", why: "the notebook did not run to its claims: cell 2: Error: cifar10: could not download data_batch_1.bin" });
  expect(claims.find((c) => c.notebook === "06-iterative-inference")).toMatchObject({ seed: "003", why: "the notebook did not run to its claims: it was not run" });
  // every study notebook stands in the table, in seed order
  expect(new Set(claims.map((c) => c.notebook))).toEqual(new Set(Object.keys(CLAIM_NOTEBOOKS)));
  expect(claims.map((c) => c.seed)).toEqual([...claims.map((c) => c.seed)].sort());
  const text = fs.readFileSync(readme, "utf8");
  expect(text.startsWith("# Title\n\nbefore\n<!-- reproduction:start -->\nProduced by `npm run reproduce`")).toBe(true);
  expect(text).not.toContain("old table");
  expect(text).toContain("| 000 | claim of 000 | r | m \\| with a bar | **holds** | w | T |");
  expect(text.endsWith("<!-- reproduction:end -->\nafter\n")).toBe(true);
  fs.rmSync(dir, { recursive: true, force: true });
});
