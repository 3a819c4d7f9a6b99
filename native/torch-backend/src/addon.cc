// reslab_torch: the module entry point, the tensor store, host <-> tensor copies, and the
// runtime settings (threads, device) of ResLab's libtorch backend for tfjs.
#include "store.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/Context.h>
#include <torch/version.h>
#include <malloc.h>

#include <cstring>
#include <stdexcept>

namespace reslab {

namespace {

std::vector<at::Tensor> g_tensors;   // handle -> tensor (undefined when free)
std::vector<int64_t> g_free;         // free handles, reused
int64_t g_live = 0;
Napi::Reference<Napi::Int32Array> g_metaRef;
int32_t* g_meta = nullptr;
size_t g_metaLen = 0;
at::Device g_device(at::kCPU);

size_t writeMeta(size_t at, const at::Tensor& t) {
  const auto rank = static_cast<size_t>(t.dim());
  if (g_meta == nullptr || at + 2 + rank > g_metaLen) throw std::runtime_error("reslab_torch: meta buffer missing or too small");
  g_meta[at] = codeOf(t.scalar_type());
  g_meta[at + 1] = static_cast<int32_t>(rank);
  for (size_t d = 0; d < rank; d++) g_meta[at + 2 + d] = static_cast<int32_t>(t.size(static_cast<int64_t>(d)));
  return at + 2 + rank;
}

at::Tensor normalise(at::Tensor t) {
  switch (t.scalar_type()) {
    case at::kFloat:
    case at::kInt:
    case at::kBool:
      return t;
    case at::kLong:
    case at::kShort:
    case at::kChar:
    case at::kByte:
      return t.to(at::kInt);
    default:
      return t.to(at::kFloat);
  }
}

int64_t store(at::Tensor t) {
  int64_t id;
  if (!g_free.empty()) {
    id = g_free.back();
    g_free.pop_back();
    g_tensors[static_cast<size_t>(id)] = std::move(t);
  } else {
    id = static_cast<int64_t>(g_tensors.size());
    g_tensors.push_back(std::move(t));
  }
  g_live++;
  return id;
}

size_t elementSize(int code) { return code == kFloat32 || code == kInt32 ? 4 : 1; }

}  // namespace

at::ScalarType scalarTypeOf(int code) {
  switch (code) {
    case kFloat32: return at::kFloat;
    case kInt32: return at::kInt;
    case kBool: return at::kBool;
    default: throw std::runtime_error("reslab_torch: unknown dtype code " + std::to_string(code));
  }
}

int codeOf(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return kFloat32;
    case at::kInt: return kInt32;
    case at::kBool: return kBool;
    default: throw std::runtime_error(std::string("reslab_torch: unexpected result dtype ") + c10::toString(type));
  }
}

at::Device& currentDevice() { return g_device; }
at::TensorOptions floatOptions() { return at::TensorOptions().dtype(at::kFloat).device(g_device); }

const at::Tensor& tensorAt(int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= g_tensors.size() || !g_tensors[static_cast<size_t>(id)].defined()) {
    throw std::runtime_error("reslab_torch: no tensor with handle " + std::to_string(id) + " (disposed?)");
  }
  return g_tensors[static_cast<size_t>(id)];
}

const at::Tensor& arg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) throw std::runtime_error("reslab_torch: argument " + std::to_string(i) + " must be a tensor handle");
  return tensorAt(info[i].As<Napi::Number>().Int64Value());
}

bool hasArg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsNumber() && info[i].As<Napi::Number>().Int64Value() >= 0;
}

Napi::Value put(Napi::Env env, at::Tensor t) {
  t = normalise(std::move(t));
  if (g_meta == nullptr) throw std::runtime_error("reslab_torch: setMeta was not called");
  g_meta[0] = 1;
  writeMeta(1, t);
  return Napi::Number::New(env, static_cast<double>(store(std::move(t))));
}

Napi::Value putMany(Napi::Env env, const std::vector<at::Tensor>& ts) {
  if (g_meta == nullptr) throw std::runtime_error("reslab_torch: setMeta was not called");
  auto out = Napi::Array::New(env, ts.size());
  g_meta[0] = static_cast<int32_t>(ts.size());
  size_t at = 1;
  for (size_t i = 0; i < ts.size(); i++) {
    at::Tensor t = normalise(ts[i]);
    at = writeMeta(at, t);
    out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(store(std::move(t)))));
  }
  return out;
}

std::vector<int64_t> intList(const Napi::Value& v) {
  std::vector<int64_t> out;
  if (v.IsNumber()) {
    out.push_back(v.As<Napi::Number>().Int64Value());
  } else if (v.IsArray()) {
    auto a = v.As<Napi::Array>();
    out.reserve(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  } else if (v.IsTypedArray()) {
    auto a = v.As<Napi::Int32Array>();
    for (size_t i = 0; i < a.ElementLength(); i++) out.push_back(a[i]);
  } else if (!v.IsUndefined() && !v.IsNull()) {
    throw std::runtime_error("reslab_torch: expected a number or an array of numbers");
  }
  return out;
}

double num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
int64_t intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
bool boolArg(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }
std::string strArg(const Napi::CallbackInfo& info, size_t i) { return info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : std::string(); }

Napi::Function guarded(Napi::Env env, const char* name, Body body) {
  return Napi::Function::New(
      env,
      [body, name](const Napi::CallbackInfo& info) -> Napi::Value {
        try {
          return body(info);
        } catch (const Napi::Error&) {
          throw;
        } catch (const c10::Error& e) {
          std::string msg = e.what_without_backtrace();
          throw Napi::Error::New(info.Env(), std::string("libtorch (") + name + "): " + msg.substr(0, msg.find('\n')));
        } catch (const std::exception& e) {
          throw Napi::Error::New(info.Env(), std::string(name) + ": " + e.what());
        }
      },
      name);
}

namespace {

// Host values (a typed array of the tfjs dtype) -> a new tensor on the current device.
Napi::Value createTensor(const Napi::CallbackInfo& info) {
  auto shape = intList(info[0]);
  const int code = static_cast<int>(intArg(info, 1));
  auto options = at::TensorOptions().dtype(scalarTypeOf(code));
  at::Tensor t = at::empty(shape, options);
  const size_t bytes = static_cast<size_t>(t.numel()) * elementSize(code);
  if (bytes > 0) {
    if (!info[2].IsTypedArray()) throw std::runtime_error("createTensor: values must be a typed array");
    auto arr = info[2].As<Napi::TypedArray>();
    const size_t have = arr.ByteLength();
    if (have != bytes) {
      throw std::runtime_error("createTensor: " + std::to_string(have) + " bytes of values for a tensor of " + std::to_string(bytes));
    }
    const auto* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    std::memcpy(t.data_ptr(), src, bytes);
  }
  if (!g_device.is_cpu()) t = t.to(g_device);
  return put(info.Env(), std::move(t));
}

// A tensor's values, copied to a new typed array (Float32Array / Int32Array / Uint8Array).
Napi::Value readTensor(const Napi::CallbackInfo& info) {
  at::Tensor t = arg(info, 0);
  const int code = codeOf(t.scalar_type());
  at::Tensor host = t.to(at::kCPU).contiguous();
  const size_t n = static_cast<size_t>(host.numel());
  const size_t bytes = n * elementSize(code);
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes > 0) std::memcpy(buf.Data(), host.data_ptr(), bytes);
  if (code == kFloat32) return Napi::Float32Array::New(info.Env(), n, buf, 0);
  if (code == kInt32) return Napi::Int32Array::New(info.Env(), n, buf, 0);
  return Napi::Uint8Array::New(info.Env(), n, buf, 0);
}

Napi::Value deleteTensor(const Napi::CallbackInfo& info) {
  const int64_t id = intArg(info, 0);
  tensorAt(id);  // validates
  g_tensors[static_cast<size_t>(id)] = at::Tensor();
  g_free.push_back(id);
  g_live--;
  return info.Env().Undefined();
}

Napi::Value liveTensors(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(g_live)); }

// Bytes held by live tensors (storage counted once per tensor; views of one storage overcount).
Napi::Value liveBytes(const Napi::CallbackInfo& info) {
  double bytes = 0;
  for (const auto& t : g_tensors) {
    if (t.defined()) bytes += static_cast<double>(t.numel()) * static_cast<double>(t.element_size());
  }
  return Napi::Number::New(info.Env(), bytes);
}

Napi::Value setMeta(const Napi::CallbackInfo& info) {
  auto arr = info[0].As<Napi::Int32Array>();
  g_metaRef = Napi::Persistent(arr);
  g_meta = arr.Data();
  g_metaLen = arr.ElementLength();
  return info.Env().Undefined();
}

Napi::Value setThreads(const Napi::CallbackInfo& info) {
  const int n = static_cast<int>(intArg(info, 0));
  if (n < 1) throw std::runtime_error("threads must be >= 1");
  at::set_num_threads(n);
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value setDevice(const Napi::CallbackInfo& info) {
  const std::string name = strArg(info, 0);
  if (name == "cuda") {
    if (!at::hasCUDA()) throw std::runtime_error("this libtorch has no CUDA (or no GPU is visible); use RESLAB_DEVICE=cpu or a CUDA build of libtorch");
    g_device = at::Device(at::kCUDA, 0);
  } else if (name == "cpu") {
    g_device = at::Device(at::kCPU);
  } else {
    throw std::runtime_error("unknown device \"" + name + "\" (use cpu or cuda)");
  }
  return Napi::String::New(info.Env(), g_device.str());
}

Napi::Value runtimeInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("version", Napi::String::New(env, TORCH_VERSION));
  o.Set("threads", Napi::Number::New(env, at::get_num_threads()));
  o.Set("mkldnn", Napi::Boolean::New(env, at::hasMKLDNN()));
  o.Set("cudaAvailable", Napi::Boolean::New(env, at::hasCUDA()));
  o.Set("device", Napi::String::New(env, g_device.str()));
  o.Set("parallel", Napi::String::New(env, at::get_parallel_info()));
  return o;
}

// Runs queued device work to completion (CUDA); a no-op on the CPU.
Napi::Value synchronize(const Napi::CallbackInfo& info) {
  if (g_device.is_cuda()) {
    at::Tensor probe = at::zeros({1}, at::TensorOptions().device(g_device));
    probe.cpu();
  }
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Freed multi-MB activations would go back to the OS and fault in again on every step (each
  // page fault is costly in VMs): keep them in the heap instead.
  // (glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 = 32 MiB on 64-bit: larger values
  // are silently ignored, so use exactly that.)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  exports.Set("createTensor", guarded(env, "createTensor", createTensor));
  exports.Set("readTensor", guarded(env, "readTensor", readTensor));
  exports.Set("deleteTensor", guarded(env, "deleteTensor", deleteTensor));
  exports.Set("liveTensors", guarded(env, "liveTensors", liveTensors));
  exports.Set("liveBytes", guarded(env, "liveBytes", liveBytes));
  exports.Set("setMeta", guarded(env, "setMeta", setMeta));
  exports.Set("setThreads", guarded(env, "setThreads", setThreads));
  exports.Set("setDevice", guarded(env, "setDevice", setDevice));
  exports.Set("runtimeInfo", guarded(env, "runtimeInfo", runtimeInfo));
  exports.Set("synchronize", guarded(env, "synchronize", synchronize));
  registerElementwise(env, exports);
  registerShape(env, exports);
  registerNN(env, exports);
  registerLinalg(env, exports);
  return exports;
}

}  // namespace reslab

static Napi::Object InitReslabTorch(Napi::Env env, Napi::Object exports) { return reslab::Init(env, exports); }

NODE_API_MODULE(reslab_torch, InitReslabTorch)
