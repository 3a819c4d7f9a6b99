/**
 * Element-wise kernels: every unary and binary op the addon has (names listed by the addon
 * itself), casts, Identity (shares the data id, no native call), and the attribute-carrying
 * unaries Step, LeakyRelu, ClipByValue.
 */
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { dtypeCode, registerTorchKernel } from "./register";

/** Unary kernels whose scalar attributes the addon takes as extra arguments. */
const UNARY_ATTRS: Record<string, (attrs: Record<string, unknown>) => number[]> = {
  Step: (a) => [Number(a.alpha ?? 0)],
  LeakyRelu: (a) => [Number(a.alpha ?? 0.2)],
  ClipByValue: (a) => [Number(a.clipValueMin), Number(a.clipValueMax)],
};

export function registerElementwiseKernels(native: TorchNative): void {
  native.unaryOps.forEach((name, op) => {
    const extra = UNARY_ATTRS[name];
    registerTorchKernel(name, ({ inputs, attrs, backend }) => {
      const x = backend.handle(inputs.x as TensorInfo);
      const [a, b] = extra ? extra(attrs as Record<string, unknown>) : [];
      return backend.output(native.unary(op, x, a, b));
    });
  });
  native.binaryOps.forEach((name, op) => {
    const [first, second] = name === "Prelu" ? ["x", "alpha"] : ["a", "b"];
    registerTorchKernel(name, ({ inputs, backend }) =>
      backend.output(native.binary(op, backend.handle(inputs[first] as TensorInfo), backend.handle(inputs[second] as TensorInfo))),
    );
  });
  registerTorchKernel("Cast", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    if (x.dtype === attrs.dtype) return backend.share(x);
    return backend.output(native.cast(backend.handle(x), dtypeCode(attrs.dtype as string)));
  });
  registerTorchKernel("AddN", ({ inputs, backend }) => backend.output(native.addN((inputs as unknown as TensorInfo[]).map((t) => backend.handle(t)))));
  registerTorchKernel("Identity", ({ inputs, backend }) => backend.share(inputs.x as TensorInfo));
}
