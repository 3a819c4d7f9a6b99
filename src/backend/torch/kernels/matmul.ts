/**
 * Matrix products: BatchMatMul (batch dimensions broadcast) and _FusedMatMul (with bias and
 * activation, as tf.layers.dense runs).
 */
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { registerTorchKernel } from "./register";

type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function registerMatMulKernels(native: TorchNative): void {
  registerTorchKernel("BatchMatMul", ({ inputs, attrs, backend }) => {
    const a = attrs as Attrs;
    return backend.output(native.matmul(backend.handle(inputs.a as TensorInfo), backend.handle(inputs.b as TensorInfo), !!a.transposeA, !!a.transposeB, -1, "linear", -1, 0));
  });
  registerTorchKernel("_FusedMatMul", ({ inputs, attrs, backend }) => {
    const a = attrs as Attrs;
    return backend.output(
      native.matmul(
        backend.handle(inputs.a as TensorInfo),
        backend.handle(inputs.b as TensorInfo),
        !!a.transposeA,
        !!a.transposeB,
        backend.handle(inputs.bias as TensorInfo),
        a.activation ?? "linear",
        backend.handle(inputs.preluActivationWeights as TensorInfo),
        a.leakyreluAlpha ?? 0.2,
      ),
    );
  });
}
