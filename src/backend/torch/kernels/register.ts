/**
 * Helpers the kernel files share: registering a kernel for the `torch` backend and turning
 * tfjs' attribute conventions (negative axes, padding modes) into what the addon takes.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import type { TorchBackend } from "../backend";
import { DTYPE_CODES } from "../native";

export const BACKEND_NAME = "torch";

/** Arguments every torch kernel receives. */
export interface TorchKernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: TorchBackend;
}

export type TorchKernel = (args: TorchKernelArgs) => TensorInfo | TensorInfo[];

/** The kernels registered natively, by name (the rest go through the fallback). */
export const NATIVE_KERNELS = new Set<string>();

/** Registers one native kernel for the torch backend. */
export function registerTorchKernel(kernelName: string, fn: TorchKernel): void {
  NATIVE_KERNELS.add(kernelName);
  tf.registerKernel({ kernelName, backendName: BACKEND_NAME, kernelFunc: fn as unknown as KernelFunc });
}

/** tfjs' dtype name as the addon's code. */
export function dtypeCode(dtype: string): number {
  const code = DTYPE_CODES[dtype as keyof typeof DTYPE_CODES];
  if (code === undefined) throw new Error(`torch backend: unsupported dtype ${dtype}`);
  return code;
}

/** Axes as non-negative integers (tfjs accepts a number, an array, or nothing for all). */
export function axesOf(axis: number | number[] | undefined | null, shape: number[]): number[] {
  return tf.util.parseAxisParam(axis ?? (null as unknown as number[]), shape);
}

/** A 2-D conv/pool geometry's padding as [top, bottom, left, right]. */
export function padsOf(info: { padInfo: { top: number; bottom: number; left: number; right: number } }): number[] {
  const p = info.padInfo;
  return [p.top, p.bottom, p.left, p.right];
}
