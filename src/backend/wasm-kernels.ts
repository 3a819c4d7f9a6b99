/**
 * Gradient kernels the tfjs wasm backend does not ship, written with kernels it does.
 *
 * `Conv2DBackpropFilter` (the filter gradient of every convolution, including the fused
 * convolutions tf.layers uses) is missing from @tensorflow/tfjs-backend-wasm, so training any
 * conv net fails there. It is one forward convolution in disguise:
 *
 *   dW[i, j, ci, co] = Σ_{b, oh, ow} x[b, oh·s + i − padTop, ow·s + j − padLeft, ci] · dy[b, oh, ow, co]
 *
 * Treat input channels as the batch and the batch as channels: x → [Cin, H, W, B] and
 * dy → [Ho, Wo, B, Cout] as the filter; a stride-1 convolution whose dilation is the original
 * stride gives [Cin, kh, kw, Cout], transposed back to [kh, kw, Cin, Cout]. XNNPACK runs it.
 * Registered automatically when the wasm backend becomes active.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";

type Backend = { disposeData(dataId: object): boolean };

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`the wasm backend has no ${name} kernel (needed for Conv2DBackpropFilter)`);
  return k.kernelFunc;
}

/** Runs a wasm kernel by name; the caller owns (and must dispose) the result. */
function run(name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>, backend: unknown): TensorInfo {
  return kernel(name)({ inputs, attrs: attrs as never, backend: backend as never }) as TensorInfo;
}

/** Conv2DBackpropFilter for NHWC on wasm, as a dilated forward convolution. */
export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: "same" | "valid" | number | number[][];
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  if (dataFormat && dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only (got ${dataFormat}); transpose to NHWC first.`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad as never,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [, H, W] = x.shape;
  const { top, left } = info.padInfo;
  // Rows/cols of x that the convolution reads: [-top, (Ho-1)*s + k - top).
  let bottom = (info.outHeight - 1) * sh + kh - H - top;
  let right = (info.outWidth - 1) * sw + kw - W - left;
  const owned: TensorInfo[] = [];
  const b = backend as Backend;
  try {
    let xin = x;
    if (bottom < 0 || right < 0) {
      // Trailing rows/cols that no output reads: crop them (explicit padding cannot be negative).
      const h = bottom < 0 ? H + bottom : H;
      const w = right < 0 ? W + right : W;
      xin = run("Slice", { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], h, w, x.shape[3]] }, backend);
      owned.push(xin);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const xT = run("Transpose", { x: xin }, { perm: [3, 1, 2, 0] }, backend);
    owned.push(xT);
    const dyT = run("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }, backend);
    owned.push(dyT);
    const out = run(
      "Conv2D",
      { x: xT, filter: dyT },
      { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: "NHWC", dilations: [sh, sw], dimRoundingMode: undefined },
      backend,
    );
    owned.push(out);
    return run("Transpose", { x: out }, { perm: [1, 2, 0, 3] }, backend);
  } finally {
    for (const t of owned) b.disposeData(t.dataId);
  }
};

/** The kernels ResLab adds to the wasm backend. */
export const WASM_GRADIENT_KERNELS: KernelConfig[] = [
  { kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilterWasm },
];

/** Registers the missing kernels on the wasm backend (idempotent; never replaces a shipped kernel). */
export function registerWasmGradientKernels(): string[] {
  const added: string[] = [];
  for (const k of WASM_GRADIENT_KERNELS) {
    if (!tf.getKernel(k.kernelName, k.backendName)) {
      tf.registerKernel(k);
      added.push(k.kernelName);
    }
  }
  return added;
}
