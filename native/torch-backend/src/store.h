// The tensor store shared by every op file: tfjs data ids map to integer handles, each holding
// one at::Tensor (a view or its own storage; ATen reference-counts the storage underneath).
//
// Calling convention for every op: arguments are tensor handles, numbers, arrays of numbers and
// strings; a single result is returned as its handle, several as an array of handles. The dtype
// and shape of every result are written into a shared Int32Array ("meta", set once by JS):
//   meta[0] = number of results, then per result: dtype code, rank, dims...
// so JS builds tfjs TensorInfos without a second call per result.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace reslab {

/** tfjs dtypes this backend stores (string and complex64 are not supported). */
enum DtypeCode : int { kFloat32 = 0, kInt32 = 1, kBool = 2 };

at::ScalarType scalarTypeOf(int code);
int codeOf(at::ScalarType type);

/** The device new tensors are created on (CPU, or CUDA when selected and available). */
at::Device& currentDevice();
at::TensorOptions floatOptions();

/** The tensor behind a handle; throws a JS-visible error for an unknown handle. */
const at::Tensor& tensorAt(int64_t id);
/** The tensor behind the handle passed as argument i. */
const at::Tensor& arg(const Napi::CallbackInfo& info, size_t i);
/** True when argument i is a tensor handle (a number >= 0), false for null/undefined/-1. */
bool hasArg(const Napi::CallbackInfo& info, size_t i);

/** Stores a result (normalised to float32 / int32 / bool), writes its meta, returns its handle. */
Napi::Value put(Napi::Env env, at::Tensor t);
/** Stores several results, writes their meta, returns an array of handles. */
Napi::Value putMany(Napi::Env env, const std::vector<at::Tensor>& ts);

std::vector<int64_t> intList(const Napi::Value& v);
double num(const Napi::CallbackInfo& info, size_t i);
int64_t intArg(const Napi::CallbackInfo& info, size_t i);
bool boolArg(const Napi::CallbackInfo& info, size_t i);
std::string strArg(const Napi::CallbackInfo& info, size_t i);

/** A native function body; exceptions (c10::Error included) become JS errors. */
using Body = std::function<Napi::Value(const Napi::CallbackInfo&)>;
Napi::Function guarded(Napi::Env env, const char* name, Body body);

/** Each op file adds its functions to the module's exports. */
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerNN(Napi::Env env, Napi::Object exports);
void registerLinalg(Napi::Env env, Napi::Object exports);

}  // namespace reslab
