/**
 * Backend selection: which tfjs backend runs ResLab's tensors, and why.
 *
 * Order of preference: `torch` (ResLab's libtorch backend, native/torch-backend, when its addon
 * was built and loads: CPU, or CUDA with a CUDA libtorch), `tfjs-node-gpu` (native TensorFlow with CUDA, if it loads), `tfjs-node`
 * (native TensorFlow on CPU, if the user installed it), `wasm` (XNNPACK through WebAssembly,
 * always installed), `cpu` (pure JavaScript, always works but is very slow for convolutions).
 * The environment variable `RESLAB_BACKEND` names a backend to try first.
 */
import * as tf from "@tensorflow/tfjs";
import { registerBatchNormGradient } from "./batchnorm-grad";
import { registerFusedGradients } from "./fused/gradients";
import { describeTorch } from "./torch";

/** The backends ResLab knows how to load, in default order of preference. */
export const BACKEND_ORDER = ["torch", "tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as const;

/** A backend ResLab can select. */
export type BackendName = (typeof BACKEND_ORDER)[number];

/** Accepted spellings for `RESLAB_BACKEND` and `%backend NAME`. */
const ALIASES: Record<string, BackendName> = {
  torch: "torch",
  libtorch: "torch",
  "tfjs-node-gpu": "tfjs-node-gpu",
  "node-gpu": "tfjs-node-gpu",
  gpu: "tfjs-node-gpu",
  "tfjs-node": "tfjs-node",
  node: "tfjs-node",
  tensorflow: "tfjs-node",
  wasm: "wasm",
  cpu: "cpu",
};

/** One backend that was tried, with the reason it was or was not used. */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was used, or the first line of the error that ruled it out. */
  reason: string;
}

/** What {@link selectBackend} decided. */
export interface BackendReport {
  /** The backend now active. */
  active: BackendName;
  /** tfjs' own name for it (`torch`, `tensorflow`, `wasm`, `cpu`). */
  tfName: string;
  /** Every backend tried, in order, until one worked. */
  attempts: BackendAttempt[];
  /** The backend the user asked for (RESLAB_BACKEND or an explicit request), if any. */
  requested?: BackendName;
}

/** Loads one backend and makes it active; throws with a reason when it cannot. */
export type BackendLoader = () => Promise<string>;

/** Parses a backend name or alias; throws a clear error listing the valid names. */
export function parseBackendName(name: string): BackendName {
  const key = name.trim().toLowerCase();
  const found = ALIASES[key];
  if (!found) {
    throw new Error(
      `Unknown backend "${name}". Use one of: ${BACKEND_ORDER.join(", ")} (aliases: libtorch, gpu, node, tensorflow).`,
    );
  }
  return found;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].trim();
}

async function activate(tfName: string): Promise<string> {
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend("${tfName}") returned false (the backend failed to initialise)`);
  await tf.ready();
  return tfName;
}

function isModuleMissing(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${pkg}'`);
}

function nativeLoader(pkg: string): BackendLoader {
  return async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
    } catch (e) {
      if (isModuleMissing(e, pkg)) throw new Error(`${pkg} is not installed`);
      throw new Error(`${pkg} is installed but did not load: ${firstLine(e)}`);
    }
    return activate("tensorflow");
  };
}

/** Hooks run after a backend becomes active (e.g. extra kernels registered for wasm). */
const readyHooks: Array<(name: BackendName) => void | Promise<void>> = [];

/** Registers a hook run every time a backend becomes active. */
export function onBackendActivated(hook: (name: BackendName) => void | Promise<void>): void {
  readyHooks.push(hook);
}

/** The real loaders, one per backend. */
export const DEFAULT_LOADERS: Record<BackendName, BackendLoader> = {
  torch: async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { activateTorch } = require("./torch") as typeof import("./torch");
    return activateTorch();
  },
  "tfjs-node-gpu": nativeLoader("@tensorflow/tfjs-node-gpu"),
  "tfjs-node": nativeLoader("@tensorflow/tfjs-node"),
  wasm: async () => {
    require("@tensorflow/tfjs-backend-wasm");
    // The wasm backend lacks some gradient kernels (e.g. Conv2DBackpropFilter): add ours first.
    require("./wasm-kernels").registerWasmGradientKernels();
    return activate("wasm");
  },
  cpu: async () => activate("cpu"),
};

let current: BackendReport | undefined;

/** Options of {@link selectBackend}. */
export interface SelectOptions {
  /** A backend to try first; defaults to `process.env.RESLAB_BACKEND`. */
  prefer?: string;
  /** Loaders to use instead of the real ones (tests inject failing loaders here). */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
  /** When true, a `prefer` that fails is an error instead of a fallback. */
  strict?: boolean;
}

/**
 * Picks and activates a backend: the preferred one first (if any), then the default order.
 * Returns a report naming the active backend and why every earlier one was not used.
 */
export async function selectBackend(opts: SelectOptions = {}): Promise<BackendReport> {
  const preferText = opts.prefer ?? process.env.RESLAB_BACKEND;
  const requested = preferText ? parseBackendName(preferText) : undefined;
  const loaders = { ...DEFAULT_LOADERS, ...(opts.loaders ?? {}) };
  const order: BackendName[] = requested
    ? [requested, ...BACKEND_ORDER.filter((b) => b !== requested)]
    : [...BACKEND_ORDER];
  // Cheaper BatchNorm gradient (same values as tfjs' own), for every backend.
  registerBatchNormGradient();
  // One-pass ReLU and Mean gradients and the fused training batch norm's (same values everywhere).
  registerFusedGradients();
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      const tfName = await loaders[name]();
      attempts.push({
        name,
        ok: true,
        reason: name === requested ? "requested" : attempts.length === 0 ? "first in order" : "first that loaded",
      });
      current = { active: name, tfName, attempts, requested };
      for (const hook of readyHooks) await hook(name);
      return current;
    } catch (e) {
      attempts.push({ name, ok: false, reason: firstLine(e) });
      if (opts.strict && name === requested) {
        throw new Error(`Backend ${name} could not be used: ${firstLine(e)}`);
      }
    }
  }
  throw new Error(
    "No tfjs backend could be activated:\n" + attempts.map((a) => `  ${a.name}: ${a.reason}`).join("\n"),
  );
}

/** The report of the last selection, or undefined before any. */
export function currentBackend(): BackendReport | undefined {
  return current;
}

/** The active backend as one line, e.g. "wasm (tfjs-node-gpu: not installed; …)". */
export function describeBackend(report: BackendReport | undefined = current): string {
  if (!report) return `${tf.getBackend() ?? "none"} (not selected by ResLab)`;
  const others = report.attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason}`);
  const active = report.active === "torch" ? `torch [${describeTorch() ?? "libtorch"}]` : report.active;
  return others.length ? `${active} (${others.join("; ")})` : active;
}

/** Ensures a backend is selected (selecting with the defaults if none is), and returns the report. */
export async function ensureBackend(): Promise<BackendReport> {
  return current ?? selectBackend();
}
