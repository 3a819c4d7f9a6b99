/**
 * Starting the ResLab kernel: backend, tslab executor, magics, prelude, ZeroMQ server.
 */
import * as path from "path";
import { createConverter, type Converter } from "tslab/dist/converter";
import { createExecutor, type ConverterSet } from "tslab/dist/executor";
import { JupyterHandlerImpl } from "tslab/dist/jupyter";
import { versions as tslabVersions } from "tslab";
import { describeBackend, selectBackend, type BackendReport } from "../src/backend/select";
import { requestInterrupt } from "../src/runtime/interrupt";
import { PACKAGE_ROOT, VERSION } from "../src/version";
import { CellExecutor, ExecutorConsole } from "./cell-executor";
import { ExecuteHandler } from "./handler";
import { defaultRegistry } from "./magics";
import type { MagicRegistry } from "./magics/registry";
import { blankMagicLines, completeMagic, inspectMagic } from "./magic-completion";
import { ReslabServer } from "./server";

/** tslab's converter pair, created lazily (as tslab's own main does). */
class Converters implements ConverterSet {
  private nodeConv?: Converter;
  private browserConv?: Converter;
  get node(): Converter {
    return (this.nodeConv ??= createConverter({ isJS: false, isBrowser: false }));
  }
  get browser(): Converter {
    return (this.browserConv ??= createConverter({ isJS: false, isBrowser: true }));
  }
  close(): void {
    this.nodeConv?.close();
    this.browserConv?.close();
  }
}

/** The kernel banner: ResLab version, TypeScript/tslab versions and the active backend. */
export function kernelBanner(report: BackendReport | undefined): string {
  return (
    `ResLab ${VERSION} — residual-network lab (TypeScript ${tslabVersions.typescript}, tslab ${tslabVersions.tslab}, Node ${process.version})\n` +
    `backend: ${describeBackend(report)}\n` +
    `Preloaded: reslab (the library), tf (tfjs), aq (arquero). %lsmagic lists the magics.`
  );
}

type CompleteRequest = { code: string; cursor_pos: number };

/**
 * tslab's handler with ResLab's identity in kernel_info, and completion / inspection that know
 * the magics (magic-completion.ts); TypeScript completion sees the cell with magic lines blanked.
 */
class ReslabKernelInfo extends JupyterHandlerImpl {
  constructor(
    executor: ReturnType<typeof createExecutor>,
    private readonly banner: () => string,
    private readonly registry: MagicRegistry,
  ) {
    super(executor, false);
  }
  override handleComplete(req: CompleteRequest): ReturnType<JupyterHandlerImpl["handleComplete"]> {
    const magic = completeMagic(this.registry, req.code, req.cursor_pos);
    if (magic) return { cursor_start: magic.start, cursor_end: magic.end, matches: magic.matches, metadata: {}, status: "ok" };
    return super.handleComplete({ ...req, code: blankMagicLines(req.code) });
  }
  override handleInspect(req: Parameters<JupyterHandlerImpl["handleInspect"]>[0]): ReturnType<JupyterHandlerImpl["handleInspect"]> {
    const usage = inspectMagic(this.registry, req.code, req.cursor_pos);
    if (usage) return { status: "ok", found: true, data: { "text/plain": usage }, metadata: {} };
    return super.handleInspect({ ...req, code: blankMagicLines(req.code) });
  }
  override handleKernel(): ReturnType<JupyterHandlerImpl["handleKernel"]> {
    const info = super.handleKernel();
    // kernel_info_reply carries a status like every reply (tslab leaves it out).
    const reply = {
      status: "ok",
      ...info,
      implementation: "reslab",
      implementation_version: VERSION,
      language_info: { ...info.language_info, version: tslabVersions.typescript },
      banner: this.banner(),
    };
    return reply;
  }
}

/** The TypeScript run once at start so every session has `reslab`, `tf` and `aq` (arquero). */
export function preludeSource(): string {
  const lib = JSON.stringify(PACKAGE_ROOT);
  const tfDir = JSON.stringify(path.dirname(require.resolve("@tensorflow/tfjs/package.json")));
  // by absolute path: tslab resolves bare imports from the notebook's folder, which may have no
  // node_modules (a notebook outside this checkout), so the session's libraries are preloaded
  const aqDir = JSON.stringify(path.dirname(require.resolve("arquero/package.json")));
  return `import * as reslab from ${lib};\nimport * as tf from ${tfDir};\nimport * as aq from ${aqDir};`;
}

/** Everything a kernel needs, without the network server (tests drive this directly). */
export async function createSession(rootDir = process.cwd()) {
  const report = await selectBackend();
  const convs = new Converters();
  const console = new ExecutorConsole();
  const executor = createExecutor(rootDir, convs, console);
  const registry = defaultRegistry();
  const cells = new CellExecutor(executor, registry, console);
  const prelude = await cells.execute(preludeSource(), { stdout: () => undefined, result: () => undefined });
  if (!prelude.ok) {
    throw new Error(`ResLab prelude failed (is the package built? run "npm run build"): ${prelude.error.evalue}`);
  }
  return { report, convs, executor, cells, registry, handler: new ExecuteHandler(cells) };
}

/** Starts the kernel on a Jupyter connection file. */
export async function startKernel(configPath: string): Promise<void> {
  const session = await createSession();
  const info = new ReslabKernelInfo(session.executor, () => kernelBanner(session.report), session.registry);
  const server = new ReslabServer(info, session.handler, configPath);
  process.on("SIGINT", () => {
    session.executor.interrupt();
    requestInterrupt();
  });
  // A failing callback must never take the kernel down: report it in the current cell.
  process.on("uncaughtException", (err) => console.error("Uncaught exception (the kernel keeps running):", err));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection (the kernel keeps running):", reason));
  await server.init();
}
