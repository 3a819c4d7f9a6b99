/**
 * Loads ResLab's libtorch addon (native/torch-backend, built by `scripts/build-native.sh`).
 *
 * The addon is optional: when it was not built (no libtorch) or does not load (a C++ ABI or
 * library mismatch), {@link loadNative} throws an error that says why and what to do, and the
 * backend selection moves on to the next backend.
 */
import * as fs from "fs";
import * as path from "path";

/** tfjs dtypes the addon stores, by code (see native/torch-backend/src/store.h). */
export const DTYPE_CODES = { float32: 0, int32: 1, bool: 2 } as const;
export const DTYPES = ["float32", "int32", "bool"] as const;

/** What libtorch reports about itself. */
export interface TorchRuntimeInfo {
  /** libtorch's version, e.g. "1.13.0". */
  version: string;
  /** Intra-op threads in use. */
  threads: number;
  /** Whether ATen was built with oneDNN (MKL-DNN), which runs the convolutions. */
  mkldnn: boolean;
  cudaAvailable: boolean;
  /** The device new tensors go to: "cpu" or "cuda:0". */
  device: string;
  /** ATen's parallel-backend description (OpenMP, thread counts). */
  parallel: string;
}

/** A tensor handle in the addon's store. -1 stands for "no tensor" in optional arguments. */
export type Handle = number;

/** The addon's functions (each documented in the C++ file that defines it). */
export interface TorchNative {
  createTensor(shape: number[], dtype: number, values: ArrayBufferView): Handle;
  readTensor(id: Handle): Float32Array | Int32Array | Uint8Array;
  deleteTensor(id: Handle): void;
  liveTensors(): number;
  liveBytes(): number;
  setMeta(meta: Int32Array): void;
  setThreads(n: number): number;
  setDevice(name: "cpu" | "cuda"): string;
  runtimeInfo(): TorchRuntimeInfo;
  synchronize(): void;
  unaryOps: string[];
  binaryOps: string[];
  reduceOps: string[];
  unary(op: number, x: Handle, a?: number, b?: number): Handle;
  binary(op: number, a: Handle, b: Handle): Handle;
  cast(x: Handle, dtype: number): Handle;
  /** The sum of same-shaped tensors. */
  addN(xs: Handle[]): Handle;
  reduce(op: number, x: Handle, axes: number[], keepDims: boolean): Handle;
  reshape(x: Handle, shape: number[]): Handle;
  alias(x: Handle): Handle;
  contiguous(x: Handle): Handle;
  transpose(x: Handle, perm: number[]): Handle;
  slice(x: Handle, begin: number[], size: number[]): Handle;
  stridedSlice(x: Handle, begin: number[], end: number[], strides: number[], outShape: number[]): Handle;
  concat(xs: Handle[], axis: number): Handle;
  stack(xs: Handle[], axis: number): Handle;
  unstack(x: Handle, axis: number): Handle[];
  split(x: Handle, sizes: number[], axis: number): Handle[];
  tile(x: Handle, reps: number[]): Handle;
  broadcastTo(x: Handle, shape: number[]): Handle;
  pad(x: Handle, paddings: number[], value: number): Handle;
  mirrorPad(x: Handle, paddings: number[], symmetric: boolean): Handle;
  reverse(x: Handle, dims: number[]): Handle;
  gather(x: Handle, indices: Handle, axis: number): Handle;
  oneHot(indices: Handle, depth: number, on: number, off: number, dtype: number): Handle;
  select(condition: Handle, t: Handle, e: Handle): Handle;
  fill(shape: number[], value: number, dtype: number): Handle;
  range(start: number, step: number, count: number, dtype: number): Handle;
  cumulative(x: Handle, axis: number, exclusive: boolean, reverse: boolean, product: boolean): Handle;
  topk(x: Handle, k: number, sorted: boolean): Handle[];
  nonzero(x: Handle): Handle;
  conv2d(x: Handle, filter: Handle, strides: number[], pads: number[], dilations: number[], bias: Handle, activation: string, prelu: Handle, leakyAlpha: number, groups: number): Handle;
  conv2dBackpropInput(dy: Handle, filter: Handle, inputShape: number[], strides: number[], pads: number[], dilations: number[], groups: number): Handle;
  conv2dBackpropFilter(x: Handle, dy: Handle, filterShape: number[], strides: number[], pads: number[], dilations: number[], groups: number): Handle;
  batchNorm(x: Handle, mean: Handle, variance: Handle, offset: Handle, scale: Handle, eps: number): Handle;
  batchNormTrain(x: Handle, scale: Handle, offset: Handle, eps: number): Handle[];
  batchNormTrainGrad(dy: Handle, x: Handle, scale: Handle, mean: Handle, invstd: Handle, eps: number): Handle[];
  reluGrad(dy: Handle, x: Handle): Handle;
  softmax(x: Handle, dim: number, log: boolean): Handle;
  pool(x: Handle, max: boolean, filter: number[], strides: number[], pads: number[]): Handle;
  /** The input gradient of pool(x, false, …) (average pooling, TF's count of real cells). */
  avgPoolGrad(dy: Handle, x: Handle, filter: number[], strides: number[], pads: number[]): Handle;
  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean, bias: Handle, activation: string, prelu: Handle, leakyAlpha: number): Handle;
  basisCreate(capacity: number, n: number): number;
  basisFree(basis: number): void;
  basisOrthogonalise(basis: number, count: number, v: Float64Array | Handle, passes: number): Float64Array;
  basisSet(basis: number, row: number, v: Float64Array | Handle): void;
  basisCombine(basis: number, count: number, coefficients: Float64Array): Float64Array;
  /** Appends the rows of W ([b, n]) orthonormalised against the basis and each other; returns how many were kept. */
  basisExtend(basis: number, count: number, W: Float64Array | Handle): number;
  /** Rows start..start+count-1 as a float32 tensor [count, n]. */
  basisRows(basis: number, start: number, count: number): Handle;
  /**
   * One block Lanczos step (see linalg.cc): fills H from A·Q[done:count], appends the next block;
   * returns rows added. `band` is the first row of the previous block (taken off first).
   */
  blockLanczosStep(Q: number, H: number, done: number, count: number, AW: Handle, maxRows: number, band: number): number;
  /** The k largest eigenvalues of H[0:count, 0:count], descending. */
  basisRitzValues(H: number, count: number, k: number): Float64Array;
  /** Eigenvalues of the smaller Gram matrix (JᵀJ or JJᵀ) of the matrix J, in float64, descending. */
  gramEigenvalues(J: Handle): Float64Array;
}

/** The addon's folder (native/torch-backend); RESLAB_TORCH_ADDON may name another built .node file. */
export function findRoot(): string {
  // Works from src/ (ts-jest) and from dist/src/ (compiled).
  for (const up of ["../../..", "../../../.."]) {
    const dir = path.resolve(__dirname, up, "native/torch-backend");
    if (fs.existsSync(path.join(dir, "binding.gyp"))) return dir;
  }
  return path.resolve(__dirname, "../../..", "native/torch-backend");
}

let loaded: TorchNative | undefined;

/** Why the addon is absent, from the build's status file (or a generic hint). */
export function buildStatus(): string {
  const status = path.join(findRoot(), "build", "STATUS");
  try {
    return fs.readFileSync(status, "utf8").trim();
  } catch {
    return "not built: run `bash scripts/build-native.sh` (needs libtorch: on Debian `apt-get install libtorch-dev`, elsewhere LIBTORCH=/path/to/libtorch)";
  }
}

/** Loads the addon once; throws an error naming the reason and the fix. */
export function loadNative(): TorchNative {
  if (loaded) return loaded;
  const file = process.env.RESLAB_TORCH_ADDON ?? path.join(findRoot(), "build", "Release", "reslab_torch.node");
  if (!fs.existsSync(file)) throw new Error(`libtorch addon ${buildStatus()}`);
  // libtorch's OpenMP threads spin between parallel regions by default. In Node they then compete
  // with V8's own threads and the JavaScript between kernels: small kernels (batch-1 convolutions
  // of the Jacobian products) measured 10–20× slower, at random. Passive waiting is read once, when
  // libgomp loads with the addon; a user's own OMP_WAIT_POLICY wins.
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "passive";
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as TorchNative;
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0];
    const hint = /undefined symbol/.test(msg)
      ? " (C++ ABI or version mismatch between the addon and libtorch: rebuild with `bash scripts/build-native.sh`; see README, Troubleshooting)"
      : /cannot open shared object/.test(msg)
        ? " (libtorch's libraries are not on the loader path: install libtorch-dev or set LIBTORCH and rebuild)"
        : "";
    throw new Error(`libtorch addon did not load: ${msg}${hint}`);
  }
  return loaded;
}
