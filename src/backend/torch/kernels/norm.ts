/**
 * Normalisation kernels: tfjs' FusedBatchNorm (inference: moving statistics), and the fused
 * training kernels behind ResLab's batch-norm layer (src/backend/fused/batch-norm-train.ts):
 * statistics + normalisation in one forward kernel, all three gradients in one backward kernel.
 * Also the one-pass ReLU gradient (src/backend/fused/relu-grad.ts).
 */
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { BN_TRAIN, BN_TRAIN_GRAD, RELU_GRAD } from "../../fused/kernel-names";
import { registerTorchKernel } from "./register";

export function registerNormKernels(native: TorchNative): void {
  registerTorchKernel("FusedBatchNorm", ({ inputs, attrs, backend }) =>
    backend.output(
      native.batchNorm(
        backend.handle(inputs.x as TensorInfo),
        backend.handle(inputs.mean as TensorInfo),
        backend.handle(inputs.variance as TensorInfo),
        backend.handle(inputs.offset as TensorInfo),
        backend.handle(inputs.scale as TensorInfo),
        Number((attrs as { varianceEpsilon?: number }).varianceEpsilon ?? 0.001),
      ),
    ),
  );
  registerTorchKernel(BN_TRAIN, ({ inputs, attrs, backend }) =>
    backend.outputs(
      native.batchNormTrain(
        backend.handle(inputs.x as TensorInfo),
        backend.handle(inputs.scale as TensorInfo),
        backend.handle(inputs.offset as TensorInfo),
        Number((attrs as { varianceEpsilon: number }).varianceEpsilon),
      ),
    ),
  );
  registerTorchKernel(BN_TRAIN_GRAD, ({ inputs, attrs, backend }) =>
    backend.outputs(
      native.batchNormTrainGrad(
        backend.handle(inputs.dy as TensorInfo),
        backend.handle(inputs.x as TensorInfo),
        backend.handle(inputs.scale as TensorInfo),
        backend.handle(inputs.mean as TensorInfo),
        backend.handle(inputs.invstd as TensorInfo),
        Number((attrs as { varianceEpsilon: number }).varianceEpsilon),
      ),
    ),
  );
  registerTorchKernel(RELU_GRAD, ({ inputs, backend }) =>
    backend.output(native.reluGrad(backend.handle(inputs.dy as TensorInfo), backend.handle(inputs.x as TensorInfo))),
  );
}
