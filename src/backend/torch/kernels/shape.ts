/**
 * Layout kernels: reshapes and transposes (views), slices, joins and splits, padding,
 * gathers, one-hot, select, fills and ranges, cumulative sums, top-k, softmax.
 * Cases the addon does not cover (GatherV2 with batchDims) go to the cpu fallback.
 */
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs";
import type { TorchNative } from "../native";
import { fallbackKernel } from "../fallback";
import { axesOf, dtypeCode, registerTorchKernel } from "./register";

type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function registerShapeKernels(native: TorchNative): void {
  const reshapeTo = (backend: { handle(t: TensorInfo): number; output(id: number): TensorInfo }, x: TensorInfo, shape: number[]) =>
    backend.output(native.reshape(backend.handle(x), shape));

  registerTorchKernel("Reshape", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const shape = tf.util.inferFromImplicitShape((attrs as Attrs).shape as number[], tf.util.sizeFromShape(x.shape));
    return reshapeTo(backend, x, shape);
  });
  registerTorchKernel("ExpandDims", ({ inputs, attrs, backend }) => {
    const x = inputs.input as TensorInfo;
    const rank = x.shape.length;
    let dim = (attrs as Attrs).dim as number;
    if (dim < 0) dim = rank + dim + 1;
    const shape = x.shape.slice();
    shape.splice(dim, 0, 1);
    return reshapeTo(backend, x, shape);
  });
  registerTorchKernel("Squeeze", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const axis = (attrs as Attrs).axis as number[] | undefined;
    const { newShape } = tf.util.squeezeShape(x.shape, axis && axis.length ? tf.util.parseAxisParam(axis, x.shape) : undefined);
    return reshapeTo(backend, x, newShape);
  });
  registerTorchKernel("Transpose", ({ inputs, attrs, backend }) =>
    backend.output(native.transpose(backend.handle(inputs.x as TensorInfo), (attrs as Attrs).perm)),
  );
  registerTorchKernel("Slice", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, (attrs as Attrs).begin, (attrs as Attrs).size);
    tf.slice_util.assertParamsValid(x, begin, size);
    return backend.output(native.slice(backend.handle(x), begin, size));
  });
  registerTorchKernel("StridedSlice", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const a = attrs as Attrs;
    const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
    return backend.output(native.stridedSlice(backend.handle(x), info.begin, info.end, info.strides, info.finalShape));
  });
  registerTorchKernel("Concat", ({ inputs, attrs, backend }) => {
    const xs = (inputs as unknown as TensorInfo[]).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const all = inputs as unknown as TensorInfo[];
    const axis = tf.util.parseAxisParam((attrs as Attrs).axis, all[0].shape)[0];
    if (xs.length === 0) {
      const shape = tf.backend_util.computeOutShape(all.map((t) => t.shape), axis);
      return backend.output(native.fill(shape, 0, dtypeCode(tf.upcastType(...(all.map((t) => t.dtype) as [tf.DataType, tf.DataType])))));
    }
    return backend.output(native.concat(xs.map((t) => backend.handle(t)), axis));
  });
  registerTorchKernel("Pack", ({ inputs, attrs, backend }) => {
    const xs = inputs as unknown as TensorInfo[];
    let axis = (attrs as Attrs).axis as number;
    if (axis < 0) axis += xs[0].shape.length + 1;
    return backend.output(native.stack(xs.map((t) => backend.handle(t)), axis));
  });
  registerTorchKernel("Unpack", ({ inputs, attrs, backend }) => {
    const x = inputs.value as TensorInfo;
    let axis = (attrs as Attrs).axis as number;
    if (axis < 0) axis += x.shape.length;
    return backend.outputs(native.unstack(backend.handle(x), axis));
  });
  registerTorchKernel("SplitV", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const axis = tf.util.parseAxisParam((attrs as Attrs).axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, (attrs as Attrs).numOrSizeSplits, axis);
    return backend.outputs(native.split(backend.handle(x), sizes, axis));
  });
  registerTorchKernel("Tile", ({ inputs, attrs, backend }) =>
    backend.output(native.tile(backend.handle(inputs.x as TensorInfo), (attrs as Attrs).reps)),
  );
  registerTorchKernel("BroadcastTo", ({ inputs, attrs, backend }) =>
    backend.output(native.broadcastTo(backend.handle(inputs.x as TensorInfo), (attrs as Attrs).shape)),
  );
  registerTorchKernel("PadV2", ({ inputs, attrs, backend }) =>
    backend.output(native.pad(backend.handle(inputs.x as TensorInfo), ((attrs as Attrs).paddings as number[][]).flat(), Number((attrs as Attrs).constantValue ?? 0))),
  );
  registerTorchKernel("MirrorPad", ({ inputs, attrs, backend }) =>
    backend.output(native.mirrorPad(backend.handle(inputs.x as TensorInfo), ((attrs as Attrs).paddings as number[][]).flat(), (attrs as Attrs).mode === "symmetric")),
  );
  registerTorchKernel("Reverse", ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    return backend.output(native.reverse(backend.handle(x), axesOf((attrs as Attrs).dims, x.shape)));
  });
  const gatherFallback = fallbackKernel("GatherV2");
  registerTorchKernel("GatherV2", (args) => {
    const { inputs, attrs, backend } = args;
    if ((attrs as Attrs).batchDims) return gatherFallback(args) as TensorInfo;
    const x = inputs.x as TensorInfo;
    const axis = tf.util.parseAxisParam((attrs as Attrs).axis, x.shape)[0];
    return backend.output(native.gather(backend.handle(x), backend.handle(inputs.indices as TensorInfo), axis));
  });
  registerTorchKernel("OneHot", ({ inputs, attrs, backend }) => {
    const a = attrs as Attrs;
    return backend.output(native.oneHot(backend.handle(inputs.indices as TensorInfo), a.depth, a.onValue ?? 1, a.offValue ?? 0, dtypeCode(a.dtype ?? "int32")));
  });
  registerTorchKernel("Select", ({ inputs, backend }) =>
    backend.output(native.select(backend.handle(inputs.condition as TensorInfo), backend.handle(inputs.t as TensorInfo), backend.handle(inputs.e as TensorInfo))),
  );
  registerTorchKernel("Fill", ({ attrs, backend }) => {
    const a = attrs as Attrs;
    const dtype = a.dtype ?? (typeof a.value === "number" ? "float32" : "string");
    return backend.output(native.fill(a.shape, Number(a.value), dtypeCode(dtype)));
  });
  registerTorchKernel("Range", ({ attrs, backend }) => {
    const { start, stop, step, dtype } = attrs as Attrs;
    const sameSign = start === stop || (start < stop) === (step > 0);
    const count = sameSign && step !== 0 ? Math.abs(Math.ceil((stop - start) / step)) : 0;
    return backend.output(native.range(start, step, count, dtypeCode(dtype ?? "float32")));
  });
  for (const [name, product] of [["Cumsum", false], ["Cumprod", true]] as const) {
    registerTorchKernel(name, ({ inputs, attrs, backend }) => {
      const a = attrs as Attrs;
      return backend.output(native.cumulative(backend.handle(inputs.x as TensorInfo), a.axis, !!a.exclusive, !!a.reverse, product));
    });
  }
  registerTorchKernel("TopK", ({ inputs, attrs, backend }) =>
    backend.outputs(native.topk(backend.handle(inputs.x as TensorInfo), (attrs as Attrs).k, (attrs as Attrs).sorted !== false)),
  );
  registerTorchKernel("Softmax", ({ inputs, attrs, backend }) => {
    const x = inputs.logits as TensorInfo;
    const dim = tf.util.parseAxisParam((attrs as Attrs).dim, x.shape)[0];
    return backend.output(native.softmax(backend.handle(x), dim, false));
  });
}
