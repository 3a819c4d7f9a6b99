// Network kernels on NHWC tensors: convolutions (forward, both gradients, depthwise), batch
// norm (inference, and the fused training forward/backward ResLab's layers use), softmax,
// pooling, activations and the ReLU gradient.
//
// NHWC data is handed to ATen as an NCHW view with channels-last strides (permute, no copy),
// which is the layout oneDNN runs fastest; results are permuted back, again without copying.
// ATen wants symmetric padding: TF-style "same" padding that is larger at the end is applied
// explicitly first (forward, filter gradient), or the gradient of the padded input is cropped.
#include "store.h"

#include <stdexcept>

namespace reslab {

namespace {

constexpr auto kCL = at::MemoryFormat::ChannelsLast;

// NHWC [N,H,W,C] -> NCHW view with channels-last strides.
at::Tensor toNCHW(const at::Tensor& x) { return x.permute({0, 3, 1, 2}).contiguous(kCL); }
// NCHW (channels-last) -> NHWC view.
at::Tensor toNHWC(const at::Tensor& y) { return y.contiguous(kCL).permute({0, 2, 3, 1}); }
// tfjs filter [kh, kw, Cin, Cout] -> ATen weight [Cout, Cin, kh, kw].
at::Tensor weightOf(const at::Tensor& f) { return f.permute({3, 2, 0, 1}).contiguous(kCL); }

struct ConvGeometry {
  std::vector<int64_t> stride, dilation;
  int64_t top, bottom, left, right;
  bool symmetric() const { return top == bottom && left == right; }
};

// Arguments at i..i+2: strides [sh, sw], pads [top, bottom, left, right], dilations [dh, dw].
ConvGeometry geometry(const Napi::CallbackInfo& info, size_t i) {
  ConvGeometry g;
  g.stride = intList(info[i]);
  auto p = intList(info[i + 1]);
  g.top = p.at(0); g.bottom = p.at(1); g.left = p.at(2); g.right = p.at(3);
  g.dilation = intList(info[i + 2]);
  return g;
}

// The input padded so that the convolution needs no (or symmetric) padding.
at::Tensor padInput(const at::Tensor& xn, const ConvGeometry& g, std::vector<int64_t>& padding) {
  if (g.symmetric()) {
    padding = {g.top, g.left};
    return xn;
  }
  padding = {0, 0};
  // Negative "bottom/right" (rows no output reads) crop instead.
  return at::constant_pad_nd(xn, {g.left, g.right, g.top, g.bottom}, 0).contiguous(kCL);
}

at::Tensor activate(const at::Tensor& y, const std::string& act, const at::Tensor* prelu, double alpha) {
  if (act.empty() || act == "linear") return y;
  if (act == "relu") return at::relu(y);
  if (act == "relu6") return at::clamp(y, 0, 6);
  if (act == "sigmoid") return at::sigmoid(y);
  if (act == "elu") return at::elu(y);
  if (act == "leakyrelu") return at::where(y < 0, y * alpha, y);
  if (act == "prelu") {
    if (prelu == nullptr) throw std::runtime_error("prelu activation without weights");
    return at::where(y < 0, y * *prelu, y);
  }
  throw std::runtime_error("unknown activation \"" + act + "\"");
}

// conv2d(x, filter, strides, pads, dilations, bias|-1, activation, prelu|-1, leakyAlpha, groups)
Napi::Value conv2d(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  const at::Tensor& f = arg(info, 1);
  ConvGeometry g = geometry(info, 2);
  const int64_t groups = info.Length() > 9 ? intArg(info, 9) : 1;
  std::vector<int64_t> padding;
  at::Tensor xn = padInput(toNCHW(x), g, padding);
  at::Tensor w;
  if (groups == 1) {
    w = weightOf(f);
  } else {
    // Depthwise filter [kh, kw, Cin, mult] -> [Cin*mult, 1, kh, kw].
    w = f.reshape({f.size(0), f.size(1), 1, f.size(2) * f.size(3)}).permute({3, 2, 0, 1}).contiguous(kCL);
  }
  c10::optional<at::Tensor> bias;
  bool biasLater = false;
  if (hasArg(info, 5)) {
    const at::Tensor& b = arg(info, 5);
    if (b.numel() == w.size(0)) bias = b.reshape({-1});
    else biasLater = true;
  }
  at::Tensor y = toNHWC(at::convolution(xn, w, bias, g.stride, padding, g.dilation, false, {0, 0}, groups));
  if (biasLater) y = y + arg(info, 5);
  const at::Tensor* prelu = hasArg(info, 7) ? &arg(info, 7) : nullptr;
  return put(info.Env(), activate(y, strArg(info, 6), prelu, info.Length() > 8 && info[8].IsNumber() ? num(info, 8) : 0.2));
}

// conv2dBackpropInput(dy, filter, inputShape NHWC, strides, pads, dilations, groups)
Napi::Value conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const at::Tensor& dy = arg(info, 0);
  const at::Tensor& f = arg(info, 1);
  auto inShape = intList(info[2]);
  ConvGeometry g = geometry(info, 3);
  const int64_t groups = info.Length() > 6 ? intArg(info, 6) : 1;
  const int64_t N = inShape[0], H = inShape[1], W = inShape[2], C = inShape[3];
  const int64_t Hp = g.symmetric() ? H : H + g.top + g.bottom;
  const int64_t Wp = g.symmetric() ? W : W + g.left + g.right;
  std::vector<int64_t> padding = g.symmetric() ? std::vector<int64_t>{g.top, g.left} : std::vector<int64_t>{0, 0};
  at::Tensor w = groups == 1 ? weightOf(f) : f.reshape({f.size(0), f.size(1), 1, f.size(2) * f.size(3)}).permute({3, 2, 0, 1}).contiguous(kCL);
  // Only the input's shape and layout matter for the input gradient.
  at::Tensor shapeOnly = at::empty({N, C, Hp, Wp}, dy.options().memory_format(kCL));
  auto grads = at::convolution_backward(toNCHW(dy), shapeOnly, w, c10::nullopt, g.stride, padding, g.dilation, false, {0, 0}, groups, {true, false, false});
  at::Tensor dx = std::get<0>(grads);
  if (!g.symmetric()) dx = dx.narrow(2, g.top, H).narrow(3, g.left, W);
  return put(info.Env(), toNHWC(dx));
}

// conv2dBackpropFilter(x, dy, filterShape [kh, kw, Cin, Cout|mult], strides, pads, dilations, groups)
Napi::Value conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  const at::Tensor& dy = arg(info, 1);
  auto fShape = intList(info[2]);
  ConvGeometry g = geometry(info, 3);
  const int64_t groups = info.Length() > 6 ? intArg(info, 6) : 1;
  std::vector<int64_t> padding;
  at::Tensor xn = padInput(toNCHW(x), g, padding);
  const int64_t kh = fShape[0], kw = fShape[1], ci = fShape[2], co = fShape[3];
  if (kh == 1 && kw == 1 && groups == 1) {
    // A 1x1 filter's gradient is one matrix product of the strided input samples and dy. (Also
    // a workaround: oneDNN 2.6's weight gradient of strided 1x1 channels-last convolutions
    // corrupts the heap for some batch sizes, e.g. 25x28x28x8 -> 16, stride 2.)
    at::Tensor xp = padding[0] == 0 && padding[1] == 0 ? xn : at::constant_pad_nd(xn, {padding[1], padding[1], padding[0], padding[0]}, 0);
    at::Tensor xs = xp.permute({0, 2, 3, 1});  // back to NHWC, padded
    const int64_t Ho = dy.size(1), Wo = dy.size(2);
    xs = xs.slice(1, 0, (Ho - 1) * g.stride[0] + 1, g.stride[0]).slice(2, 0, (Wo - 1) * g.stride[1] + 1, g.stride[1]);
    at::Tensor dw = at::mm(xs.reshape({-1, ci}).t(), dy.reshape({-1, co}));
    return put(info.Env(), dw.reshape({1, 1, ci, co}));
  }
  at::Tensor shapeOnly = groups == 1 ? at::empty({co, ci, kh, kw}, x.options().memory_format(kCL))
                                     : at::empty({ci * co, 1, kh, kw}, x.options().memory_format(kCL));
  auto grads = at::convolution_backward(toNCHW(dy), xn, shapeOnly, c10::nullopt, g.stride, padding, g.dilation, false, {0, 0}, groups, {false, true, false});
  at::Tensor dw = std::get<1>(grads);
  if (groups == 1) return put(info.Env(), dw.permute({2, 3, 1, 0}).contiguous());
  // [Cin*mult, 1, kh, kw] -> [kh, kw, Cin, mult]
  return put(info.Env(), dw.permute({2, 3, 1, 0}).reshape({kh, kw, ci, co}).contiguous());
}

// Moves the last axis (channels) to dimension 1, as ATen's batch norm wants it.
at::Tensor channelsSecond(const at::Tensor& x) {
  if (x.dim() == 2) return x;
  std::vector<int64_t> perm{0, x.dim() - 1};
  for (int64_t d = 1; d < x.dim() - 1; d++) perm.push_back(d);
  at::Tensor y = x.permute(perm);
  return x.dim() == 4 ? y.contiguous(kCL) : y;
}
at::Tensor channelsLast(const at::Tensor& y, int64_t rank) {
  if (rank == 2) return y;
  std::vector<int64_t> perm{0};
  for (int64_t d = 2; d < rank; d++) perm.push_back(d);
  perm.push_back(1);
  return (rank == 4 ? y.contiguous(kCL) : y).permute(perm);
}

// batchNorm(x, mean, variance, offset|-1, scale|-1, eps): y = (x - mean)·scale/√(var+eps) + offset,
// parameters broadcast along the last axis (tfjs' FusedBatchNorm).
Napi::Value batchNorm(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  at::Tensor mean = arg(info, 1).reshape({-1});
  at::Tensor var = arg(info, 2).reshape({-1});
  const double eps = num(info, 5);
  at::Tensor a = at::rsqrt(var + eps);
  if (hasArg(info, 4)) a = a * arg(info, 4).reshape({-1});
  at::Tensor b = -mean * a;
  if (hasArg(info, 3)) b = b + arg(info, 3).reshape({-1});
  return put(info.Env(), at::addcmul(b, x, a));
}

// batchNormTrain(x, scale|-1, offset|-1, eps) -> [y, mean, variance (biased), invstd] with the
// statistics over every axis but the last.
Napi::Value batchNormTrain(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  c10::optional<at::Tensor> scale, offset;
  if (hasArg(info, 1)) scale = arg(info, 1).reshape({-1});
  if (hasArg(info, 2)) offset = arg(info, 2).reshape({-1});
  const double eps = num(info, 3);
  auto r = at::native_batch_norm(channelsSecond(x), scale, offset, c10::nullopt, c10::nullopt, true, 0.0, eps);
  at::Tensor invstd = std::get<2>(r);
  at::Tensor var = (invstd.to(at::kDouble).pow(-2) - eps).clamp_min(0).to(at::kFloat);
  return putMany(info.Env(), {channelsLast(std::get<0>(r), x.dim()), std::get<1>(r), var, invstd});
}

// batchNormTrainGrad(dy, x, scale|-1, mean, invstd, eps) -> [dx, dscale, doffset]
Napi::Value batchNormTrainGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& dy = arg(info, 0);
  const at::Tensor& x = arg(info, 1);
  c10::optional<at::Tensor> scale;
  if (hasArg(info, 2)) scale = arg(info, 2).reshape({-1});
  const at::Tensor& mean = arg(info, 3);
  const at::Tensor& invstd = arg(info, 4);
  const double eps = num(info, 5);
  auto r = at::native_batch_norm_backward(channelsSecond(dy), channelsSecond(x), scale, c10::nullopt, c10::nullopt, mean, invstd, true, eps, {true, true, true});
  at::Tensor dscale = std::get<1>(r).defined() ? std::get<1>(r) : at::zeros_like(mean);
  return putMany(info.Env(), {channelsLast(std::get<0>(r), x.dim()), dscale, std::get<2>(r)});
}

// reluGrad(dy, x): dy where x > 0, else 0 (one pass, ATen's own ReLU backward; tfjs' stock
// gradient takes three).
Napi::Value reluGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& dy = arg(info, 0);
  const at::Tensor& x = arg(info, 1);
  return put(info.Env(), at::threshold_backward(dy, x, 0));
}

Napi::Value softmax(const Napi::CallbackInfo& info) {
  const at::Tensor& x = arg(info, 0);
  const int64_t dim = intArg(info, 1);
  return put(info.Env(), boolArg(info, 2) ? at::log_softmax(x, dim) : at::softmax(x, dim));
}

// pool(x, max?, [kh, kw], strides, pads) -> NHWC; average pools count only real (unpadded) cells, as TF does.
at::Tensor poolForward(const at::Tensor& x, bool isMax, const std::vector<int64_t>& k, const std::vector<int64_t>& s, const std::vector<int64_t>& p) {
  at::Tensor xn = toNCHW(x);
  const int64_t top = p[0], bottom = p[1], left = p[2], right = p[3];
  if (isMax) {
    if (top != bottom || left != right) {
      xn = at::constant_pad_nd(xn, {left, right, top, bottom}, -std::numeric_limits<float>::infinity());
      return toNHWC(at::max_pool2d(xn, k, s, {0, 0}));
    }
    return toNHWC(at::max_pool2d(xn, k, s, {top, left}));
  }
  at::Tensor padded = at::constant_pad_nd(xn, {left, right, top, bottom}, 0);
  at::Tensor ones = at::constant_pad_nd(at::ones({1, 1, xn.size(2), xn.size(3)}, xn.options()), {left, right, top, bottom}, 0);
  at::Tensor sum = at::avg_pool2d(padded, k, s, {0, 0}, false, true, 1);
  at::Tensor count = at::avg_pool2d(ones, k, s, {0, 0}, false, true, 1);
  return toNHWC(sum / count);
}

Napi::Value pool(const Napi::CallbackInfo& info) {
  return put(info.Env(), poolForward(arg(info, 0), boolArg(info, 1), intList(info[2]), intList(info[3]), intList(info[4])));
}

// avgPoolGrad(dy, x, [kh, kw], strides, pads) -> NHWC dx of poolForward's average pool: dy over each
// window's count of real cells, spread back over the window, padding cut off.
Napi::Value avgPoolGrad(const Napi::CallbackInfo& info) {
  const at::Tensor& dy = arg(info, 0);
  const at::Tensor& x = arg(info, 1);
  auto k = intList(info[2]), s = intList(info[3]), p = intList(info[4]);
  const int64_t top = p[0], bottom = p[1], left = p[2], right = p[3];
  at::Tensor xn = toNCHW(x);
  const int64_t H = xn.size(2), W = xn.size(3);
  at::Tensor padded = at::constant_pad_nd(xn, {left, right, top, bottom}, 0);
  at::Tensor ones = at::constant_pad_nd(at::ones({1, 1, H, W}, xn.options()), {left, right, top, bottom}, 0);
  at::Tensor count = at::avg_pool2d(ones, k, s, {0, 0}, false, true, 1);
  at::Tensor g = at::avg_pool2d_backward(toNCHW(dy) / count, padded, k, s, {0, 0}, false, true, 1);
  return put(info.Env(), toNHWC(g.narrow(2, top, H).narrow(3, left, W)));
}

}  // namespace

void registerNN(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", guarded(env, "conv2d", conv2d));
  exports.Set("conv2dBackpropInput", guarded(env, "conv2dBackpropInput", conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", guarded(env, "conv2dBackpropFilter", conv2dBackpropFilter));
  exports.Set("batchNorm", guarded(env, "batchNorm", batchNorm));
  exports.Set("batchNormTrain", guarded(env, "batchNormTrain", batchNormTrain));
  exports.Set("batchNormTrainGrad", guarded(env, "batchNormTrainGrad", batchNormTrainGrad));
  exports.Set("reluGrad", guarded(env, "reluGrad", reluGrad));
  exports.Set("softmax", guarded(env, "softmax", softmax));
  exports.Set("pool", guarded(env, "pool", pool));
  exports.Set("avgPoolGrad", guarded(env, "avgPoolGrad", avgPoolGrad));
}

}  // namespace reslab
