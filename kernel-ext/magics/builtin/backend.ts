/**
 * `%backend [NAME]`: show the active tfjs backend and why the others were not used, or switch.
 */
import { BACKEND_ORDER, currentBackend, parseBackendName, selectBackend, type BackendReport } from "../../../src/backend/select";
import { JUPYTER_DISPLAY, escapeHtml } from "../../../src/display/mime";
import { fallbackCounts, torchRuntime } from "../../../src/backend/torch";
import { MagicError, type MagicSpec } from "../types";

/** A backend report that displays itself as a small table. */
export function backendView(report: BackendReport) {
  const rows = report.attempts.map((a) => ({ name: a.name, status: a.ok ? "active" : "not used", reason: a.reason }));
  const torch = report.active === "torch" ? torchRuntime() : undefined;
  const fallbacks = report.active === "torch" ? fallbackCounts() : {};
  const fallbackText = Object.entries(fallbacks).map(([k, n]) => `${k} ×${n}`).join(", ");
  const torchLines = torch
    ? [
        `libtorch ${torch.version} on ${torch.device}, ${torch.threads} thread${torch.threads === 1 ? "" : "s"} (RESLAB_THREADS), oneDNN: ${torch.mkldnn ? "yes" : "no"}, CUDA available: ${torch.cudaAvailable ? "yes" : "no"}`,
        `kernels run through the cpu fallback this session: ${fallbackText || "none"}`,
      ]
    : [];
  const text =
    `Active backend: ${report.active} (tfjs "${report.tfName}")\n` +
    torchLines.map((l) => `${l}\n`).join("") +
    rows.map((r) => `  ${r.name.padEnd(14)} ${r.status.padEnd(9)} ${r.reason}`).join("\n");
  const html =
    `<div><b>Active backend:</b> ${escapeHtml(report.active)} <span style="color:#666">(tfjs "${escapeHtml(report.tfName)}")</span>` +
    torchLines.map((l) => `<div>${escapeHtml(l)}</div>`).join("") +
    `<table><thead><tr><th>backend</th><th>status</th><th>reason</th></tr></thead><tbody>` +
    rows.map((r) => `<tr><td>${escapeHtml(r.name)}</td><td>${r.status}</td><td style="text-align:left">${escapeHtml(r.reason)}</td></tr>`).join("") +
    `</tbody></table></div>`;
  return Object.assign(Object.create(null), { ...report, torch, fallbacks, [JUPYTER_DISPLAY]: () => ({ "text/plain": text, "text/html": html }) });
}

export const backendMagic: MagicSpec = {
  name: "backend",
  mode: "line",
  summary: `Show the active tfjs backend (and why others were not used), or switch: %backend ${BACKEND_ORDER.join("|")}.`,
  options(cmd) {
    cmd.argument("[name]", `backend to switch to: ${BACKEND_ORDER.join(", ")}`);
  },
  async run(call, ctx) {
    const name = call.args[0] as string | undefined;
    let report: BackendReport | undefined;
    if (name !== undefined) {
      let wanted;
      try {
        wanted = parseBackendName(name);
      } catch (e) {
        throw new MagicError(`%backend: ${(e as Error).message}`);
      }
      try {
        report = await selectBackend({ prefer: wanted, strict: true });
      } catch (e) {
        throw new MagicError(`%backend: ${(e as Error).message}. The previous backend (${currentBackend()?.active ?? "none"}) stays active.`);
      }
    } else {
      report = currentBackend() ?? (await selectBackend());
    }
    ctx.display(backendView(report));
    return report;
  },
};
