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
