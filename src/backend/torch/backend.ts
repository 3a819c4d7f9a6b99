/**
 * `TorchBackend`: a tfjs KernelBackend whose tensors live in libtorch.
 *
 * The design of tfjs-node's backend: a storage map from tfjs data ids to native tensor handles.
 * `write` uploads host values at once, `readSync` copies them out, `disposeData` frees the
 * native tensor when the last tfjs reference goes. Kernels (./kernels) turn TensorInfos into
 * handles with {@link TorchBackend.handle} and results back with {@link TorchBackend.output}.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataType, TensorInfo } from "@tensorflow/tfjs";
import { DTYPE_CODES, DTYPES, type Handle, type TorchNative, type TorchRuntimeInfo } from "./native";

type DataId = object;
type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

interface TensorData {
  /** The native tensor's handle. */
  id: Handle;
  dtype: DataType;
  refCount: number;
}

export class TorchBackend extends tf.KernelBackend {
  readonly native: TorchNative;
  private readonly data: tf.DataStorage<TensorData>;
  /** Results' dtypes and shapes, written by every native op (see store.h). */
  private readonly meta = new Int32Array(4096);

  constructor(native: TorchNative) {
    super();
    this.native = native;
    this.data = new tf.DataStorage<TensorData>(this, tf.engine());
    native.setMeta(this.meta);
  }

  /** libtorch's version, threads, oneDNN and device. */
  runtime(): TorchRuntimeInfo {
    return this.native.runtimeInfo();
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.data.set(dataId, { id: this.upload(values, shape, dtype), dtype, refCount: 1 });
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, { id: this.upload(values, shape, dtype), dtype, refCount });
  }

  private upload(values: BackendValues | null | undefined, shape: number[], dtype: DataType): Handle {
    const code = DTYPE_CODES[dtype as keyof typeof DTYPE_CODES];
    if (code === undefined) {
      throw new Error(`The torch backend stores float32, int32 and bool tensors, not ${dtype}; switch with %backend cpu for ${dtype} tensors.`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    let typed: ArrayBufferView;
    if (values == null) {
      typed = dtype === "float32" ? new Float32Array(size) : dtype === "int32" ? new Int32Array(size) : new Uint8Array(size);
    } else if (dtype === "float32" && !(values instanceof Float32Array)) {
      typed = Float32Array.from(values as ArrayLike<number>);
    } else if (dtype === "int32" && !(values instanceof Int32Array)) {
      typed = Int32Array.from(values as ArrayLike<number>);
    } else if (dtype === "bool" && !(values instanceof Uint8Array)) {
      typed = Uint8Array.from(values as ArrayLike<number>);
    } else {
      typed = values as ArrayBufferView;
    }
    return this.native.createTensor(shape, code, typed);
  }

  makeTensorInfo(shape: number[], dtype: DataType, values?: BackendValues): TensorInfo {
    return { dataId: this.write(values as BackendValues, shape, dtype), shape, dtype };
  }

  override refCount(dataId: DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: DataId): void {
    this.data.get(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override async read(dataId: DataId): Promise<BackendValues> {
    return this.readSync(dataId);
  }

  override readSync(dataId: DataId): BackendValues {
    return this.native.readTensor(this.data.get(dataId).id);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    this.native.deleteTensor(d.id);
    this.data.delete(dataId);
    return true;
  }

  disposeIntermediateTensorInfo(info: TensorInfo): void {
    this.disposeData(info.dataId);
  }

  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const start = performance.now();
    f();
    this.native.synchronize();
    return { kernelMs: performance.now() - start };
  }

  override memory(): { unreliable: boolean; numBytesInLibtorch: number; liveNativeTensors: number } {
    return { unreliable: false, numBytesInLibtorch: this.native.liveBytes(), liveNativeTensors: this.native.liveTensors() };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {}

  /** The native handle behind a TensorInfo. */
  handle(t: TensorInfo | undefined | null): Handle {
    if (t == null) return -1;
    return this.data.get(t.dataId).id;
  }

  /** Wraps the last op's single result (handle `id`) as a TensorInfo. */
  output(id: Handle): TensorInfo {
    const m = this.meta;
    const dtype = DTYPES[m[1]];
    const rank = m[2];
    const shape = new Array<number>(rank);
    for (let d = 0; d < rank; d++) shape[d] = m[3 + d];
    const dataId = {};
    this.data.set(dataId, { id, dtype, refCount: 1 });
    return { dataId, shape, dtype };
  }

  /** Wraps the last op's several results as TensorInfos. */
  outputs(ids: Handle[]): TensorInfo[] {
    const m = this.meta;
    const out: TensorInfo[] = [];
    let at = 1;
    for (let i = 0; i < m[0]; i++) {
      const dtype = DTYPES[m[at]];
      const rank = m[at + 1];
      const shape = Array.from(m.subarray(at + 2, at + 2 + rank));
      at += 2 + rank;
      const dataId = {};
      this.data.set(dataId, { id: ids[i], dtype, refCount: 1 });
      out.push({ dataId, shape, dtype });
    }
    return out;
  }

  /** A TensorInfo sharing `x`'s data (Identity): no native call. */
  share(x: TensorInfo): TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }

  /** where(condition): coordinates of true values, int32 [n, rank]. */
  where(condition: tf.Tensor): tf.Tensor2D {
    const id = this.native.nonzero(this.handle(condition));
    return tf.engine().makeTensorFromTensorInfo(this.output(id)) as tf.Tensor2D;
  }
}
