/**
 * Convolutions and pooling on NHWC tensors: Conv2D, FusedConv2D (bias + activation), both
 * convolution gradients, the depthwise convolution and its gradients, AvgPool (and its gradient) and MaxPool.
 * tfjs computes the geometry (output size, TF "same" padding, which may be asymmetric) and the
 * addon runs ATen's channels-last convolutions on it. NCHW data goes to the cpu fallback.
 */
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { fallbackKernel } from "../fallback";
import { padsOf, registerTorchKernel, type TorchKernel } from "./register";

type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Shape4 = [number, number, number, number];

const pair = (v: number | number[] | undefined): number[] => (v == null ? [1, 1] : typeof v === "number" ? [v, v] : [v[0], v[1]]);

/** Runs `native` for NHWC data and tfjs' cpu kernel for anything else. */
function nhwcOnly(name: string, native: TorchKernel): TorchKernel {
  const fallback = fallbackKernel(name);
  return (args) => ((args.attrs as Attrs).dataFormat === "NCHW" ? fallback(args) : native(args));
}

export function registerConvKernels(native: TorchNative): void {
  const forward = (depthwise: boolean, fused: boolean): TorchKernel => ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const f = inputs.filter as TensorInfo;
    const a = attrs as Attrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, f.shape as Shape4, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, depthwise);
    return backend.output(
      native.conv2d(
        backend.handle(x),
        backend.handle(f),
        [info.strideHeight, info.strideWidth],
        padsOf(info),
        [info.dilationHeight, info.dilationWidth],
        fused ? backend.handle(inputs.bias as TensorInfo) : -1,
        fused ? (a.activation ?? "linear") : "linear",
        fused ? backend.handle(inputs.preluActivationWeights as TensorInfo) : -1,
        a.leakyreluAlpha ?? 0.2,
        depthwise ? x.shape[3] : 1,
      ),
    );
  };
  registerTorchKernel("Conv2D", nhwcOnly("Conv2D", forward(false, false)));
  registerTorchKernel("FusedConv2D", nhwcOnly("FusedConv2D", forward(false, true)));
  registerTorchKernel("DepthwiseConv2dNative", nhwcOnly("DepthwiseConv2dNative", forward(true, false)));
  registerTorchKernel("FusedDepthwiseConv2D", nhwcOnly("FusedDepthwiseConv2D", forward(true, true)));

  const backpropInput = (depthwise: boolean): TorchKernel => ({ inputs, attrs, backend }) => {
    const dy = inputs.dy as TensorInfo;
    const f = inputs.filter as TensorInfo;
    const a = attrs as Attrs;
    const inputShape = a.inputShape as Shape4;
    const info = tf.backend_util.computeConv2DInfo(inputShape, f.shape as Shape4, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, depthwise);
    return backend.output(
      native.conv2dBackpropInput(backend.handle(dy), backend.handle(f), inputShape, [info.strideHeight, info.strideWidth], padsOf(info), [info.dilationHeight, info.dilationWidth], depthwise ? inputShape[3] : 1),
    );
  };
  const backpropFilter = (depthwise: boolean): TorchKernel => ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const a = attrs as Attrs;
    const filterShape = a.filterShape as Shape4;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, depthwise);
    return backend.output(
      native.conv2dBackpropFilter(backend.handle(x), backend.handle(dy), filterShape, [info.strideHeight, info.strideWidth], padsOf(info), [info.dilationHeight, info.dilationWidth], depthwise ? x.shape[3] : 1),
    );
  };
  registerTorchKernel("Conv2DBackpropInput", nhwcOnly("Conv2DBackpropInput", backpropInput(false)));
  registerTorchKernel("Conv2DBackpropFilter", nhwcOnly("Conv2DBackpropFilter", backpropFilter(false)));
  registerTorchKernel("DepthwiseConv2dNativeBackpropInput", backpropInput(true));
  registerTorchKernel("DepthwiseConv2dNativeBackpropFilter", backpropFilter(true));

  for (const [name, isMax] of [["AvgPool", false], ["MaxPool", true]] as const) {
    registerTorchKernel(name, ({ inputs, attrs, backend }) => {
      const x = inputs.x as TensorInfo;
      const a = attrs as Attrs;
      const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      if (info.filterWidth === 1 && info.filterHeight === 1 && tf.util.arraysEqual(info.inShape, info.outShape)) return backend.share(x);
      return backend.output(native.pool(backend.handle(x), isMax, pair([info.filterHeight, info.filterWidth]), [info.strideHeight, info.strideWidth], padsOf(info)));
    });
  }
  registerTorchKernel("AvgPoolGrad", ({ inputs, attrs, backend }) => {
    const x = inputs.input as TensorInfo;
    const a = attrs as Attrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    return backend.output(native.avgPoolGrad(backend.handle(inputs.dy as TensorInfo), backend.handle(x), pair([info.filterHeight, info.filterWidth]), [info.strideHeight, info.strideWidth], padsOf(info)));
  });
}
