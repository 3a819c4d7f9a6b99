/**
 * Reductions: Sum, Mean, Max, Min, Prod, All, Any over any set of axes (keepDims), and
 * ArgMax / ArgMin along one axis, with tfjs' result dtypes (the addon applies them).
 */
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { axesOf, registerTorchKernel } from "./register";

export function registerReduceKernels(native: TorchNative): void {
  native.reduceOps.forEach((name, op) => {
    registerTorchKernel(name, ({ inputs, attrs, backend }) => {
      const x = inputs.x as TensorInfo;
      const a = attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims?: boolean };
      const axes = axesOf(name === "Max" ? a.reductionIndices : a.axis, x.shape);
      return backend.output(native.reduce(op, backend.handle(x), axes, !!a.keepDims));
    });
  });
}
