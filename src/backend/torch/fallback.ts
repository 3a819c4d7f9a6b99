/**
 * The one generic path for kernels the addon does not implement: copy the inputs to tfjs'
 * cpu backend, run its kernel there, copy the results back. Every use is counted per kernel,
 * so `%backend` can list what a session ran outside libtorch, and (with RESLAB_FALLBACK_LOG
 * naming a file) the first use of each kernel is appended to that file for the tests.
 */
import * as fs from "fs";
import * as tf from "@tensorflow/tfjs";
import type { KernelBackend, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import type { TorchBackend } from "./backend";
import type { TorchKernel } from "./kernels/register";

const counts = new Map<string, number>();

/** Kernels that ran through the cpu fallback in this process, with how often. */
export function fallbackCounts(): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
}

/** Forgets the counts (tests). */
export function resetFallbackCounts(): void {
  counts.clear();
}

function note(name: string): void {
  const n = counts.get(name) ?? 0;
  counts.set(name, n + 1);
  const log = process.env.RESLAB_FALLBACK_LOG;
  if (n === 0 && log) {
    try {
      fs.appendFileSync(log, `${name}\n`);
    } catch {
      // the log is a test aid; failing to write it must not break a computation
    }
  }
}

/** A torch kernel that runs tfjs' cpu kernel `name` on copies of its inputs. */
export function fallbackKernel(name: string): TorchKernel {
  return ({ inputs, attrs, backend }) => {
    const config = tf.getKernel(name, "cpu");
    if (!config) throw new Error(`Kernel ${name} is implemented neither by the torch backend nor by tfjs' cpu backend.`);
    note(name);
    const cpu = tf.findBackend("cpu") as KernelBackend & { readSync(d: object): ArrayLike<number>; write(v: unknown, s: number[], d: string): object; disposeData(d: object): boolean };
    const torch = backend as TorchBackend;
    const created: TensorInfo[] = [];
    const toCpu = (t: TensorInfo): TensorInfo => {
      const info = { dataId: cpu.write(torch.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      created.push(info);
      return info;
    };
    const cpuInputs: NamedTensorInfoMap | TensorInfo[] = Array.isArray(inputs)
      ? (inputs as TensorInfo[]).map(toCpu)
      : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t == null ? t : toCpu(t as TensorInfo)]));
    try {
      const out = config.kernelFunc({ inputs: cpuInputs as NamedTensorInfoMap, attrs, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const back = outs.map((o) => torch.makeTensorInfo(o.shape, o.dtype, cpu.readSync(o.dataId) as Float32Array));
      for (const o of outs) cpu.disposeData(o.dataId);
      return Array.isArray(out) ? back : back[0];
    } finally {
      for (const t of created) cpu.disposeData(t.dataId);
    }
  };
}
