/**
 * Opens a notebook's HTML export in headless Chromium (no network) and checks that every
 * Plotly figure rendered: an svg.main-svg with drawn trace paths. Saves a screenshot.
 *
 * Usage: node test/browser/plotly-render.js EXPORT.html SCREENSHOT.png
 * Prints "browser: N passed, N failed".
 */
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const [htmlFile, shot] = process.argv.slice(2);
  if (!htmlFile || !shot) throw new Error("usage: plotly-render.js EXPORT.html SCREENSHOT.png");
  const executablePath = process.env.RESLAB_CHROMIUM || "/usr/bin/chromium";
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const results = [];
  const check = (name, ok, detail = "") => {
    results.push(ok);
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ": " + detail : ""}`);
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Only the file itself: any attempt to reach the network (a CDN) is blocked and counted.
    const external = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      external.push(url);
      return route.abort();
    });
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto("file://" + path.resolve(htmlFile), { waitUntil: "load", timeout: 120000 });
    const plots = await page.locator(".reslab-plot").count();
    check("the export contains ResLab figures", plots > 0, `${plots} figure(s)`);
    await page.waitForFunction(
      (n) => document.querySelectorAll(".reslab-plot svg.main-svg").length >= n,
      plots,
      { timeout: 60000 },
    ).catch(() => undefined);
    const rendered = await page.evaluate(() =>
      Array.from(document.querySelectorAll(".reslab-plot")).map((el) => ({
        svg: el.querySelectorAll("svg.main-svg").length,
        // drawn data: scatter lines/markers and bars (histograms) have non-empty path data
        paths: Array.from(el.querySelectorAll(".scatterlayer .trace path, .barlayer .trace path")).filter((p) => (p.getAttribute("d") || "").length > 10).length,
        provenance: (el.querySelector(".annotation-text") || {}).textContent || "",
      })),
    );
    rendered.forEach((r, i) => {
      check(`figure ${i + 1} rendered an svg.main-svg`, r.svg > 0);
      check(`figure ${i + 1} has drawn data`, r.paths > 0, `${r.paths} path(s)`);
      check(`figure ${i + 1} shows its provenance`, /dataset: .*model: .*seed: .*backend: /.test(r.provenance), r.provenance.slice(0, 120));
    });
    // Axes as drawn: no tick label twice on one axis; whole numbers on count axes (epochs, L,
    // blocks, depths); legends clear of the plot areas and of the axis titles.
    const drawn = await page.evaluate(() =>
      Array.from(document.querySelectorAll(".reslab-plot")).map((el) => {
        const box = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; };
        const axes = {};
        el.querySelectorAll("g[class$='tick'] > text").forEach((t) => {
          const cls = t.parentElement.getAttribute("class");
          if (!/^[xy]\d*tick$/.test(cls)) return;
          (axes[cls.replace("tick", "")] ??= { labels: [], title: "" }).labels.push(t.textContent);
        });
        el.querySelectorAll("text[class$='title']").forEach((t) => {
          const m = /^([xy]\d*)title$/.exec(t.getAttribute("class") || "");
          if (m && axes[m[1]]) axes[m[1]].title = t.textContent;
        });
        const gd = el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot");
        for (const [k, a] of Object.entries(axes)) a.type = gd && gd._fullLayout ? (gd._fullLayout[`${k[0]}axis${k.slice(1)}`] || {}).type : undefined;
        const legend = el.querySelector("g.legend");
        const legendBox = legend && legend.getBBox().width > 0 ? box(legend.querySelector("rect.bg") || legend) : null;
        return {
          axes,
          legendBox,
          plots: Array.from(el.querySelectorAll("rect.nsewdrag")).map(box),
          titles: Array.from(el.querySelectorAll("text[class$='title']")).filter((t) => /^[xy]\d*title$/.test(t.getAttribute("class") || "")).map((t) => ({ text: t.textContent, ...box(t) })),
        };
      }),
    );
    const COUNT_AXIS = /^(epoch|blocks per section L|block \(|depth|hook point)/;
    const overlap = (a, b) => a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1;
    drawn.forEach((f, i) => {
      // (a log axis repeats its minor labels 2, 5 in every decade: that is Plotly's style, not a clash)
      const dup = Object.entries(f.axes).filter(([, a]) => a.type !== "log" && new Set(a.labels).size !== a.labels.length).map(([k, a]) => `${k}: ${a.labels.join(" ")}`);
      check(`figure ${i + 1}: no tick label twice on an axis`, dup.length === 0, dup.join("; "));
      const fractional = Object.entries(f.axes).filter(([, a]) => COUNT_AXIS.test(a.title) && a.labels.some((l) => !/^[\d\s,]+$/.test(l.replace(/\u2212/g, "-")))).map(([k, a]) => `${k} "${a.title}": ${a.labels.join(" ")}`);
      check(`figure ${i + 1}: whole-number ticks on count axes`, fractional.length === 0, fractional.join("; "));
      if (f.legendBox) {
        const hits = [...f.plots.filter((p) => overlap(f.legendBox, p)).map(() => "the plot area"), ...f.titles.filter((t) => overlap(f.legendBox, t)).map((t) => `the axis title "${t.text}"`)];
        check(`figure ${i + 1}: the legend covers no plot area or axis title`, hits.length === 0, hits.join(", "));
      }
    });
    check("no JavaScript errors from ResLab output", !pageErrors.some((e) => /Plotly|reslab/i.test(e)), pageErrors.join(" | ").slice(0, 300));
    const first = page.locator(".reslab-plot").first();
    await first.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot, fullPage: false, clip: await first.boundingBox() });
    check("screenshot saved", true, shot);
    if (external.length) console.log(`(blocked ${external.length} network request(s) made by the page template, e.g. ${external[0]})`);
  } finally {
    await browser.close();
  }
  const passed = results.filter(Boolean).length;
  console.log(`browser: ${passed} passed, ${results.length - passed} failed`);
  process.exit(results.every(Boolean) ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  console.log("browser: 0 passed, 1 failed");
  process.exit(1);
});
