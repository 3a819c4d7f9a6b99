/**
 * `%memory`: tfjs memory in use (tensors, data buffers, bytes) on the active backend.
 */
import * as tf from "@tensorflow/tfjs";
import { formatBytes, formatCount } from "../../../src/display/format";
import { JUPYTER_DISPLAY } from "../../../src/display/mime";
import type { MagicSpec } from "../types";

/** tf.memory() plus the backend name. */
export interface MemoryReport {
  backend: string;
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  /** True when tfjs says byte counts may be incomplete (e.g. string tensors). */
  unreliable: boolean;
}

export function memoryReport(): MemoryReport {
  const m = tf.memory() as tf.MemoryInfo & { unreliable?: boolean };
  return { backend: tf.getBackend(), numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes, unreliable: !!m.unreliable };
}

export const memoryMagic: MagicSpec = {
  name: "memory",
  mode: "line",
  summary: "Show tfjs memory: live tensors, data buffers and bytes on the active backend.",
  run(_call, ctx) {
    const r = memoryReport();
    const text =
      `backend: ${r.backend}\ntensors: ${formatCount(r.numTensors)}\ndata buffers: ${formatCount(r.numDataBuffers)}\n` +
      `bytes: ${formatCount(r.numBytes)} (${formatBytes(r.numBytes)})${r.unreliable ? " — may be incomplete" : ""}`;
    const html =
      `<table><tbody><tr><th>backend</th><td>${r.backend}</td></tr><tr><th>tensors</th><td>${formatCount(r.numTensors)}</td></tr>` +
      `<tr><th>data buffers</th><td>${formatCount(r.numDataBuffers)}</td></tr><tr><th>bytes</th><td>${formatCount(r.numBytes)} (${formatBytes(r.numBytes)})</td></tr></tbody></table>`;
    ctx.display({ [JUPYTER_DISPLAY]: () => ({ "text/plain": text, "text/html": html }) });
    return r;
  },
};
