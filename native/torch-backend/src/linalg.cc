// Matrix kernels: (batched) matrix products, fused with bias and activation as tfjs'
// _FusedMatMul; and the float64 orthogonalisation the Lanczos solvers of src/analysis run on
// the backend instead of in JavaScript loops.
#include "store.h"

#include <stdexcept>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace reslab {

namespace {

at::Tensor product(const at::Tensor& a0, const at::Tensor& b0, bool ta, bool tb) {
  at::Tensor a = a0.scalar_type() == at::kFloat ? a0 : a0.to(at::kFloat);
  at::Tensor b = b0.scalar_type() == at::kFloat ? b0 : b0.to(at::kFloat);
  if (ta) a = a.transpose(-1, -2);
  if (tb) b = b.transpose(-1, -2);
  return at::matmul(a, b);
}

// matmul(a, b, transposeA, transposeB, bias|-1, activation, prelu|-1, leakyAlpha)
Napi::Value matmul(const Napi::CallbackInfo& info) {
  at::Tensor y = product(arg(info, 0), arg(info, 1), boolArg(info, 2), boolArg(info, 3));
  if (hasArg(info, 4)) y = y + arg(info, 4);
  const std::string act = info.Length() > 5 ? strArg(info, 5) : std::string();
  if (act.empty() || act == "linear") return put(info.Env(), std::move(y));
  if (act == "relu") return put(info.Env(), at::relu(y));
  if (act == "relu6") return put(info.Env(), at::clamp(y, 0, 6));
  if (act == "sigmoid") return put(info.Env(), at::sigmoid(y));
  if (act == "elu") return put(info.Env(), at::elu(y));
  if (act == "leakyrelu") {
    const double alpha = info.Length() > 7 && info[7].IsNumber() ? num(info, 7) : 0.2;
    return put(info.Env(), at::where(y < 0, y * alpha, y));
  }
  if (act == "prelu") return put(info.Env(), at::where(y < 0, y * arg(info, 6), y));
  throw std::runtime_error("unknown activation \"" + act + "\"");
}

// Float64 bases for Krylov solvers: a basis is a handle to a float64 [capacity, n] matrix
// whose first `count` rows are orthonormal. They live in the same store (dtype float64 is
// kept only for these; JS never reads them as tfjs tensors).
std::vector<at::Tensor> g_bases;

at::Tensor& basis(int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= g_bases.size() || !g_bases[static_cast<size_t>(id)].defined()) {
    throw std::runtime_error("no float64 basis with handle " + std::to_string(id));
  }
  return g_bases[static_cast<size_t>(id)];
}

// basisCreate(capacity, n) -> handle (rows are added past the capacity as needed).
Napi::Value basisCreate(const Napi::CallbackInfo& info) {
  at::Tensor Q = at::zeros({std::max<int64_t>(1, intArg(info, 0)), intArg(info, 1)}, at::TensorOptions().dtype(at::kDouble).device(currentDevice()));
  for (size_t i = 0; i < g_bases.size(); i++) {
    if (!g_bases[i].defined()) {
      g_bases[i] = std::move(Q);
      return Napi::Number::New(info.Env(), static_cast<double>(i));
    }
  }
  g_bases.push_back(std::move(Q));
  return Napi::Number::New(info.Env(), static_cast<double>(g_bases.size() - 1));
}

Napi::Value basisFree(const Napi::CallbackInfo& info) {
  basis(intArg(info, 0)) = at::Tensor();
  return info.Env().Undefined();
}

// Takes a Float64Array (or a float32 tensor handle) as a float64 vector on the device.
at::Tensor vectorArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsTypedArray()) {
    auto a = info[i].As<Napi::Float64Array>();
    at::Tensor v = at::empty({static_cast<int64_t>(a.ElementLength())}, at::kDouble);
    std::memcpy(v.data_ptr(), a.Data(), a.ElementLength() * sizeof(double));
    return v.to(currentDevice());
  }
  return arg(info, i).reshape({-1}).to(at::kDouble);
}

Napi::Value toFloat64Array(Napi::Env env, const at::Tensor& v) {
  at::Tensor h = v.to(at::kCPU).contiguous();
  auto out = Napi::Float64Array::New(env, static_cast<size_t>(h.numel()));
  std::memcpy(out.Data(), h.data_ptr(), static_cast<size_t>(h.numel()) * sizeof(double));
  return out;
}

// basisOrthogonalise(basis, count, v, maxPasses) -> Float64Array: v minus its projection on the
// first `count` rows by classical Gram–Schmidt, a further pass only while a pass took away more
// than half of ‖v‖² ("twice is enough", Kahan and Parlett), at most maxPasses (default 2).
Napi::Value basisOrthogonalise(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  const int64_t count = intArg(info, 1);
  at::Tensor v = vectorArg(info, 2);
  const int64_t passes = info.Length() > 3 && info[3].IsNumber() ? intArg(info, 3) : 2;
  if (count > 0) {
    at::Tensor q = Q.narrow(0, 0, count);
    double before = v.norm().item<double>();
    for (int64_t p = 0; p < passes; p++) {
      v = v - at::mv(q.t(), at::mv(q, v));
      const double after = v.norm().item<double>();
      if (after >= before * M_SQRT1_2) break;
      before = after;
    }
  }
  return toFloat64Array(info.Env(), v);
}

// Makes room for `rows` rows in Q (doubling its capacity), keeping the rows it has.
void ensureRows(at::Tensor& Q, int64_t rows) {
  if (rows <= Q.size(0)) return;
  at::Tensor grown = at::zeros({std::max(2 * Q.size(0), rows), Q.size(1)}, Q.options());
  grown.narrow(0, 0, Q.size(0)).copy_(Q);
  Q = std::move(grown);
}

// W minus its projection on the orthonormal rows q by classical Gram–Schmidt, the first pass with
// the coefficients C = W qᵀ given; a second pass only where a row lost more than half its norm²
// ("twice is enough"). `before` holds the rows' norms ahead of the first pass.
at::Tensor projectOut(const at::Tensor& W, const at::Tensor& q, const at::Tensor& C, const at::Tensor& before) {
  at::Tensor R = W - at::mm(C, q);
  if ((R.norm(2, {1}) < before * M_SQRT1_2).any().item<bool>()) R = R - at::mm(at::mm(R, q.t()), q);
  return R;
}

// Orthonormalises the rows of W (already orthogonal to Q's first `count` rows) by Householder QR
// and appends as rows count.. those that add a direction (|R_ii| > 1e-10·max(max|R_ii|, scale));
// returns how many were appended.
int64_t appendIndependent(at::Tensor& Q, int64_t count, const at::Tensor& W, double scale) {
  auto qr = at::linalg_qr(W.t(), "reduced");
  at::Tensor rows = std::get<0>(qr).t();  // [b, n]
  at::Tensor diag = std::get<1>(qr).diagonal().abs().to(at::kCPU);
  const double top = diag.numel() ? diag.max().item<double>() : 0.0;
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < diag.numel(); i++) {
    if (diag[i].item<double>() > 1e-10 * std::max(top, scale)) keep.push_back(i);
  }
  const int64_t r = static_cast<int64_t>(keep.size());
  ensureRows(Q, count + r);
  if (r > 0) {
    at::Tensor idx = at::tensor(keep, at::TensorOptions().dtype(at::kLong)).to(Q.device());
    Q.narrow(0, count, r).copy_(rows.index_select(0, idx));
  }
  return r;
}

// basisSet(basis, row, v): stores v (Float64Array or tensor handle) as row `row`, or, when v
// holds r·n values, as rows row..row+r-1; the basis grows as needed.
Napi::Value basisSet(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  const int64_t row = intArg(info, 1);
  const int64_t n = Q.size(1);
  at::Tensor v = vectorArg(info, 2);
  if (v.numel() % n != 0) throw std::runtime_error("basisSet: " + std::to_string(v.numel()) + " values is not a whole number of rows of " + std::to_string(n));
  const int64_t r = v.numel() / n;
  ensureRows(Q, row + r);
  Q.narrow(0, row, r).copy_(v.reshape({r, n}));
  return info.Env().Undefined();
}

// basisCombine(basis, count, coefficients Float64Array [count, k]) -> Float64Array [k, n]:
// the k vectors Σ_j c[j, i] q_j (Ritz vectors).
Napi::Value basisCombine(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  const int64_t count = intArg(info, 1);
  auto c = info[2].As<Napi::Float64Array>();
  const int64_t k = static_cast<int64_t>(c.ElementLength()) / std::max<int64_t>(count, 1);
  at::Tensor C = at::empty({count, k}, at::kDouble);
  std::memcpy(C.data_ptr(), c.Data(), c.ElementLength() * sizeof(double));
  at::Tensor out = at::mm(C.t().to(Q.device()), Q.narrow(0, 0, count));
  return toFloat64Array(info.Env(), out.reshape({-1}));
}

// basisExtend(basis, count, W) -> rows added: the rows of W ([b, n] float32 tensor handle or a
// Float64Array of b·n values) orthogonalised against the first `count` rows (classical
// Gram–Schmidt, twice) and among themselves (Householder QR), appended as rows count..count+r-1.
// Directions W adds nothing new along (|R_ii| ≤ 1e-10·max|R|) are dropped; r ≤ b is returned.
Napi::Value basisExtend(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  const int64_t count = intArg(info, 1);
  const int64_t n = Q.size(1);
  at::Tensor W = vectorArg(info, 2).reshape({-1, n});
  if (count > 0) {
    at::Tensor q = Q.narrow(0, 0, count);
    W = projectOut(W, q, at::mm(W, q.t()), W.norm(2, {1}));
  }
  return Napi::Number::New(info.Env(), static_cast<double>(appendIndependent(Q, count, W, 0.0)));
}

// basisRows(basis, start, count) -> float32 tensor handle [count, n] (rows to apply operators to).
Napi::Value basisRows(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  return put(info.Env(), Q.narrow(0, intArg(info, 1), intArg(info, 2)).to(at::kFloat).contiguous());
}

// basisRitzValues(H, count, k) -> Float64Array: the k largest eigenvalues of H[0:count, 0:count]
// (symmetrised), descending.
Napi::Value basisRitzValues(const Napi::CallbackInfo& info) {
  at::Tensor& H = basis(intArg(info, 0));
  const int64_t count = intArg(info, 1);
  const int64_t k = std::min<int64_t>(intArg(info, 2), count);
  at::Tensor h = H.narrow(0, 0, count).narrow(1, 0, count);
  at::Tensor ev = at::linalg_eigvalsh(((h + h.t()) / 2).to(at::kCPU));  // ascending
  return toFloat64Array(info.Env(), ev.flip({0}).narrow(0, 0, k).contiguous());
}

// blockLanczosStep(Q, H, done, count, AW, maxRows, band) -> rows added. One step of block
// Lanczos on a symmetric A with full reorthogonalisation: AW ([count-done, n] float32 handle)
// holds A applied to rows done..count-1 of Q, and `band` is the first row of the previous block.
// In exact arithmetic A·q_j only has components on the current and the previous block (the
// block three-term recurrence), so those are taken off first (a small product); one classical
// Gram–Schmidt pass against all of Q then removes what rounding left (a second only where a row
// lost more than half its norm² in it, "twice is enough"). Two passes over Q, where projecting
// the raw AW needed four: AW is mostly in the span, so it always lost more than half.
// The coefficients are the new rows and columns of the Rayleigh quotient H = Q A Qᵀ
// ([capacity, capacity]). Householder QR of what is left gives the next block, whose independent
// rows are appended to Q (at most `maxRows` in all; 0 when none is left: an invariant subspace,
// or the cap).
Napi::Value blockLanczosStep(const Napi::CallbackInfo& info) {
  at::Tensor& Q = basis(intArg(info, 0));
  at::Tensor& H = basis(intArg(info, 1));
  const int64_t done = intArg(info, 2), count = intArg(info, 3);
  const int64_t maxRows = intArg(info, 5);
  const int64_t n = Q.size(1), b = count - done;
  const int64_t band = std::max<int64_t>(0, std::min(done, info.Length() > 6 ? intArg(info, 6) : done - b));
  at::Tensor W = vectorArg(info, 4).reshape({b, n});
  at::Tensor q = Q.narrow(0, 0, count);
  at::Tensor qBand = Q.narrow(0, band, count - band);
  const at::Tensor before = W.norm(2, {1});
  at::Tensor cBand = at::mm(W, qBand.t());  // [b, count - band]
  W = W - at::mm(cBand, qBand);
  const at::Tensor mid = W.norm(2, {1});
  at::Tensor C = at::mm(W, q.t());  // [b, count]: what the recurrence left
  at::Tensor R = W - at::mm(C, q);
  C.narrow(1, band, count - band).add_(cBand);
  at::Tensor own = C.narrow(1, done, b);
  C.narrow(1, done, b).copy_((own + own.t()) / 2);
  H.narrow(0, done, b).narrow(1, 0, count).copy_(C);
  H.narrow(0, 0, count).narrow(1, done, b).copy_(C.t());
  if (count + b > maxRows) return Napi::Number::New(info.Env(), 0);
  if ((R.norm(2, {1}) < mid * M_SQRT1_2).any().item<bool>()) R = R - at::mm(at::mm(R, q.t()), q);
  return Napi::Number::New(info.Env(), static_cast<double>(appendIndependent(Q, count, R, before.max().item<double>())));
}

// gramEigenvalues(J) -> Float64Array: the eigenvalues of the smaller Gram matrix of the float32
// matrix J ([r, c]: JᵀJ when c ≤ r, else JJᵀ), formed and diagonalised in float64, descending.
// Their square roots are J's min(r, c) singular values: float64 keeps σ ≈ 0 at ~1e-8·σ₁ where a
// float32 Gram would lift it to ~3e-4·σ₁. Dense spectra of Jacobians use it on this backend.
Napi::Value gramEigenvalues(const Napi::CallbackInfo& info) {
  at::Tensor J = arg(info, 0).to(at::kDouble);
  if (J.dim() != 2) throw std::runtime_error("gramEigenvalues needs a matrix [rows, columns]");
  at::Tensor G = J.size(1) <= J.size(0) ? at::mm(J.t(), J) : at::mm(J, J.t());
  at::Tensor ev = at::linalg_eigvalsh(G.to(at::kCPU));  // ascending
  return toFloat64Array(info.Env(), ev.flip({0}).contiguous());
}

}  // namespace

void registerLinalg(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", guarded(env, "matmul", matmul));
  exports.Set("basisCreate", guarded(env, "basisCreate", basisCreate));
  exports.Set("basisFree", guarded(env, "basisFree", basisFree));
  exports.Set("basisOrthogonalise", guarded(env, "basisOrthogonalise", basisOrthogonalise));
  exports.Set("basisSet", guarded(env, "basisSet", basisSet));
  exports.Set("basisCombine", guarded(env, "basisCombine", basisCombine));
  exports.Set("basisExtend", guarded(env, "basisExtend", basisExtend));
  exports.Set("basisRows", guarded(env, "basisRows", basisRows));
  exports.Set("blockLanczosStep", guarded(env, "blockLanczosStep", blockLanczosStep));
  exports.Set("basisRitzValues", guarded(env, "basisRitzValues", basisRitzValues));
  exports.Set("gramEigenvalues", guarded(env, "gramEigenvalues", gramEigenvalues));
}

}  // namespace reslab
