#!/usr/bin/env node
/**
 * npm run bench — training and forward speed of the reference model on each available backend.
 *
 * Reference model (issue 3): pre-activation ResNet, MNIST shape 28×28×1, 3 sections of L blocks,
 * widths 16/32/64, batch 64, SGD with momentum, softmax cross-entropy; L = 2 and L = 8.
 * Prints step ms (median of ≥ 5 after warm-up), images/s, forward ms and achieved GFLOP/s
 * (3 × forward FLOPs per training step), a per-kernel profile of one training step, and writes
 * everything as JSON under bench/results/.
 *
 * Dense spectra (issue 15; scripts/bench-spectra.js): all singular values of a 4,096-dimensional unit
 * by fullSpectrum, against PyTorch's SVD of the same matrix.
 *
 * Spectra (issue 6, item 6; scripts/bench-spectra.js): the top 20 singular values of one
 * 32×32×16 residual unit's Jacobian on wasm to 1e-4, by each method measured, against a long
 * reference run: time, J·v / Jᵀ·u products and the achieved error.
 *
 * PyTorch: the same model in scripts/bench_pytorch.py (Debian's python3-torch), same threads, best of
 *          NCHW and channels-last; rows carry pytorchStepMs, pytorchForwardMs and the ratios.
 *
 * Options: --backends wasm,cpu (default: every native backend that loads, and wasm; the pure-JS
 *          cpu backend takes minutes per step and runs only when named), --steps N, --L 2,8,
 *          --no-data, --no-train, --no-spectra, --no-queue (any combination)
 *
 * Queue (issue 13; scripts/bench-queue.js): enqueue-to-start and finish-to-recorded per run of a
 * BullMQ worker on a local redis-server, against the 1 s target.
 */
const fs = require("fs");
const path = require("path");
const os = require("os");
const { Command } = require("commander");
const root = path.resolve(__dirname, "..");
const tf = require("@tensorflow/tfjs");
const { selectBackend, describeBackend } = require(path.join(root, "dist/src/backend/select"));
const { buildPreActResNet, forwardFlops } = require(path.join(root, "dist/src/models/preact-resnet"));

const program = new Command("bench")
  .option("--backends <list>", "comma-separated backends (default: native ones that load, then wasm)")
  .option("--steps <n>", "timed steps per measurement (≥ 5)", (v) => Math.max(5, Number(v)), 7)
  .option("--L <list>", "blocks per section", "2,8")
  .option("--batch <n>", "batch size", (v) => Number(v), 64)
  .option("--threads <n>", "threads for libtorch and PyTorch (default RESLAB_THREADS, else the machine's cores)", (v) => Number(v))
  .option("--no-pytorch", "skip the PyTorch reference (scripts/bench_pytorch.py)")
  .option("--rounds <n>", "alternating PyTorch / ResLab rounds per L (medians over all rounds)", (v) => Math.max(1, Number(v)), 3)
  .option("--no-data", "skip the dataset loading measurement")
  .option("--no-train", "skip the training measurements")
  .option("--no-spectra", "skip the top-20 singular values of a 32×32×16 unit (torch, else wasm)")
  .option("--no-queue", "skip the sweep queue's overhead per run (scripts/bench-queue.js; needs redis-server)")
  .parse(process.argv);
const opts = program.opts();
const threads = opts.threads || Number(process.env.RESLAB_THREADS) || os.cpus().length;
process.env.RESLAB_THREADS = String(threads);

/**
 * The same model trained by PyTorch (scripts/bench_pytorch.py, best of NCHW and channels-last,
 * same threads), measured once per L right before ResLab's first measurement of that L.
 */
const pytorchRows = new Map(); // L -> the pooled PyTorch figures
let pytorchMissing;
/** One PyTorch measurement (a fresh process) of L, or undefined where PyTorch is missing. */
function pytorchRound(L, batch, steps) {
  if (!opts.pytorch || pytorchMissing) return undefined;
  const { spawnSync } = require("child_process");
  const pythons = [process.env.RESLAB_PYTORCH_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean);
  for (const py of pythons) {
    const r = spawnSync(py, [path.join(__dirname, "bench_pytorch.py"), "--json", "--L", String(L), "--batch", String(batch), "--steps", String(steps), "--threads", String(threads)], { encoding: "utf8" });
    if (r.error || r.status !== 0) continue;
    const row = JSON.parse(r.stdout.trim().split("\n").pop());
    if (row.error) {
      pytorchMissing = row.error;
      continue;
    }
    pytorchMissing = undefined;
    return row;
  }
  pytorchMissing = pytorchMissing || `no Python with PyTorch among ${pythons.join(", ")} (Debian: apt-get install -y python3-torch; or set RESLAB_PYTORCH_PYTHON)`;
  console.log(`PyTorch reference: not measured (${pytorchMissing})`);
  return undefined;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure(L, batch, steps) {
  const model = buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: L, seed: 0 });
  const flops = forwardFlops(model);
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2), 10);
  const opt = tf.train.momentum(0.01, 0.9);
  const trainStep = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true);
    loss.dataSync();
    loss.dispose();
  };
  // one batch of `batch` images, as PyTorch runs it (predict() alone would split it into batches of 32)
  const forward = () => tf.tidy(() => model.predict(x, { batchSize: batch }).dataSync());
  for (let i = 0; i < 3; i++) {
    trainStep();
    forward();
  }
  // This machine is shared and noisy: PyTorch and ResLab take turns (rounds), and each side's
  // figure is the median over all its rounds, so that both see the same conditions.
  const stepMs = [], fwdMs = [], refRows = [];
  for (let round = 0; round < opts.rounds; round++) {
    const ref = pytorchRound(L, batch, steps);
    if (ref) refRows.push(ref);
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      trainStep();
      stepMs.push(performance.now() - t0);
    }
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      forward();
      fwdMs.push(performance.now() - t0);
    }
  }
  const ref = refRows.length
    ? {
        torch: refRows[0].torch,
        trainStepMs: +median(refRows.map((r) => r.trainStepMs)).toFixed(1),
        forwardMs: +median(refRows.map((r) => r.forwardMs)).toFixed(1),
        formats: refRows.map((r) => r.formats),
      }
    : undefined;
  if (ref) pytorchRows.set(L, ref);
  const profile = await tf.profile(() => trainStep());
  const byKernel = new Map();
  for (const k of profile.kernels) {
    if (k.name.endsWith("__op")) continue; // op wrappers: their kernels are listed on their own
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) || 0) + ms);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  // Floor: every training step runs three convolution passes (forward, input and filter gradient)
  // of the same FLOPs. At the speed the backend's own forward convolutions reach, and with
  // everything else free, a step cannot take less than 3 × the forward pass's convolution time.
  const fwdProfile = await tf.profile(() => forward());
  const convMs = fwdProfile.kernels
    .filter((k) => /^(Fused)?Conv2D$/.test(k.name))
    .reduce((a, k) => a + (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0), 0);
  const kernels = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([name, ms]) => ({ name, ms: +ms.toFixed(1), share: +(ms / total).toFixed(3) }));
  const step = median(stepMs);
  const result = {
    L,
    batch,
    params: model.countParams(),
    forwardGflopPerImage: +(flops / 1e9).toFixed(4),
    trainStepMs: +step.toFixed(1),
    trainStepMsAll: stepMs.map((v) => +v.toFixed(1)),
    imagesPerSecond: +((batch / step) * 1000).toFixed(1),
    forwardMs: +median(fwdMs).toFixed(1),
    trainGflops: +((3 * flops * batch) / (step / 1000) / 1e9).toFixed(2),
    forwardGflops: +((flops * batch) / (median(fwdMs) / 1000) / 1e9).toFixed(2),
    forwardConvMs: +convMs.toFixed(1),
    forwardConvGflops: +((flops * batch) / (convMs / 1000) / 1e9).toFixed(2),
    convFloorMs: +(3 * convMs).toFixed(1),
    profileTop: kernels,
    threads,
    pytorchStepMs: ref?.trainStepMs,
    pytorchForwardMs: ref?.forwardMs,
    pytorchFormats: ref?.formats,
    ratio: ref ? +(step / ref.trainStepMs).toFixed(2) : undefined,
    forwardRatio: ref ? +(median(fwdMs) / ref.forwardMs).toFixed(2) : undefined,
  };
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  return result;
}

/** Time and memory to load all of CIFAR-10 train (+test) from disk, when the files are here. */
async function measureData() {
  const { loadDataset, defaultCacheDir } = require(path.join(root, "dist/src/data"));
  const candidates = [process.env.RESLAB_CIFAR_DIR, path.resolve(root, "../shared/data/cifar-10"), defaultCacheDir("cifar10")].filter(Boolean);
  const dir = candidates.find((d) => fs.existsSync(path.join(d, "data_batch_1.bin.gz")) || fs.existsSync(path.join(d, "data_batch_1.bin")));
  if (!dir) {
    console.log("data: CIFAR-10 files not found here (set RESLAB_CIFAR_DIR); load time not measured");
    return undefined;
  }
  const before = process.memoryUsage();
  const t0 = performance.now();
  const ds = await loadDataset("cifar10", { dir, download: false });
  const seconds = (performance.now() - t0) / 1000;
  const after = process.memoryUsage();
  const r = {
    dataset: "cifar10",
    dir,
    trainImages: ds.train.count,
    testImages: ds.test.count,
    loadSeconds: +seconds.toFixed(2),
    rssDeltaMiB: +((after.rss - before.rss) / 2 ** 20).toFixed(0),
    arrayBuffersDeltaMiB: +((after.arrayBuffers - before.arrayBuffers) / 2 ** 20).toFixed(0),
  };
  console.log(`data: CIFAR-10 train+test (${r.trainImages} + ${r.testImages} images, uint8) loaded in ${r.loadSeconds} s from ${dir}; ` +
    `RSS +${r.rssDeltaMiB} MiB, array buffers +${r.arrayBuffersDeltaMiB} MiB`);
  return r;
}

async function main() {
  const Ls = String(opts.L).split(",").map(Number);
  let backends = opts.backends ? opts.backends.split(",") : null;
  if (!backends) {
    backends = [];
    for (const b of ["torch", "tfjs-node-gpu", "tfjs-node"]) {
      try {
        await selectBackend({ prefer: b, strict: true });
        backends.push(b);
      } catch (e) {
        console.log(`${b}: not measured (${e.message})`);
      }
    }
    backends.push("wasm");
    console.log("cpu: not measured by default (pure JS, minutes per training step); add --backends cpu to include it");
  }
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version },
    model: "pre-activation ResNet (seed 000 eq. 13): 3×3 stem, 3 sections × L blocks [BN-ReLU-conv3×3-BN-ReLU-conv3×3 + identity], 1×1 stride-2 convs between sections, widths 16/32/64, BN-ReLU-GAP-dense(10); input 28×28×1",
    optimizer: "SGD momentum 0.9, softmax cross-entropy",
    results: [],
  };
  if (opts.data) out.data = await measureData();
  for (const b of opts.train ? backends : []) {
    const report = await selectBackend({ prefer: b, strict: true });
    console.log(`\n== backend ${describeBackend(report)}`);
    for (const L of Ls) {
      const r = await measure(L, opts.batch, opts.steps);
      out.results.push({ backend: report.active, ...r });
      console.log(
        `L=${L}: ${r.params.toLocaleString()} params, ${(r.forwardGflopPerImage * 1000).toFixed(1)} MFLOP/image forward | ` +
          `train step ${r.trainStepMs} ms (median of ${opts.steps} × ${opts.rounds} rounds), ${r.imagesPerSecond} images/s, ${r.trainGflops} GFLOP/s | ` +
          `forward ${r.forwardMs} ms, ${r.forwardGflops} GFLOP/s`,
      );
      console.log(
        `  floor: forward convolutions run at ${r.forwardConvGflops} GFLOP/s (${r.forwardConvMs} ms); three such passes per step = ${r.convFloorMs} ms ` +
          "with everything else free",
      );
      if (r.ratio !== undefined) {
        console.log(
          `  PyTorch ${pytorchRows.get(L).torch} (same model, ${threads} threads, best of NCHW / channels-last): step ${r.pytorchStepMs} ms, forward ${r.pytorchForwardMs} ms | ` +
            `ResLab/PyTorch: step ${r.ratio}×, forward ${r.forwardRatio}×`,
        );
      }
      console.log(`  profile of one step: ${r.profileTop.map((k) => `${k.name} ${k.ms} ms (${Math.round(k.share * 100)}%)`).join(", ")}`);
    }
  }
  if (opts.spectra) {
    let spectraBackend = "wasm";
    try {
      await selectBackend({ prefer: "torch", strict: true });
      spectraBackend = "torch";
    } catch {
      // torch not built here: the spectra run on wasm
    }
    out.spectra = await require("./bench-spectra").measureSpectra(spectraBackend);
    out.denseSpectrum = await require("./bench-spectra").measureDenseSpectrum();
  }
  if (opts.queue) {
    console.log("");
    out.queue = await require("./bench-queue").benchQueue();
  }
  const dir = path.join(root, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `train-${out.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`\nwritten: ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
