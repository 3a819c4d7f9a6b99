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
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs";

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

type Shape4 = [number, number, number, number];

/** The attributes the two convolution-gradient kernels share. */
interface ConvGradientAttrs {
  strides: number | [number, number];
  pad: "same" | "valid" | number | number[][];
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Conv2DBackpropFilter for NHWC on wasm, as a dilated forward convolution. */
export const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvGradientAttrs & { filterShape: Shape4 };
  if (dataFormat && dataFormat !== "NHWC") {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only (got ${dataFormat}); transpose to NHWC first.`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
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

let shippedBackpropInput: KernelFunc | undefined;

/**
 * Conv2DBackpropInput for stride 1 as a forward convolution (XNNPACK) of dy with the filter
 * flipped in space and transposed in channels:
 *
 *   dx[b, h, w, ci] = Σ_{i', j', co} dy[b, h − P + i', w − Q + j', co] · W[kh−1−i', kw−1−j', ci, co]
 *
 * with leading padding P = kh − 1 − padTop (Q likewise). The kernel tfjs ships for wasm is a
 * naive loop, about 10× slower. Strides above 1 (here only the 1×1 down-sampling convolutions)
 * keep the shipped kernel.
 */
export const conv2DBackpropInputWasm: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvGradientAttrs & { inputShape: Shape4 };
  const [sh, sw] = typeof strides === "number" ? [strides, strides] : strides;
  const shipped = shippedBackpropInput;
  if ((dataFormat && dataFormat !== "NHWC") || sh !== 1 || sw !== 1) {
    if (!shipped) throw new Error("Conv2DBackpropInput: no wasm kernel for this case");
    return shipped(args);
  }
  const [kh, kw] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, 1, 1, pad as never, dimRoundingMode, false, "channelsLast");
  const [, H, W] = inputShape;
  const pt = kh - 1 - info.padInfo.top;
  const pl = kw - 1 - info.padInfo.left;
  const pb = H + kh - 1 - pt - info.outHeight;
  const pr = W + kw - 1 - pl - info.outWidth;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) {
    if (!shipped) throw new Error("Conv2DBackpropInput: no wasm kernel for this case");
    return shipped(args);
  }
  const owned: TensorInfo[] = [];
  const b = backend as Backend;
  try {
    const flipped = run("Reverse", { x: filter }, { dims: [0, 1] }, backend);
    owned.push(flipped);
    const wT = run("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] }, backend);
    owned.push(wT);
    return run(
      "Conv2D",
      { x: dy, filter: wT },
      { strides: [1, 1], pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]], dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined },
      backend,
    );
  } finally {
    for (const t of owned) b.disposeData(t.dataId);
  }
};

let shippedIdentity: KernelFunc | undefined;

/**
 * Identity without a copy: the output shares the input's buffer (tfjs tensors are immutable;
 * the cpu backend and wasm's own Reshape do the same). The shipped kernel copies every time,
 * ~4% of a training step (gradients pass through Identity hundreds of times per step).
 */
export const identityWasm: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === "string" && shippedIdentity) return shippedIdentity(args);
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

let registered = false;

/**
 * Adds ResLab's kernels to the wasm backend (idempotent): Conv2DBackpropFilter, which tfjs does
 * not ship, a faster Conv2DBackpropInput that keeps the shipped one for strided cases, and a
 * copy-free Identity.
 * Returns the names of the kernels it (re)registered.
 */
export function registerWasmGradientKernels(): string[] {
  if (registered) return [];
  registered = true;
  const added: string[] = [];
  if (!tf.getKernel("Conv2DBackpropFilter", "wasm")) {
    tf.registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilterWasm });
    added.push("Conv2DBackpropFilter");
  }
  const input = tf.getKernel("Conv2DBackpropInput", "wasm");
  if (input) {
    shippedBackpropInput = input.kernelFunc;
    tf.unregisterKernel("Conv2DBackpropInput", "wasm");
  }
  // Keep the shipped setupFunc: it binds the wasm function the strided fallback calls.
  tf.registerKernel({
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: conv2DBackpropInputWasm,
    setupFunc: input?.setupFunc,
  });
  added.push("Conv2DBackpropInput");
  const identity = tf.getKernel("Identity", "wasm");
  if (identity) {
    shippedIdentity = identity.kernelFunc;
    tf.unregisterKernel("Identity", "wasm");
  }
  tf.registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: identityWasm, setupFunc: identity?.setupFunc });
  added.push("Identity");
  return added;
}
