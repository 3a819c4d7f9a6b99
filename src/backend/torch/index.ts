/**
 * The `torch` backend: registration and start-up.
 *
 * {@link activateTorch} loads the addon, sets libtorch's threads (RESLAB_THREADS, default: the
 * machine's cores) and device (RESLAB_DEVICE=cuda|cpu, default cuda when this libtorch has a
 * GPU), registers the backend with tfjs, its native kernels, and for every other kernel tfjs'
 * cpu backend has, the counted fallback. Then it makes `torch` the active backend.
 */
import * as os from "os";
import * as tf from "@tensorflow/tfjs";
import { TorchBackend } from "./backend";
import { fallbackCounts, fallbackKernel } from "./fallback";
import { registerConvKernels } from "./kernels/conv";
import { registerElementwiseKernels } from "./kernels/elementwise";
import { registerMatMulKernels } from "./kernels/matmul";
import { registerNormKernels } from "./kernels/norm";
import { BACKEND_NAME, NATIVE_KERNELS, registerTorchKernel } from "./kernels/register";
import { registerReduceKernels } from "./kernels/reduce";
import { registerShapeKernels } from "./kernels/shape";
import { loadNative, type TorchNative, type TorchRuntimeInfo } from "./native";

export { TorchBackend } from "./backend";
export { fallbackCounts, resetFallbackCounts } from "./fallback";
export { buildStatus } from "./native";
export type { TorchRuntimeInfo } from "./native";

let registeredWith: TorchNative | undefined;

/** The thread count RESLAB_THREADS asks for (default: all cores); throws on a bad value. */
export function requestedThreads(): number {
  const text = process.env.RESLAB_THREADS;
  if (text === undefined || text === "") return Math.max(1, os.cpus().length);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`RESLAB_THREADS must be a positive integer (got "${text}")`);
  return n;
}

/** The device RESLAB_DEVICE asks for, or cuda when available, else cpu. */
export function requestedDevice(native: TorchNative): "cpu" | "cuda" {
  const text = (process.env.RESLAB_DEVICE ?? "").trim().toLowerCase();
  if (text === "cpu" || text === "cuda") return text;
  if (text !== "") throw new Error(`RESLAB_DEVICE must be cpu or cuda (got "${process.env.RESLAB_DEVICE}")`);
  return native.runtimeInfo().cudaAvailable ? "cuda" : "cpu";
}

function registerOnce(native: TorchNative): void {
  if (registeredWith) return;
  registeredWith = native;
  tf.registerBackend(BACKEND_NAME, () => new TorchBackend(native), 3);
  registerElementwiseKernels(native);
  registerReduceKernels(native);
  registerShapeKernels(native);
  registerConvKernels(native);
  registerMatMulKernels(native);
  registerNormKernels(native);
  for (const config of tf.getKernelsForBackend("cpu")) {
    if (!NATIVE_KERNELS.has(config.kernelName)) {
      tf.registerKernel({ kernelName: config.kernelName, backendName: BACKEND_NAME, kernelFunc: fallbackKernel(config.kernelName) as never });
    }
  }
}

/** Loads, configures and activates the torch backend; returns tfjs' name for it. */
export async function activateTorch(): Promise<string> {
  const native = loadNative();
  native.setThreads(requestedThreads());
  native.setDevice(requestedDevice(native));
  registerOnce(native);
  const ok = await tf.setBackend(BACKEND_NAME);
  if (!ok) throw new Error("tf.setBackend(\"torch\") returned false");
  await tf.ready();
  return BACKEND_NAME;
}

/** libtorch's facts (version, threads, oneDNN, device) once the backend is registered. */
export function torchRuntime(): TorchRuntimeInfo | undefined {
  return registeredWith?.runtimeInfo();
}

/** Kernel names the torch backend runs natively. */
export function nativeKernelNames(): string[] {
  return [...NATIVE_KERNELS].sort();
}

/** One line on libtorch for banners: version, device, threads, oneDNN. */
export function describeTorch(): string | undefined {
  const r = torchRuntime();
  if (!r) return undefined;
  const used = Object.keys(fallbackCounts());
  return `libtorch ${r.version}, device ${r.device}, ${r.threads} thread${r.threads === 1 ? "" : "s"}, oneDNN ${r.mkldnn ? "yes" : "no"}` +
    (used.length ? `; cpu fallbacks used: ${used.join(", ")}` : "");
}

export { registerTorchKernel };
