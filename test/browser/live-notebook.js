/**
 * The kernel in a real Jupyter front end: starts Debian's Jupyter Notebook server on a loopback
 * port with a token, opens notebooks 00 and 01 in headless Chromium (Playwright, no network),
 * runs every cell through the UI (Cell → Run All) and checks what a researcher sees: Plotly
 * figures drawn live, a progress bar that ends at 100 % in one output, %%time's report, a failing
 * cell's error with the next cell still running, the interrupt button stopping a running %train
 * within a batch (the model still usable), and Kernel → Restart giving a working kernel.
 * Screenshots go to OUT/. The server is always stopped.
 *
 * Usage: node test/browser/live-notebook.js OUT   (JUPYTER_PATH must hold the reslab kernelspec:
 * source scripts/jupyter.sh). Prints "live: N passed, N failed".
 */
const { spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const { freePort } = require("../../scripts/lib/free-port");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.resolve(process.argv[2] || path.join(ROOT, "test-artifacts", "live"));
const results = [];
const check = (name, ok, detail = "") => {
  results.push(!!ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ": " + detail : ""}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


async function startServer(dir, port, token) {
  const bin = process.env.RESLAB_JUPYTER_NOTEBOOK || "jupyter-notebook";
  const server = spawn(bin, [
    "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--notebook-dir=${dir}`,
    `--NotebookApp.token=${token}`, "--NotebookApp.password=", "--allow-root",
    "--FileContentsManager.checkpoints_kwargs={'root_dir': '" + path.join(dir, ".checkpoints") + "'}",
  ], {
    env: { ...process.env, RESLAB_QUICK: "1", RESLAB_RESULTS_DIR: path.join(dir, "results"), JUPYTER_CONFIG_DIR: path.join(dir, ".jupyter-config"), JUPYTER_RUNTIME_DIR: path.join(dir, ".runtime") },
    detached: true, stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (server.exitCode !== null || Date.now() - t0 > 60000) throw new Error(`the notebook server did not start:\n${log.slice(-2000)}`);
    await sleep(250);
  }
  return { server, log: () => log };
}

function stopServer(server) {
  if (!server || server.exitCode !== null) return;
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {
    // gone
  }
  const hard = setTimeout(() => {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // gone
    }
  }, 5000);
  hard.unref();
}

/** In the page: is every code cell done (a number in its prompt) and the kernel idle? */
const allDone = () => {
  const nb = window.Jupyter && window.Jupyter.notebook;
  if (!nb || !nb.kernel || !nb.kernel.is_connected()) return false;
  const icon = document.querySelector("#kernel_indicator_icon");
  return icon && icon.classList.contains("kernel_idle_icon") && nb.get_cells().every((c) => c.cell_type !== "code" || typeof c.input_prompt_number === "number" || c.get_text().trim() === "");
};

async function openNotebook(page, base, name) {
  await page.goto(`${base}/notebooks/${name}`, { waitUntil: "domcontentloaded", timeout: 60000 });
  await page.waitForFunction(() => {
    const nb = window.Jupyter && window.Jupyter.notebook;
    const icon = document.querySelector("#kernel_indicator_icon");
    return nb && nb.kernel && nb.kernel.is_connected() && icon && icon.classList.contains("kernel_idle_icon");
  }, null, { timeout: 90000 });
  await page.evaluate(() => window.Jupyter.notebook.set_autosave_interval(0)); // leave the copy as it is
}

async function runAllThroughMenu(page, timeout) {
  await page.click("#celllink");
  await page.click("#run_all_cells > a");
  await page.waitForFunction(allDone, null, { timeout, polling: 500 });
}

/** Adds a code cell at the bottom, runs it with the toolbar's Run button, waits until it is done. */
async function runNewCell(page, code, { wait = true, timeout = 60000 } = {}) {
  const index = await page.evaluate((src) => {
    const nb = window.Jupyter.notebook;
    const cell = nb.insert_cell_at_bottom("code");
    cell.set_text(src);
    const i = nb.find_cell_index(cell);
    nb.select(i);
    return i;
  }, code);
  await page.click('#run_int button[data-jupyter-action="jupyter-notebook:run-cell-and-select-next"]');
  if (wait) await page.waitForFunction((i) => typeof window.Jupyter.notebook.get_cell(i).input_prompt_number === "number", index, { timeout, polling: 200 });
  return index;
}

const cellOutputs = (page, i) => page.evaluate((k) => {
  const cell = window.Jupyter.notebook.get_cell(k);
  return { text: cell.element.find(".output_area").toArray().map((e) => e.innerText), errors: cell.element.find(".output_error").length, count: cell.output_area.outputs.length };
}, i);

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reslab-live-"));
  for (const nb of ["00-quickstart.ipynb", "01-training-sweeps.ipynb"]) fs.copyFileSync(path.join(ROOT, "notebooks", nb), path.join(dir, nb));
  const port = await freePort();
  const token = crypto.randomBytes(16).toString("hex");
  let srv, browser;
  const onSignal = () => {
    stopServer(srv && srv.server);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    srv = await startServer(dir, port, token);
    check("the Jupyter Notebook server started on a loopback port with a token", true, `127.0.0.1:${port}`);
    const base = `http://127.0.0.1:${port}`;
    const anon = await fetch(`${base}/api/kernels`);
    check("the server refuses requests without the token", anon.status === 403, `HTTP ${anon.status}`);
    browser = await chromium.launch({
      executablePath: process.env.RESLAB_CHROMIUM || "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    await context.route("**/*", (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    await context.addCookies([]);
    const page = await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto(`${base}/tree?token=${token}`, { waitUntil: "domcontentloaded" });

    // ---- 00 quickstart: run all, figures, the progress bar, %time, a failing cell, interrupt, restart
    await openNotebook(page, base, "00-quickstart.ipynb");
    const t0 = Date.now();
    await runAllThroughMenu(page, 300000);
    check("00: Cell → Run All ran every cell", true, `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const summary = await page.evaluate(() => {
      const cells = window.Jupyter.notebook.get_cells();
      const code = cells.filter((c) => c.cell_type === "code");
      const bars = code.filter((c) => /new reslab\.ProgressBar/.test(c.get_text()));
      const timeCells = code.filter((c) => /^%%?time /m.test(c.get_text()));
      return {
        errors: document.querySelectorAll(".output_error").length,
        errorCells: code.filter((c) => c.element.find(".output_error").length).map((c) => `${c.get_text().slice(0, 40).replace(/\n/g, " ")} => ${c.element.find(".output_error").text().replace(/\s+/g, " ").slice(0, 400)}`),
        plots: Array.from(document.querySelectorAll(".output_area .js-plotly-plot")).map((p) => ({ svg: p.querySelectorAll("svg.main-svg").length, paths: Array.from(p.querySelectorAll(".scatterlayer .trace path")).filter((x) => (x.getAttribute("d") || "").length > 10).length })),
        bar: bars.map((c) => ({ outputs: c.element.find(".output_area").toArray().map((e) => e.innerText) })),
        time: timeCells.map((c) => c.element.find(".output_area").toArray().map((e) => e.innerText).join("\n")),
      };
    });
    check("00: no cell shows an error", summary.errors === 0, `${summary.errors} error output(s): ${summary.errorCells.join(" | ").slice(0, 600)}`);
    check("00: Plotly figures render live (svg.main-svg with drawn data)", summary.plots.length > 0 && summary.plots.every((p) => p.svg > 0 && p.paths > 0), JSON.stringify(summary.plots));
    const barTexts = summary.bar[0] ? summary.bar[0].outputs.filter((t) => /residual steps/.test(t)) : [];
    check("00: the progress bar ends at 100% in one output (updated in place)", barTexts.length === 1 && /100%/.test(barTexts[0]), JSON.stringify(barTexts).slice(0, 200));
    check("00: %time prints its report", summary.time.length > 0 && summary.time.every((t) => /Wall time: /.test(t)), JSON.stringify(summary.time).slice(0, 200));
    await page.screenshot({ path: path.join(OUT, "live-00-run-all.png"), fullPage: false });

    const bad = await runNewCell(page, 'throw new Error("boom from the live test")');
    const badOut = await cellOutputs(page, bad);
    check("a failing cell shows its error", badOut.errors === 1 && badOut.text.some((t) => /boom from the live test/.test(t)), badOut.text.join(" | ").slice(0, 200));
    const next = await runNewCell(page, "const answer = 6 * 7;\nanswer");
    const nextOut = await cellOutputs(page, next);
    check("the next cell still runs", nextOut.errors === 0 && nextOut.text.some((t) => /42/.test(t)), nextOut.text.join(" | "));

    await runNewCell(page, "const net = reslab.buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: 1, widths: [4, 8, 8], seed: 0 });");
    const trainCell = await runNewCell(page, "%train net digits --epochs 200 --batch 16", { wait: false });
    await page.waitForFunction((i) => /\d+%/.test(window.Jupyter.notebook.get_cell(i).element.find(".output_area").text()), trainCell, { timeout: 120000, polling: 200 });
    await sleep(1000);
    const tInt = Date.now();
    await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
    await page.waitForFunction((i) => typeof window.Jupyter.notebook.get_cell(i).input_prompt_number === "number", trainCell, { timeout: 60000, polling: 100 });
    const stopS = (Date.now() - tInt) / 1000;
    // the reply (the prompt number) can come before the last output on the other channel
    await page.waitForFunction((i) => /interrupt/i.test(window.Jupyter.notebook.get_cell(i).element.find(".output_area").text()), trainCell, { timeout: 10000, polling: 100 }).catch(() => undefined);
    const trainOut = await cellOutputs(page, trainCell);
    check("the interrupt button stops a running %train within a batch", stopS < 5 && trainOut.text.some((t) => /interrupt/i.test(t)), `${stopS.toFixed(2)} s; ${trainOut.text.join(" | ").replace(/\s+/g, " ").slice(0, 240)}`);
    await page.screenshot({ path: path.join(OUT, "live-00-interrupted.png"), fullPage: false });
    const after = await runNewCell(page, "(net.predict(tf.zeros([2, 28, 28, 1])) as any).shape");
    const afterOut = await cellOutputs(page, after);
    check("the model stays usable after the interrupt", afterOut.errors === 0 && afterOut.text.some((t) => /\[\s*2,\s*10\s*\]/.test(t)), afterOut.text.join(" | "));

    await runNewCell(page, "(globalThis as any).beforeRestart = true;");
    await page.click("#kernellink");
    await page.click("#restart_kernel > a");
    await page.click(".modal-footer button.btn-danger");
    await page.waitForFunction(() => {
      const icon = document.querySelector("#kernel_indicator_icon");
      return window.Jupyter.notebook.kernel.is_connected() && icon && icon.classList.contains("kernel_idle_icon");
    }, null, { timeout: 90000, polling: 250 });
    await sleep(500);
    const fresh = await runNewCell(page, "String((globalThis as any).beforeRestart)");
    const freshOut = await cellOutputs(page, fresh);
    const works = await runNewCell(page, "reslab.markdown(`**restarted** on ${tf.getBackend()}`)");
    const worksOut = await cellOutputs(page, works);
    check("Kernel → Restart gives a fresh, working kernel", freshOut.text.some((t) => /undefined/.test(t)) && worksOut.errors === 0 && worksOut.text.some((t) => /restarted on/.test(t)), `${freshOut.text.join(" ")} / ${worksOut.text.join(" ")}`);
    await page.screenshot({ path: path.join(OUT, "live-00-restarted.png"), fullPage: false });

    // ---- 01 training sweeps: run all through the UI, figures and tables live
    await openNotebook(page, base, "01-training-sweeps.ipynb");
    const t1 = Date.now();
    await runAllThroughMenu(page, 600000);
    const s1 = await page.evaluate(() => ({
      errors: document.querySelectorAll(".output_error").length,
      plots: Array.from(document.querySelectorAll(".output_area .js-plotly-plot")).map((p) => p.querySelectorAll("svg.main-svg").length > 0 && Array.from(p.querySelectorAll(".scatterlayer .trace path")).some((x) => (x.getAttribute("d") || "").length > 10)),
      tables: document.querySelectorAll(".output_area table").length,
    }));
    check("01: Cell → Run All ran every cell with no error", s1.errors === 0, `${((Date.now() - t1) / 1000).toFixed(1)} s, ${s1.errors} error(s)`);
    check("01: its figures render live and its tables show", s1.plots.length > 0 && s1.plots.every(Boolean) && s1.tables > 0, `${s1.plots.length} figure(s), ${s1.tables} table(s)`);
    await page.screenshot({ path: path.join(OUT, "live-01-run-all.png"), fullPage: true });
    check("no JavaScript errors in the page from ResLab's outputs", !pageErrors.some((e) => /plotly|reslab/i.test(e)), pageErrors.join(" | ").slice(0, 300));
  } catch (e) {
    check("the live run completed", false, (e && e.stack) || String(e));
    if (srv) console.log(srv.log().slice(-3000));
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    stopServer(srv && srv.server);
  }
  const passed = results.filter(Boolean).length;
  console.log(`live: ${passed} passed, ${results.length - passed} failed`);
  process.exit(results.every(Boolean) ? 0 : 1);
}

main();
