/**
 * npm run bench, spectra section (issue 6, item 6): the 20 largest singular values of the Jacobian
 * of ONE 32×32×16 residual unit (16,384 → 16,384) on the fastest backend here (torch, else wasm), to 1e-4 relative
 * accuracy, by each way of computing them measured here, against a long reference run.
 *
 * Dense spectra (issue 15): all 4,096 singular values of a 16×16×16 unit (the cpu scale's largest,
 * CIFAR-10 at 16×16) by fullSpectrum on torch, against PyTorch's float64 SVD of the very same
 * matrix (written to a temporary file, Debian's python3-torch, same threads): time and agreement.
 *
 * Unit: "s0.b1" of buildBasicResNet({ inputShape: [32, 32, 3], blocksPerStage: 3, seed: 1 })
 * (ResNet-20) at one random N(0, 1) image, every BatchNorm given random statistics and affine
 * parameters (as in the unit tests) so that BN is not the identity. Seed 1, not 0: tfjs treats a
 * seed of 0 as "no seed", so with 0 the stem convolution (and so J) changes from run to run.
 */
const path = require("path");
const tf = require("@tensorflow/tfjs");
const root = path.resolve(__dirname, "..");
const { selectBackend } = require(path.join(root, "dist/src/backend/select"));
const { buildBasicResNet } = require(path.join(root, "dist/src/models/basic-resnet"));
const { unitJacobian } = require(path.join(root, "dist/src/analysis/linearize"));
const { topSingularValues, topSingularValuesGram, topSingularValuesBlock, orthogonalise, norm, fullSpectrum } = require(path.join(root, "dist/src/analysis/spectrum"));
const { Matrix, EigenvalueDecomposition } = require("ml-matrix");

const K = 20;
/** Stopping tolerance of the timed runs (top k change < TOL·σ₁ between checks); the achieved error is measured, not assumed. */
const TOL = 1e-5;

/** Random BN statistics and affine parameters (the tests' randomiseBatchNorm). */
function randomiseBatchNorm(model) {
  let seed = 100;
  for (const l of model.layers.filter((x) => x.getClassName() === "BatchNormalization")) {
    l.setWeights(l.getWeights().map((w, i) => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, "float32", seed++) : tf.randomNormal(w.shape, i === 0 ? 1 : 0, 0.3, "float32", seed++))));
  }
}

/** (a) J·v by double reverse mode: J v = ∇ᵤ⟨Jᵀu, v⟩ (Jᵀu is linear in u, so at u = 0). */
function doubleReverse(J) {
  return { ...J, jvp: (v) => tf.tidy(() => tf.grad((u) => tf.sum(tf.mul(J.vjp(u), v)))(tf.zeros([v.shape[0], ...J.outShape]))) };
}

/**
 * (b) Block Lanczos on JᵀJ with blocks of `block` vectors: one batched jvp and one batched vjp
 * call per block, full reorthogonalisation (float64, host), Ritz values from the block
 * tridiagonal T every `checkEvery` blocks, with the library's stopping rule.
 */
function blockLanczos(J, k, { block, tol, maxVectors = 1200, checkEvery = 3, seed = 1 }) {
  const n = J.inShape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const dot = (x, y) => {
    let d = 0;
    for (let i = 0; i < x.length; i++) d += x[i] * y[i];
    return d;
  };
  const Q = [];
  const extend = (X) => X.forEach((x) => {
    const before = norm(x);
    orthogonalise(x, Q);
    const a = norm(x);
    if (a < 1e-10 * before) throw new Error("block Lanczos: rank-deficient block (not handled by this benchmark)");
    Q.push(x.map((v) => v / a));
  });
  extend(Array.from({ length: block }, () => Float64Array.from({ length: n }, rand)));
  const T = []; // T[i][j] = qᵢᵀ JᵀJ qⱼ within the band |i − j| < 2·block
  let products = 0, calls = 0, prev = [], converged = false, checkSeconds = 0;
  for (let start = 0; Q.length + block <= maxVectors; start += block) {
    const buf = new Float32Array(block * n);
    Q.slice(start, start + block).forEach((q, c) => buf.set(q, c * n));
    const x = tf.tensor(buf, [block, ...J.inShape]);
    const y = tf.tidy(() => J.vjp(J.jvp(x)));
    const data = y.dataSync();
    tf.dispose([x, y]);
    products += 2 * block;
    calls += 2;
    const AQ = Array.from({ length: block }, (_, c) => Float64Array.from(data.subarray(c * n, (c + 1) * n)));
    const setT = (i, j, v) => {
      (T[i] = T[i] || [])[j] = v;
      (T[j] = T[j] || [])[i] = v;
    };
    // the next block: what JᵀJ adds to the span. Take off the band first (the block three-term
    // recurrence), so that one Gram–Schmidt pass against all of Q is enough, as in the library.
    const band = Math.max(0, start - block);
    const W = AQ.map((w, c) => {
      const r = w.slice();
      for (let i = band; i < start + block; i++) {
        const v = dot(Q[i], w);
        setT(i, start + c, v);
        for (let t = 0; t < n; t++) r[t] -= v * Q[i][t];
      }
      return r;
    });
    const next = Q.length;
    extend(W);
    for (let c = 0; c < block; c++) for (let i = next; i < Q.length; i++) setT(i, start + c, dot(Q[i], AQ[c]));
    if ((start / block + 1) % checkEvery !== 0) continue;
    const t0 = performance.now();
    const size = start + block; // T is known on the vectors whose products were taken
    const M = new Matrix(size, size);
    for (let i = 0; i < size; i++) T[i].forEach((v, j) => j < size && M.set(i, j, v));
    const sv = new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => b - a).slice(0, k).map((t) => Math.sqrt(Math.max(t, 0)));
    checkSeconds += (performance.now() - t0) / 1000;
    const settled = prev.length === k && sv.every((v, i) => Math.abs(v - prev[i]) <= tol * sv[0]);
    prev = sv;
    if (settled) {
      converged = true;
      break;
    }
  }
  return { values: prev, products, calls, converged, checkSeconds };
}

/** J with the time spent inside its jvp and vjp calls added up in `seconds`. */
function timed(J) {
  const t = { seconds: 0 };
  const wrap = (op) => (x) => {
    const t0 = performance.now();
    const y = op(x);
    y.dataSync(); // wasm and torch (CPU) run kernels as ops are called; this only makes the time complete
    t.seconds += (performance.now() - t0) / 1000;
    return y;
  };
  return Object.assign(t, { op: { ...J, jvp: wrap(J.jvp), vjp: wrap(J.vjp) } });
}

async function measureSpectra(backend = "wasm", log = console.log) {
  await selectBackend({ prefer: backend, strict: true });
  const model = buildBasicResNet({ inputShape: [32, 32, 3], blocksPerStage: 3, seed: 1 });
  randomiseBatchNorm(model);
  const image = tf.randomNormal([1, 32, 32, 3], 0, 1, "float32", 1);
  const J = unitJacobian(model, "s0.b1", image);
  const Jreverse = unitJacobian(model, "s0.b1", image, { transpose: "reverse" });
  const n = J.inShape.reduce((a, b) => a * b, 1);
  log(`\n== spectra: top ${K} singular values of unit s0.b1 (${J.inShape.join("×")} → ${J.outShape.join("×")}, n = ${n}) of ResNet-20 (seed 1) at one random image, BatchNorm statistics randomised (BN is not the identity); ${backend} backend`);
  const time = (f) => {
    const t0 = performance.now();
    const r = f();
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  };
  const reference = time(() => topSingularValues(J, K, { tol: 1e-10, maxSteps: 800 }));
  const check = time(() => topSingularValuesGram(J, K, { tol: 1e-10, maxSteps: 800 }));
  const relErr = (values) => Math.max(...values.map((v, i) => Math.abs(v - reference.values[i]) / reference.values[i]));
  log(`reference: Golub–Kahan–Lanczos, tol 1e-10: ${reference.steps} steps, ${reference.products} products, ${reference.seconds.toFixed(1)} s, converged ${reference.converged}; ` +
    `Lanczos on JᵀJ to the same tol agrees to ${relErr(check.values).toExponential(1)} (relative)`);
  log(`  σ₁…σ${K} = ${reference.values.map((v) => v.toFixed(5)).join(" ")}`);
  // each method gets J with its operator time counted (the rest is host work: reorthogonalisation, Ritz values)
  const methods = [
    ...(backend === "torch" ? [["block Lanczos in libtorch (topSingularValuesBlock): blocks of 5 vectors, one batched J·v / Jᵀ·u call each, float64 basis and Ritz values in libtorch", J, (op) => { const r = topSingularValuesBlock(op, K, { tol: TOL }); return { ...r, calls: 2 * r.steps }; }]] : []),
    ["Golub–Kahan–Lanczos (topSingularValues): J·v and Jᵀ·u by the (transposed) linearisation, one vector per call", J, (op) => topSingularValues(op, K, { tol: TOL, maxSteps: 800 })],
    ["Lanczos on JᵀJ (topSingularValuesGram): Jᵀ(J·v) in one call, one basis to reorthogonalise", J, (op) => topSingularValuesGram(op, K, { tol: TOL, maxSteps: 800 })],
    ["(a) Golub–Kahan–Lanczos with J·v by double reverse mode (∇ᵤ⟨Jᵀu, v⟩)", J, (op) => topSingularValues(doubleReverse(op), K, { tol: TOL, maxSteps: 800 })],
    ["(b) block Lanczos on JᵀJ, blocks of 10 (batched products)", J, (op) => blockLanczos(op, K, { block: 10, tol: TOL })],
    ["(c) Lanczos on JᵀJ with Jᵀ·u by reverse mode (tf.grad) instead of the transposed linearisation", Jreverse, (op) => topSingularValuesGram(op, K, { tol: TOL, maxSteps: 800 })],
  ];
  const rows = [];
  for (const [name, operator, f] of methods) {
    const clock = timed(operator);
    const r = time(() => f(clock.op));
    const row = {
      method: name,
      seconds: +r.seconds.toFixed(2),
      operatorSeconds: +clock.seconds.toFixed(2),
      products: r.products,
      calls: r.calls ?? r.products,
      converged: r.converged,
      worstRelError: relErr(r.values),
      ritzSeconds: r.checkSeconds === undefined ? undefined : +r.checkSeconds.toFixed(2),
    };
    rows.push(row);
    log(`${name}: ${row.seconds} s (${row.operatorSeconds} s in J·v/Jᵀ·u calls${row.ritzSeconds === undefined ? "" : `, ${row.ritzSeconds} s in Ritz values`}), ${row.products} products (J·v + Jᵀ·u) in ${row.calls} calls, ` +
      `worst rel. error of the top ${K} ${row.worstRelError.toExponential(1)}${row.converged ? "" : " (NOT converged)"}`);
  }
  J.dispose();
  Jreverse.dispose();
  model.dispose();
  image.dispose();
  return {
    unit: "s0.b1",
    model: "buildBasicResNet({ inputShape: [32, 32, 3], blocksPerStage: 3, seed: 1 }), BatchNorm statistics and affine parameters randomised",
    n,
    k: K,
    tol: TOL,
    backend,
    reference: { method: "topSingularValues, tol 1e-10", steps: reference.steps, products: reference.products, seconds: +reference.seconds.toFixed(2), values: reference.values, gramAgreement: relErr(check.values) },
    methods: rows,
  };
}

/**
 * All singular values of the 4,096-dimensional unit s0.b1 of ResNet-20 at 16×16×3 (BN randomised)
 * by fullSpectrum on the active backend (torch: float64 Gram eigenvalues in libtorch), then the same
 * J (formed by the same batched products) handed to PyTorch: torch.linalg.svdvals in float64 with the
 * same threads. Prints both times, their ratio and the largest difference of the values.
 */
async function measureDenseSpectrum(log = console.log) {
  const fs = require("fs");
  const os = require("os");
  const { spawnSync } = require("child_process");
  const model = buildBasicResNet({ inputShape: [16, 16, 3], blocksPerStage: 3, seed: 1 });
  randomiseBatchNorm(model);
  const image = tf.randomNormal([1, 16, 16, 3], 0, 1, "float32", 1);
  const J = unitJacobian(model, "s0.b1", image);
  const n = J.inShape.reduce((a, b) => a * b, 1);
  log(`\n== dense spectrum: all ${n} singular values of unit s0.b1 (${J.inShape.join("×")}) of ResNet-20 at a 16×16×3 image, BN randomised; ${tf.getBackend()} backend vs PyTorch`);
  const t0 = performance.now();
  const ours = fullSpectrum(J);
  const seconds = (performance.now() - t0) / 1000;
  // the same matrix for PyTorch: rows J·eᵢ, float32
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "reslab-dense-")), "J.f32");
  const fd = fs.openSync(file, "w");
  for (let start = 0; start < n; start += 256) {
    const k = Math.min(256, n - start);
    const rows = tf.tidy(() => J.jvp(tf.oneHot(tf.range(start, start + k, 1, "int32"), n).toFloat().reshape([k, ...J.inShape])).dataSync());
    fs.writeSync(fd, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
  }
  fs.closeSync(fd);
  const threads = Number(process.env.RESLAB_THREADS) || os.cpus().length;
  const script = [
    "import sys, time, json, numpy as np, torch",
    `torch.set_num_threads(${threads})`,
    `J = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32).reshape(${n}, -1)).double()`,
    "t = time.time(); s = torch.linalg.svdvals(J); dt = time.time() - t",
    "print(json.dumps({'seconds': dt, 'values': s.tolist(), 'version': torch.__version__}))",
  ].join("\n");
  let ref;
  for (const py of [process.env.RESLAB_PYTORCH_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean)) {
    const r = spawnSync(py, ["-c", script, file], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (!r.error && r.status === 0) {
      ref = JSON.parse(r.stdout);
      break;
    }
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  J.dispose();
  model.dispose();
  image.dispose();
  const row = { n, backend: tf.getBackend(), seconds: +seconds.toFixed(2) };
  if (!ref) {
    log(`ResLab fullSpectrum: ${row.seconds} s; PyTorch reference not measured (no Python with PyTorch: apt-get install -y python3-torch, or set RESLAB_PYTORCH_PYTHON)`);
    return row;
  }
  const diff = Math.max(...ours.map((v, i) => Math.abs(v - ref.values[i])));
  Object.assign(row, { pytorchSeconds: +ref.seconds.toFixed(2), ratio: +(seconds / ref.seconds).toFixed(2), maxAbsDiff: diff, sigma1: ours[0] });
  log(`ResLab fullSpectrum (J formed from batched J·v, float64 Gram eigenvalues): ${row.seconds} s | PyTorch ${ref.version} torch.linalg.svdvals (float64, ${threads} threads) of the same J: ${row.pytorchSeconds} s | ` +
    `ResLab/PyTorch ${row.ratio}× (ResLab's time includes forming J) | largest |σ difference| ${diff.toExponential(1)} (σ₁ = ${ours[0].toFixed(3)})`);
  return row;
}

module.exports = { measureSpectra, measureDenseSpectrum };
