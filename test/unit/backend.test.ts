import { parseBackendName, selectBackend, describeBackend, type BackendLoader } from "../../src/backend/select";

const fail = (msg: string): BackendLoader => async () => {
  throw new Error(msg);
};

describe("backend selection", () => {
  const saved = process.env.RESLAB_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.RESLAB_BACKEND;
    else process.env.RESLAB_BACKEND = saved;
  });

  test("default order: torch, gpu, node, wasm, cpu — the first that loads wins, reasons are kept", async () => {
    delete process.env.RESLAB_BACKEND;
    const r = await selectBackend({
      loaders: { torch: fail("no libtorch"), "tfjs-node-gpu": fail("no CUDA"), "tfjs-node": fail("not installed"), wasm: async () => "wasm-x" },
    });
    expect(r.active).toBe("wasm");
    expect(r.tfName).toBe("wasm-x");
    expect(r.attempts.map((a) => [a.name, a.ok, a.reason])).toEqual([
      ["torch", false, "no libtorch"],
      ["tfjs-node-gpu", false, "no CUDA"],
      ["tfjs-node", false, "not installed"],
      ["wasm", true, "first that loaded"],
    ]);
    expect(describeBackend(r)).toBe("wasm (torch: no libtorch; tfjs-node-gpu: no CUDA; tfjs-node: not installed)");
  });

  test("RESLAB_BACKEND is tried first; a failing request falls back, or errors when strict", async () => {
    process.env.RESLAB_BACKEND = "cpu";
    const r = await selectBackend({ loaders: { cpu: async () => "cpu" } });
    expect(r.attempts).toEqual([{ name: "cpu", ok: true, reason: "requested" }]);
    expect(r.requested).toBe("cpu");

    const loaders = { torch: fail("missing"), "tfjs-node": fail("missing"), "tfjs-node-gpu": fail("missing"), wasm: async () => "wasm" };
    const fell = await selectBackend({ prefer: "node", loaders });
    expect(fell.active).toBe("wasm");
    await expect(selectBackend({ prefer: "node", loaders, strict: true })).rejects.toThrow(/tfjs-node could not be used: missing/);
  });

  test("unknown names are refused with the list of valid ones", () => {
    expect(parseBackendName("GPU")).toBe("tfjs-node-gpu");
    expect(() => parseBackendName("webgpu")).toThrow(/Unknown backend "webgpu"\. Use one of: torch, tfjs-node-gpu, tfjs-node, wasm, cpu/);
    expect(parseBackendName("libtorch")).toBe("torch");
  });

  test("on this machine the real loaders end on a working backend and say why native ones were skipped", async () => {
    delete process.env.RESLAB_BACKEND;
    const r = await selectBackend();
    expect(["torch", "tfjs-node-gpu", "tfjs-node", "wasm"]).toContain(r.active);
    for (const a of r.attempts.filter((x) => !x.ok)) expect(a.reason).toMatch(/not installed|did not load|returned false|not built|libtorch/);
    const tf = await import("@tensorflow/tfjs");
    expect(tf.getBackend()).toBe(r.tfName);
    expect(Array.from(tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])).dataSync())).toEqual([4, 6]);
  });
});
