// Layout kernels: reshape, transpose, slicing, joining, padding, gathering, and tensor
// creation. Most are views (no copy): tfjs tensors are immutable, so a view never changes
// under another tensor.
#include "store.h"

#include <stdexcept>

namespace reslab {

namespace {

int64_t axisOf(int64_t a, int64_t rank) { return a < 0 ? a + rank : a; }

std::vector<at::Tensor> tensorList(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(tensorAt(a.Get(i).As<Napi::Number>().Int64Value()));
  return out;
}

// Tensors of mixed dtypes joined by tfjs take the upcast dtype.
void unifyTypes(std::vector<at::Tensor>& ts) {
  at::ScalarType t = at::kBool;
  for (const auto& x : ts) {
    if (x.scalar_type() == at::kFloat) t = at::kFloat;
    else if (x.scalar_type() == at::kInt && t == at::kBool) t = at::kInt;
  }
  for (auto& x : ts) if (x.scalar_type() != t) x = x.to(t);
}

Napi::Value reshape(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).reshape(intList(info[1]))); }

Napi::Value alias(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).alias()); }

Napi::Value contiguous(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).contiguous()); }

Napi::Value transpose(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).permute(intList(info[1]))); }

// slice(x, begin[], size[]): size -1 means "to the end".
Napi::Value slice(const Napi::CallbackInfo& info) {
  at::Tensor y = arg(info, 0);
  auto begin = intList(info[1]);
  auto size = intList(info[2]);
  for (size_t d = 0; d < begin.size(); d++) {
    const int64_t len = size[d] < 0 ? y.size(static_cast<int64_t>(d)) - begin[d] : size[d];
    if (begin[d] != 0 || len != y.size(static_cast<int64_t>(d))) y = y.narrow(static_cast<int64_t>(d), begin[d], len);
  }
  return put(info.Env(), std::move(y));
}

// stridedSlice(x, begin[], end[], strides[], outShape[]): normalised bounds (positive strides
// are views; negative ones flip first), then reshaped to tfjs' final shape (shrink / new axes).
Napi::Value stridedSlice(const Napi::CallbackInfo& info) {
  at::Tensor y = arg(info, 0);
  auto begin = intList(info[1]);
  auto end = intList(info[2]);
  auto strides = intList(info[3]);
  auto outShape = intList(info[4]);
  for (size_t d = 0; d < begin.size(); d++) {
    const auto dim = static_cast<int64_t>(d);
    const int64_t n = y.size(dim);
    int64_t s = strides[d];
    if (s > 0) {
      const int64_t b = std::max<int64_t>(0, std::min(begin[d], n));
      const int64_t e = std::max<int64_t>(b, std::min(end[d], n));
      y = y.slice(dim, b, e, s);
    } else {
      // Reverse the axis: index i maps to n-1-i.
      y = y.flip({dim});
      const int64_t b = n - 1 - begin[d];
      const int64_t e = n - 1 - end[d];
      const int64_t bb = std::max<int64_t>(0, std::min(b, n));
      const int64_t ee = std::max<int64_t>(bb, std::min(e, n));
      y = y.slice(dim, bb, ee, -s);
    }
  }
  return put(info.Env(), y.reshape(outShape));
}

Napi::Value concat(const Napi::CallbackInfo& info) {
  auto ts = tensorList(info[0]);
  unifyTypes(ts);
  return put(info.Env(), at::cat(ts, intArg(info, 1)));
}

Napi::Value stack(const Napi::CallbackInfo& info) {
  auto ts = tensorList(info[0]);
  unifyTypes(ts);
  return put(info.Env(), at::stack(ts, intArg(info, 1)));
}

Napi::Value unstack(const Napi::CallbackInfo& info) { return putMany(info.Env(), arg(info, 0).unbind(intArg(info, 1))); }

Napi::Value split(const Napi::CallbackInfo& info) {
  return putMany(info.Env(), arg(info, 0).split_with_sizes(intList(info[1]), intArg(info, 2)));
}

Napi::Value tile(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).repeat(intList(info[1]))); }

Napi::Value broadcastTo(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).expand(intList(info[1]))); }

// pad(x, paddings [before0, after0, before1, ...], value)
Napi::Value pad(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  auto p = intList(info[1]);
  std::vector<int64_t> aten;  // ATen wants the last dimension first
  for (int64_t d = x.dim() - 1; d >= 0; d--) {
    aten.push_back(p[static_cast<size_t>(2 * d)]);
    aten.push_back(p[static_cast<size_t>(2 * d + 1)]);
  }
  return put(info.Env(), at::constant_pad_nd(x, aten, num(info, 2)));
}

// mirrorPad(x, paddings, symmetric): index vectors per padded axis.
Napi::Value mirrorPad(const Napi::CallbackInfo& info) {
  at::Tensor y = arg(info, 0);
  auto p = intList(info[1]);
  const bool symmetric = boolArg(info, 2);
  for (int64_t d = 0; d < y.dim(); d++) {
    const int64_t before = p[static_cast<size_t>(2 * d)], after = p[static_cast<size_t>(2 * d + 1)];
    if (before == 0 && after == 0) continue;
    const int64_t n = y.size(d);
    std::vector<int64_t> idx;
    const int64_t off = symmetric ? 0 : 1;
    for (int64_t i = before; i > 0; i--) idx.push_back(i - 1 + off);
    for (int64_t i = 0; i < n; i++) idx.push_back(i);
    for (int64_t i = 0; i < after; i++) idx.push_back(n - 1 - i - off);
    at::Tensor index = at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(y.device());
    y = y.index_select(d, index);
  }
  return put(info.Env(), std::move(y));
}

Napi::Value reverse(const Napi::CallbackInfo& info) { return put(info.Env(), arg(info, 0).flip(intList(info[1]))); }

// gather(x, indices, axis): x's axis indexed by indices of any shape (tfjs GatherV2, batchDims 0).
Napi::Value gather(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  const at::Tensor& indices = arg(info, 1);
  const int64_t axis = axisOf(intArg(info, 2), x.dim());
  at::Tensor flat = x.index_select(axis, indices.reshape({-1}).to(at::kLong));
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
  for (auto s : indices.sizes()) shape.push_back(s);
  for (int64_t d = axis + 1; d < x.dim(); d++) shape.push_back(x.size(d));
  return put(info.Env(), flat.reshape(shape));
}

// oneHot(indices, depth, on, off, dtypeCode): out-of-range indices give all "off".
Napi::Value oneHot(const Napi::CallbackInfo& info) {
  const at::Tensor& idx = arg(info, 0);
  const int64_t depth = intArg(info, 1);
  const double on = num(info, 2), off = num(info, 3);
  const at::ScalarType t = scalarTypeOf(static_cast<int>(intArg(info, 4)));
  at::Tensor classes = at::arange(depth, idx.options().dtype(at::kLong));
  at::Tensor hit = idx.to(at::kLong).unsqueeze(-1).eq(classes);
  at::Tensor y = at::where(hit, at::scalar_tensor(on, idx.options().dtype(at::kFloat)), at::scalar_tensor(off, idx.options().dtype(at::kFloat)));
  return put(info.Env(), y.to(t));
}

// select(condition, t, e): a rank-1 condition picks rows of higher-rank t/e (tfjs' Select).
Napi::Value select(const Napi::CallbackInfo& info) {
  at::Tensor c = arg(info, 0);
  at::Tensor a = arg(info, 1);
  at::Tensor b = arg(info, 2);
  if (c.dim() == 1 && a.dim() > 1) {
    std::vector<int64_t> shape(static_cast<size_t>(a.dim()), 1);
    shape[0] = c.size(0);
    c = c.reshape(shape);
  }
  if (c.scalar_type() != at::kBool) c = c.to(at::kBool);
  const at::ScalarType t = a.scalar_type() == at::kFloat || b.scalar_type() == at::kFloat ? at::kFloat : (a.scalar_type() == at::kInt || b.scalar_type() == at::kInt ? at::kInt : at::kBool);
  return put(info.Env(), at::where(c, a.to(t), b.to(t)));
}

// fill(shape[], value, dtypeCode)
Napi::Value fill(const Napi::CallbackInfo& info) {
  const at::ScalarType t = scalarTypeOf(static_cast<int>(intArg(info, 2)));
  return put(info.Env(), at::full(intList(info[0]), num(info, 1), at::TensorOptions().dtype(t).device(currentDevice())));
}

// range(start, step, count, dtypeCode): start + i*step for i < count.
Napi::Value range(const Napi::CallbackInfo& info) {
  const double start = num(info, 0), step = num(info, 1);
  const int64_t count = intArg(info, 2);
  const at::ScalarType t = scalarTypeOf(static_cast<int>(intArg(info, 3)));
  at::Tensor i = at::arange(count, at::TensorOptions().dtype(at::kDouble).device(currentDevice()));
  return put(info.Env(), (i * step + start).to(t));
}

// cumulative(x, axis, exclusive, reverse, product)
Napi::Value cumulative(const Napi::CallbackInfo& info) {
  at::Tensor x = arg(info, 0);
  const int64_t axis = axisOf(intArg(info, 1), x.dim());
  const bool exclusive = boolArg(info, 2), rev = boolArg(info, 3), product = boolArg(info, 4);
  const at::ScalarType out = x.scalar_type() == at::kFloat ? at::kFloat : at::kInt;
  if (rev) x = x.flip({axis});
  at::Tensor y = product ? at::cumprod(x, axis, out) : at::cumsum(x, axis, out);
  if (exclusive) {
    const int64_t n = x.size(axis);
    at::Tensor first = product ? at::ones_like(y.narrow(axis, 0, 1)) : at::zeros_like(y.narrow(axis, 0, 1));
    y = at::cat({first, y.narrow(axis, 0, n - 1)}, axis);
  }
  if (rev) y = y.flip({axis});
  return put(info.Env(), std::move(y));
}

// topk(x, k, sorted) -> [values, indices(int32)] along the last axis.
Napi::Value topk(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  auto r = at::topk(x, intArg(info, 1), -1, true, true);
  return putMany(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// nonzero(condition) -> int32 [n, rank] coordinates (tfjs' backend.where).
Napi::Value nonzero(const Napi::CallbackInfo& info) { return put(info.Env(), at::nonzero(arg(info, 0))); }

}  // namespace

void registerShape(Napi::Env env, Napi::Object exports) {
  exports.Set("reshape", guarded(env, "reshape", reshape));
  exports.Set("alias", guarded(env, "alias", alias));
  exports.Set("contiguous", guarded(env, "contiguous", contiguous));
  exports.Set("transpose", guarded(env, "transpose", transpose));
  exports.Set("slice", guarded(env, "slice", slice));
  exports.Set("stridedSlice", guarded(env, "stridedSlice", stridedSlice));
  exports.Set("concat", guarded(env, "concat", concat));
  exports.Set("stack", guarded(env, "stack", stack));
  exports.Set("unstack", guarded(env, "unstack", unstack));
  exports.Set("split", guarded(env, "split", split));
  exports.Set("tile", guarded(env, "tile", tile));
  exports.Set("broadcastTo", guarded(env, "broadcastTo", broadcastTo));
  exports.Set("pad", guarded(env, "pad", pad));
  exports.Set("mirrorPad", guarded(env, "mirrorPad", mirrorPad));
  exports.Set("reverse", guarded(env, "reverse", reverse));
  exports.Set("gather", guarded(env, "gather", gather));
  exports.Set("oneHot", guarded(env, "oneHot", oneHot));
  exports.Set("select", guarded(env, "select", select));
  exports.Set("fill", guarded(env, "fill", fill));
  exports.Set("range", guarded(env, "range", range));
  exports.Set("cumulative", guarded(env, "cumulative", cumulative));
  exports.Set("topk", guarded(env, "topk", topk));
  exports.Set("nonzero", guarded(env, "nonzero", nonzero));
}

}  // namespace reslab
