// Element-wise kernels (unary, binary with broadcasting, casts) and reductions, with tfjs'
// dtype rules: arithmetic in the upcast dtype (bool < int32 < float32), comparisons give bool,
// float math on int32 gives float32, sums of int32/bool give int32, means give float32.
#include "store.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace reslab {

namespace {

at::ScalarType upcast(at::ScalarType a, at::ScalarType b) {
  if (a == at::kFloat || b == at::kFloat) return at::kFloat;
  if (a == at::kInt || b == at::kInt) return at::kInt;
  return at::kBool;
}

at::Tensor asFloat(const at::Tensor& x) { return x.scalar_type() == at::kFloat ? x : x.to(at::kFloat); }

using Unary = at::Tensor (*)(const at::Tensor&, double, double);

struct UnaryOp {
  const char* name;
  Unary fn;
};

// Ops that keep an int32 input int32 (the rest compute in float32).
at::Tensor keepType(const at::Tensor& x, at::Tensor y) { return y.to(x.scalar_type() == at::kBool ? at::kInt : x.scalar_type()); }

const UnaryOp kUnary[] = {
    {"Abs", [](const at::Tensor& x, double, double) { return keepType(x, at::abs(x.scalar_type() == at::kBool ? x.to(at::kInt) : x)); }},
    {"Acos", [](const at::Tensor& x, double, double) { return at::acos(asFloat(x)); }},
    {"Acosh", [](const at::Tensor& x, double, double) { return at::acosh(asFloat(x)); }},
    {"Asin", [](const at::Tensor& x, double, double) { return at::asin(asFloat(x)); }},
    {"Asinh", [](const at::Tensor& x, double, double) { return at::asinh(asFloat(x)); }},
    {"Atan", [](const at::Tensor& x, double, double) { return at::atan(asFloat(x)); }},
    {"Atanh", [](const at::Tensor& x, double, double) { return at::atanh(asFloat(x)); }},
    {"Ceil", [](const at::Tensor& x, double, double) { return at::ceil(asFloat(x)); }},
    {"Cos", [](const at::Tensor& x, double, double) { return at::cos(asFloat(x)); }},
    {"Cosh", [](const at::Tensor& x, double, double) { return at::cosh(asFloat(x)); }},
    {"Elu", [](const at::Tensor& x, double, double) { return at::elu(asFloat(x)); }},
    {"Erf", [](const at::Tensor& x, double, double) { return at::erf(asFloat(x)); }},
    {"Exp", [](const at::Tensor& x, double, double) { return at::exp(asFloat(x)); }},
    {"Expm1", [](const at::Tensor& x, double, double) { return at::expm1(asFloat(x)); }},
    {"Floor", [](const at::Tensor& x, double, double) { return at::floor(asFloat(x)); }},
    {"IsFinite", [](const at::Tensor& x, double, double) { return at::isfinite(x); }},
    {"IsInf", [](const at::Tensor& x, double, double) { return at::isinf(x); }},
    {"IsNan", [](const at::Tensor& x, double, double) { return at::isnan(x); }},
    {"Log", [](const at::Tensor& x, double, double) { return at::log(asFloat(x)); }},
    {"Log1p", [](const at::Tensor& x, double, double) { return at::log1p(asFloat(x)); }},
    {"LogicalNot", [](const at::Tensor& x, double, double) { return at::logical_not(x); }},
    {"Neg", [](const at::Tensor& x, double, double) { return keepType(x, at::neg(x.scalar_type() == at::kBool ? x.to(at::kInt) : x)); }},
    {"Reciprocal", [](const at::Tensor& x, double, double) { return at::reciprocal(asFloat(x)); }},
    {"Relu", [](const at::Tensor& x, double, double) { return keepType(x, at::relu(x.scalar_type() == at::kBool ? x.to(at::kInt) : x)); }},
    {"Relu6", [](const at::Tensor& x, double, double) { return keepType(x, at::clamp(x.scalar_type() == at::kBool ? x.to(at::kInt) : x, 0, 6)); }},
    // tfjs rounds half to even, as ATen does.
    {"Round", [](const at::Tensor& x, double, double) { return at::round(asFloat(x)); }},
    {"Rsqrt", [](const at::Tensor& x, double, double) { return at::rsqrt(asFloat(x)); }},
    {"Selu", [](const at::Tensor& x, double, double) { return at::selu(asFloat(x)); }},
    {"Sigmoid", [](const at::Tensor& x, double, double) { return at::sigmoid(asFloat(x)); }},
    {"Sign", [](const at::Tensor& x, double, double) { return keepType(x, at::sign(x.scalar_type() == at::kBool ? x.to(at::kInt) : x)); }},
    {"Sin", [](const at::Tensor& x, double, double) { return at::sin(asFloat(x)); }},
    {"Sinh", [](const at::Tensor& x, double, double) { return at::sinh(asFloat(x)); }},
    // tfjs: log(exp(x) + 1) with thresholds; ATen's softplus (threshold 20) agrees in float32.
    {"Softplus", [](const at::Tensor& x, double, double) { return at::softplus(asFloat(x)); }},
    {"Sqrt", [](const at::Tensor& x, double, double) { return at::sqrt(asFloat(x)); }},
    {"Square", [](const at::Tensor& x, double, double) { return keepType(x, at::square(x.scalar_type() == at::kBool ? x.to(at::kInt) : x)); }},
    {"Tan", [](const at::Tensor& x, double, double) { return at::tan(asFloat(x)); }},
    {"Tanh", [](const at::Tensor& x, double, double) { return at::tanh(asFloat(x)); }},
    // Step(alpha): 1 where x > 0, alpha elsewhere, NaN stays NaN.
    {"Step", [](const at::Tensor& x, double alpha, double) {
       at::Tensor xf = asFloat(x);
       at::Tensor y = at::where(xf > 0, at::scalar_tensor(1.0, xf.options()), at::scalar_tensor(alpha, xf.options()));
       return at::where(at::isnan(xf), xf, y);
     }},
    {"LeakyRelu", [](const at::Tensor& x, double alpha, double) {
       at::Tensor xf = asFloat(x);
       return at::where(xf < 0, xf * alpha, xf);
     }},
    {"ClipByValue", [](const at::Tensor& x, double lo, double hi) { return keepType(x, at::clamp(x.scalar_type() == at::kBool ? x.to(at::kInt) : x, lo, hi)); }},
    {"ZerosLike", [](const at::Tensor& x, double, double) { return at::zeros_like(x, at::MemoryFormat::Contiguous); }},
    {"OnesLike", [](const at::Tensor& x, double, double) { return at::ones_like(x, at::MemoryFormat::Contiguous); }},
};

using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

struct BinaryOp {
  const char* name;
  Binary fn;
  bool comparison;  // result is bool
  bool int32Result = false;  // result is int32 whatever the inputs (tfjs' FloorDiv)
};

const BinaryOp kBinary[] = {
    {"Add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }, false},
    {"Sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }, false},
    {"Multiply", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }, false},
    {"RealDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }, false},
    // tfjs gives int32 for FloorDiv whatever the inputs.
    {"FloorDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }, false, true},
    {"Maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }, false},
    {"Minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }, false},
    {"Pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }, false},
    {"SquaredDifference", [](const at::Tensor& a, const at::Tensor& b) { return at::square(at::sub(a, b)); }, false},
    // tfjs' mod takes the sign of the divisor, like ATen's remainder.
    {"Mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }, false},
    {"Atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }, false},
    {"Prelu", [](const at::Tensor& x, const at::Tensor& alpha) { return at::where(x < 0, x * alpha, x); }, false},
    {"Equal", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }, true},
    {"NotEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }, true},
    {"Greater", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }, true},
    {"GreaterEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }, true},
    {"Less", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }, true},
    {"LessEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }, true},
    {"LogicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }, true},
    {"LogicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }, true},
    {"LogicalXor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }, true},
};

constexpr size_t kUnaryCount = sizeof(kUnary) / sizeof(kUnary[0]);
constexpr size_t kBinaryCount = sizeof(kBinary) / sizeof(kBinary[0]);

// unary(op, x, a?, b?)
Napi::Value unary(const Napi::CallbackInfo& info) {
  const int64_t op = intArg(info, 0);
  if (op < 0 || static_cast<size_t>(op) >= kUnaryCount) throw std::runtime_error("unknown unary op");
  const at::Tensor& x = arg(info, 1);
  const double a = info.Length() > 2 && info[2].IsNumber() ? num(info, 2) : 0.0;
  const double b = info.Length() > 3 && info[3].IsNumber() ? num(info, 3) : 0.0;
  return put(info.Env(), kUnary[op].fn(x, a, b));
}

// binary(op, a, b)
Napi::Value binary(const Napi::CallbackInfo& info) {
  const int64_t op = intArg(info, 0);
  if (op < 0 || static_cast<size_t>(op) >= kBinaryCount) throw std::runtime_error("unknown binary op");
  at::Tensor a = arg(info, 1);
  at::Tensor b = arg(info, 2);
  const at::ScalarType t = upcast(a.scalar_type(), b.scalar_type());
  const BinaryOp& spec = kBinary[op];
  if (a.scalar_type() != t) a = a.to(t);
  if (b.scalar_type() != t) b = b.to(t);
  // Arithmetic on bools runs in int32, as tfjs stores it.
  if (!spec.comparison && t == at::kBool) {
    a = a.to(at::kInt);
    b = b.to(at::kInt);
  }
  at::Tensor y = spec.fn(a, b);
  const at::ScalarType want = spec.int32Result ? at::kInt : a.scalar_type();
  if (!spec.comparison && y.scalar_type() != want) y = y.to(want);
  return put(info.Env(), std::move(y));
}

// addN(handles): the sum of same-shaped tensors (tfjs' AddN, which gradients of shared inputs use).
Napi::Value addN(const Napi::CallbackInfo& info) {
  auto ids = intList(info[0]);
  if (ids.empty()) throw std::runtime_error("addN needs at least one tensor");
  at::Tensor sum = tensorAt(ids[0]).clone();
  for (size_t i = 1; i < ids.size(); i++) sum.add_(tensorAt(ids[i]));
  return put(info.Env(), std::move(sum));
}

// cast(x, dtypeCode)
Napi::Value cast(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  const at::ScalarType to = scalarTypeOf(static_cast<int>(intArg(info, 1)));
  if (x.scalar_type() == to) return put(info.Env(), x.alias());
  // tfjs truncates float -> int32 toward zero, as ATen does.
  return put(info.Env(), x.to(to));
}

enum ReduceOp { kSum = 0, kMean, kMax, kMin, kProd, kAll, kAny, kArgMax, kArgMin };

// reduce(op, x, axes[], keepDims)
Napi::Value reduce(const Napi::CallbackInfo& info) {
  const int64_t op = intArg(info, 0);
  at::Tensor x = arg(info, 1);
  std::vector<int64_t> axes = intList(info[2]);
  const bool keep = boolArg(info, 3);
  const at::ScalarType in = x.scalar_type();
  if (op == kArgMax || op == kArgMin) {
    if (x.dim() == 0) return put(info.Env(), at::zeros({}, x.options().dtype(at::kInt)));
    at::Tensor xs = in == at::kBool ? x.to(at::kInt) : x;
    return put(info.Env(), op == kArgMax ? at::argmax(xs, axes.at(0), false) : at::argmin(xs, axes.at(0), false));
  }
  if (axes.empty()) {
    // Reducing over no axes returns the input (in the reduction's dtype).
    at::Tensor y = x;
    if (op == kMean) y = asFloat(x);
    if ((op == kSum || op == kProd) && in == at::kBool) y = x.to(at::kInt);
    if ((op == kAll || op == kAny) && in != at::kBool) y = x.to(at::kBool);
    return put(info.Env(), y.alias());
  }
  for (auto& a : axes) a = a < 0 ? a + x.dim() : a;
  std::sort(axes.begin(), axes.end());
  at::Tensor y;
  switch (op) {
    case kSum:
      y = at::sum(x, axes, keep, in == at::kFloat ? at::kFloat : at::kInt);
      break;
    case kMean:
      y = at::mean(asFloat(x), axes, keep);
      break;
    case kMax:
      y = at::amax(in == at::kBool ? x.to(at::kInt) : x, axes, keep).to(in);
      break;
    case kMin:
      y = at::amin(in == at::kBool ? x.to(at::kInt) : x, axes, keep).to(in);
      break;
    case kProd:
    case kAll:
    case kAny: {
      y = (op == kProd) ? (in == at::kFloat ? x : x.to(at::kInt)) : (in == at::kBool ? x : x.to(at::kBool));
      for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
        if (op == kProd) y = at::prod(y, *it, keep);
        else if (op == kAll) y = at::all(y, *it, keep);
        else y = at::any(y, *it, keep);
      }
      if (op == kProd && in != at::kFloat) y = y.to(at::kInt);
      break;
    }
    default:
      throw std::runtime_error("unknown reduction");
  }
  return put(info.Env(), std::move(y));
}

Napi::Array names(Napi::Env env, const char* const* list, size_t n) {
  auto a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, list[i]));
  return a;
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  std::vector<const char*> u, b;
  for (const auto& op : kUnary) u.push_back(op.name);
  for (const auto& op : kBinary) b.push_back(op.name);
  exports.Set("unaryOps", names(env, u.data(), u.size()));
  exports.Set("binaryOps", names(env, b.data(), b.size()));
  const char* reductions[] = {"Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "ArgMax", "ArgMin"};
  exports.Set("reduceOps", names(env, reductions, 9));
  exports.Set("unary", guarded(env, "unary", unary));
  exports.Set("binary", guarded(env, "binary", binary));
  exports.Set("cast", guarded(env, "cast", cast));
  exports.Set("addN", guarded(env, "addN", addN));
  exports.Set("reduce", guarded(env, "reduce", reduce));
}

}  // namespace reslab
