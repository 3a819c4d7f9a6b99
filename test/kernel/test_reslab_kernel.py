"""The reslab kernel over the real Jupyter protocol.

Debian's jupyter_kernel_test suite (message shapes validated against the v5 spec), then ResLab's
own checks: magics, -o binding across cells, errors that leave the kernel alive, interrupts,
rich display bundles and in-place progress updates.
"""
import re
import time
import json
import unittest

import jupyter_kernel_test as jkt
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


class ReslabKernelProtocol(jkt.KernelTests):
    kernel_name = "reslab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'
    completion_samples = [{"text": "Math.fl", "matches": {"floor"}}]
    complete_code_samples = ["1 + 1", "let a = 2;"]
    incomplete_code_samples = ["function f() {", "const xs = [1, 2,"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "[1, 2].map((v) => v * 2)", "result": "[ 2, 4 ]"},
        {"code": '"quoted"', "result": "'quoted'"},
    ]
    code_display_data = [
        {"code": 'reslab.display(reslab.markdown ? "x" : "x")', "mime": "text/plain"},
        {"code": 'reslab.html("<b>bold</b>")', "mime": "text/html"},
        {
            "code": 'reslab.display(reslab.figure([{y: [1, 3, 2]}], {provenance: {dataset: "none", model: "none", seed: "none"}}))',
            "mime": "application/vnd.plotly.v1+json",
        },
    ]
    code_inspect_sample = "Math.max"
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 *"


class KernelSession(unittest.TestCase):
    """One ReslabKernel per test class, and cell helpers over its channels."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="reslab", startup_timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def wait_reply(self, msg_id, timeout=TIMEOUT):
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def run_cell(self, code, timeout=TIMEOUT):
        msg_id = self.kc.execute(code)
        reply = self.wait_reply(msg_id, timeout)
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    break
                continue
            if msg["msg_type"] != "execute_input":
                outputs.append(msg)
        return reply["content"], outputs

    def stdout(self, outputs):
        return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")

    def result_text(self, outputs):
        res = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(res), 1, outputs)
        return res[0]["content"]["data"]["text/plain"]


class ReslabBadMessages(KernelSession):
    """Messages that fail the wire check are logged and dropped: nothing runs, no reply, the session lives on."""

    def raw_shell(self):
        import zmq

        info = self.km.get_connection_info()
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
        return sock, info

    def signed(self, key, msg_type="execute_request", content=None, version="5.3"):
        import hmac, hashlib, uuid

        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "version": version, "session": "attacker", "username": "x", "date": "2026-12-03T00:00:00Z"}
        parts = [json.dumps(v).encode() for v in (header, {}, {}, content if content is not None else {"code": "x = 0", "silent": False})]
        sig = hmac.new(key, b"".join(parts), hashlib.sha256).hexdigest().encode() if key else b""
        return [b"<IDS|MSG>", sig, *parts]

    def test_bad_messages_are_dropped_and_the_session_keeps_its_variables(self):
        import zmq

        reply, _ = self.run_cell("var x = 41")
        self.assertEqual(reply["status"], "ok")
        sock, info = self.raw_shell()
        key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        good = self.signed(key)
        cases = {
            "wrong HMAC key": self.signed(b"not-the-key"),
            "missing signature": [good[0], b"", *good[2:]],
            "tampered content": [*good[:5], json.dumps({"code": "x = 1"}).encode()],
            "truncated frames": good[:3],
            "malformed JSON": [good[0], good[1], b"{not json", *good[3:]],
            "no delimiter": good[1:],
            "unknown msg_type": self.signed(key, msg_type="frobnicate_request"),
            "protocol version 4.1": self.signed(key, version="4.1"),
        }
        for name, frames in cases.items():
            with self.subTest(name):
                sock.send_multipart(frames)
                # no reply comes back for a dropped message
                self.assertEqual(sock.poll(500, zmq.POLLIN), 0, f"{name}: the kernel answered")
                self.assertTrue(self.km.is_alive(), f"{name}: the kernel died")
        sock.close()
        reply, outs = self.run_cell("x + 1")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(self.result_text(outs), "42")  # none of the dropped requests ran (they set x = 0 or 1)

    def test_a_correctly_signed_raw_request_still_runs(self):
        # the check is not simply refusing raw sockets: the same framing, signed right, executes
        import zmq

        self.run_cell("var y = 1")
        sock, info = self.raw_shell()
        key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        sock.send_multipart(self.signed(key, content={"code": "y = 5", "silent": False}))
        self.assertNotEqual(sock.poll(20000, zmq.POLLIN), 0)
        frames = sock.recv_multipart()
        self.assertEqual(json.loads(frames[frames.index(b"<IDS|MSG>") + 2])["msg_type"], "execute_reply")
        sock.close()
        _, outs = self.run_cell("y")
        self.assertEqual(self.result_text(outs), "5")


class ReslabCompletionOverProtocol(KernelSession):
    def complete(self, code, cursor=None):
        msg_id = self.kc.complete(code, len(code) if cursor is None else cursor)
        return self.wait_reply(msg_id)["content"]

    def test_magic_names_options_and_typescript_in_the_same_cell(self):
        c = self.complete("%sp")
        self.assertEqual(c["status"], "ok")
        self.assertIn("%spectrum", c["matches"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (0, 3))
        c = self.complete("%spectrum net digits --")
        self.assertIn("--output", c["matches"])
        self.assertTrue(all(m.startswith("--") for m in c["matches"]))
        c = self.complete("%time\nMath.fl")
        self.assertIn("floor", c["matches"])
        c = self.complete("const s = [1, 2];\n%time\ns.ma")
        self.assertIn("map", c["matches"])

    def test_inspect_on_a_magic_shows_its_usage(self):
        msg_id = self.kc.inspect("%spectrum net data", 4)
        content = self.wait_reply(msg_id)["content"]
        self.assertTrue(content["found"])
        self.assertIn("Usage: %spectrum", content["data"]["text/plain"])
        msg_id = self.kc.inspect("Math.max", 6)
        self.assertTrue(self.wait_reply(msg_id)["content"]["found"])


class ReslabMagicsOverProtocol(KernelSession):
    def test_banner_names_version_and_backend(self):
        self.kc.kernel_info()
        while True:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            if reply["header"]["msg_type"] == "kernel_info_reply":
                break
        content = reply["content"]
        self.assertEqual(content["implementation"], "reslab")
        self.assertRegex(content["banner"], r"^ResLab \d+\.\d+\.\d+")
        self.assertRegex(content["banner"], r"backend: (torch \[libtorch [0-9.]+, device (cpu|cuda[:0-9]*), [0-9]+ threads?, oneDNN (yes|no)\]|tfjs-node-gpu|tfjs-node|wasm|cpu)")

    def test_magics_and_typescript_in_one_cell(self):
        reply, outs = self.run_cell("let base = 10;\n%time let doubled = base * 2\n%lsmagic\ndoubled + 1")
        self.assertEqual(reply["status"], "ok")
        out = self.stdout(outs)
        self.assertRegex(out, r"CPU times: user [\d.]+ \S+, sys: [\d.]+ \S+, total: [\d.]+ \S+\nWall time: [\d.]+ \S+\n")
        self.assertIn("Available line magics:", out)
        self.assertEqual(self.result_text(outs), "21")

    def test_timeit_format_and_output_binding(self):
        reply, outs = self.run_cell("%timeit -r 2 -o t Math.sqrt(2)")
        self.assertEqual(reply["status"], "ok")
        self.assertRegex(
            self.stdout(outs),
            r"^[\d.]+ \S+ ± [\d.]+ \S+ per loop \(mean ± std\. dev\. of 2 runs, [\d,]+ loops? each\)\n$",
        )
        reply, outs = self.run_cell("[t.repeat, t.timings.length, t.loops >= 1]")
        self.assertEqual(self.result_text(outs), "[ 2, 2, true ]")

    def test_unknown_magic_is_an_error_and_the_kernel_lives_on(self):
        reply, outs = self.run_cell("%timeti 1")
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "UsageError")
        self.assertIn("Did you mean %timeit?", reply["evalue"])
        self.assertEqual([m["msg_type"] for m in outs], ["error"])
        reply, outs = self.run_cell("%backend --fast")
        self.assertEqual(reply["status"], "error")
        self.assertIn("unknown option '--fast'", reply["evalue"])
        reply, outs = self.run_cell("1 + 1")
        self.assertEqual(self.result_text(outs), "2")

    def test_output_burst_arrives_whole_and_the_kernel_lives_on(self):
        # 5,000 writes in one tick: zeromq.js takes one send at a time, and unqueued sends used to
        # throw EBUSY inside the cell, leaving it without a reply and aborting every later cell.
        reply, outs = self.run_cell("for (let i = 0; i < 5000; i++) console.log(i);\n%lsmagic")
        self.assertEqual(reply["status"], "ok", outs)
        out = self.stdout(outs)
        lines = out.split("\n")
        self.assertEqual(lines[:5000], [str(i) for i in range(5000)])
        self.assertIn("Available line magics:", out)
        streams = [m for m in outs if m["msg_type"] == "stream"]
        self.assertLess(len(streams), 50, "stream text should be coalesced into few messages")
        reply, outs = self.run_cell("6 * 7")
        self.assertEqual((reply["status"], self.result_text(outs)), ("ok", "42"))

    def test_usage_with_question_mark(self):
        reply, outs = self.run_cell("%memory?")
        self.assertEqual(reply["status"], "ok")
        self.assertIn("Usage: %memory [options]", self.stdout(outs))

    def test_memory_and_backend_display_rich_bundles(self):
        reply, outs = self.run_cell("%memory\n%backend")
        self.assertEqual(reply["status"], "ok")
        shown = [m for m in outs if m["msg_type"] == "display_data"]
        self.assertEqual(len(shown), 2)
        self.assertIn("tensors:", shown[0]["content"]["data"]["text/plain"])
        self.assertIn("<table>", shown[0]["content"]["data"]["text/html"])
        self.assertIn("Active backend:", shown[1]["content"]["data"]["text/plain"])

    def test_progress_bar_updates_in_place(self):
        code = (
            "const pb = new reslab.ProgressBar(5, { label: 'demo', minIntervalMs: 0 });\n"
            "for (let i = 0; i < 5; i++) { await new Promise((r) => setTimeout(r, 20)); pb.tick(); }"
        )
        reply, outs = self.run_cell(code)
        self.assertEqual(reply["status"], "ok")
        first = [m for m in outs if m["msg_type"] == "display_data"]
        updates = [m for m in outs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(first), 1)
        self.assertEqual(len(updates), 5)
        ids = {m["content"]["transient"]["display_id"] for m in first + updates}
        self.assertEqual(len(ids), 1)
        self.assertRegex(updates[-1]["content"]["data"]["text/plain"], r"demo: 100%\|█+\| 5/5 \[\d\d:\d\d<00:00, [\d.]+ it/s\]")

    def test_figure_bundle_carries_plotly_json_and_offline_html(self):
        reply, outs = self.run_cell(
            'reslab.figure([{x: [1, 2], y: [3, 4]}], {provenance: {dataset: "d", model: "m", seed: 1}})'
        )
        self.assertEqual(reply["status"], "ok")
        data = [m for m in outs if m["msg_type"] == "execute_result"][0]["content"]["data"]
        self.assertEqual(data["application/vnd.plotly.v1+json"]["data"], [{"x": [1, 2], "y": [3, 4]}])
        self.assertIn("Plotly.newPlot", data["text/html"])
        self.assertNotRegex(data["text/html"], r"<script[^>]+src=")

    def test_interrupt_stops_a_running_cell_and_keeps_the_session(self):
        self.run_cell("let survivor = 123;")
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 30000));")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = self.wait_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertRegex(reply["content"]["evalue"], r"[Ii]nterrupt")
        time.sleep(0.3)  # the queue drops requests for 200 ms after an error
        reply, outs = self.run_cell("survivor")
        self.assertEqual(self.result_text(outs), "123")

    def test_interrupt_stops_training_within_a_batch_and_keeps_the_model(self):
        setup = (
            "const tds = reslab.data.subsetDataset(reslab.data.loadEmbeddedMnist(), { trainN: 2000, testN: 100 });\n"
            "const tm = reslab.buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: 1, widths: [4, 8, 8] });\n"
            "let tres: any = undefined;"
        )
        reply, _ = self.run_cell(setup)
        self.assertEqual(reply["status"], "ok")
        msg_id = self.kc.execute(
            "await reslab.train(tm, tds, { epochs: 50, batchSize: 20, lr: 0.05, live: false }).then((r) => (tres = r));"
        )
        time.sleep(3.0)
        self.km.interrupt_kernel()
        reply = self.wait_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        time.sleep(0.3)
        reply, outs = self.run_cell(
            "await new Promise((r) => setTimeout(r, 2000));\n"
            "[tres?.stopped?.reason, tres.history.length < 50, (tm.predict(tf.zeros([1, 28, 28, 1])) as any).shape]"
        )
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "[ 'interrupted', true, [ 1, 10 ] ]")

    def test_study_magics_train_and_sweep(self):
        import tempfile

        reply, outs = self.run_cell(
            "%data mnist-embedded --n 200 -o tinyData\n"
            "const tinyModel = reslab.buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: 1, widths: [2, 4, 4] });"
        )
        self.assertEqual(reply["status"], "ok", outs)
        reply, outs = self.run_cell("%train tinyModel tinyData --epochs 2 --batch 50 -o hist", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        updates = [m for m in outs if m["msg_type"] in ("display_data", "update_display_data")]
        self.assertTrue(any("application/vnd.plotly.v1+json" in m["content"]["data"] for m in updates))
        self.assertTrue(any(m["content"]["data"].get("text/plain", "").startswith("epoch 2/2: 100%") for m in updates))
        reply, outs = self.run_cell("[hist.history.length, typeof hist.final.accuracy]")
        self.assertEqual(self.result_text(outs), "[ 2, 'number' ]")
        reply, outs = self.run_cell("%train tinyModel nothingHere")
        self.assertEqual(reply["status"], "error")
        self.assertIn("DATA", reply["evalue"])

        results = tempfile.mkdtemp(prefix="reslab-sweep-")
        reply, outs = self.run_cell(f"%sweep --blocks 1,2 --n 100 --epochs 1 --widths 2,4,4 --dir {results} -o sw", timeout=300)
        self.assertEqual(reply["status"], "ok", outs)
        reply, outs = self.run_cell("[sw.runs.map((r: any) => r.L), sw.table.numRows()]")
        self.assertEqual(self.result_text(outs), "[ [ 1, 2 ], 2 ]")
        reply, outs = self.run_cell("%stoprule sw --eps 0.5 -o rule\nrule.numRows()")
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "3")

    def test_stability_magics_jacobian_spectrum_perturb(self):
        reply, outs = self.run_cell(
            "%data mnist-embedded --n 200 -o stabData\n"
            "const stabModel = reslab.buildBasicResNet({ inputShape: [28, 28, 1], blocksPerStage: 1, widths: [2, 2, 2], seed: 1 });"
        )
        self.assertEqual(reply["status"], "ok", outs)
        reply, outs = self.run_cell("%jacobian stabModel s1 --data stabData --taylor -o J", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        self.assertTrue(any("application/vnd.plotly.v1+json" in m["content"].get("data", {}) for m in outs if m["msg_type"] == "display_data"))
        self.assertRegex(self.stdout(outs), r"(passed|failed|inconclusive): ")
        reply, outs = self.run_cell("[J.inShape, J.outShape]")
        self.assertEqual(self.result_text(outs), "[ [ 28, 28, 2 ], [ 14, 14, 2 ] ]")
        reply, outs = self.run_cell("%spectrum stabModel s2.b0 --data stabData --full -o sp\n[sp.method, sp.values.length, sp.proportions.length]", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "[ 'dense', 98, 4 ]")
        figs = [m["content"]["data"]["application/vnd.plotly.v1+json"] for m in outs if m["msg_type"] == "display_data" and "application/vnd.plotly.v1+json" in m["content"]["data"]]
        footer = " ".join(a["text"] for a in figs[0]["layout"]["annotations"])
        for part in ("mnist-embedded test image #", "widths 2/2/2", "seed: 1", "backend: "):
            self.assertIn(part, footer)
        reply, outs = self.run_cell("%spectrum stabModel s2.b0 --data stabData --k 3 --full")
        self.assertEqual(reply["status"], "error")
        self.assertIn("choose one of --k, --full, --density", reply["evalue"])
        reply, outs = self.run_cell("%jacobian stabModel s2.b0")
        self.assertEqual(reply["status"], "error")
        self.assertIn("--data DATA", reply["evalue"])
        reply, outs = self.run_cell("%perturb stabModel stabData --fgsm 0.1,0.3 --images 2 -o pt\n[pt.adversarial.units, pt.fgsm.eps.length]", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "[ [ 'input', 's0.b0', 's1.b0', 's2.b0' ], 2 ]")

    def test_iterative_magics_align_dropblocks_unroll(self):
        reply, outs = self.run_cell(
            "%data mnist-embedded --n 200 -o iterData\n"
            "const iterModel = reslab.buildBasicResNet({ inputShape: [28, 28, 1], blocksPerStage: 2, widths: [2, 3], seed: 2 });"
        )
        self.assertEqual(reply["status"], "ok", outs)
        reply, outs = self.run_cell("%align iterModel iterData --n 30 --intermediate -o al\n[al.alignment.map((r: any) => r.cosine === null), al.intermediate.map((r: any) => r.point)]", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "[ [ false, false, true, false ], [ 's1.b1.in', 's1.b1.out' ] ]")
        figs = [m["content"]["data"]["application/vnd.plotly.v1+json"] for m in outs if m["msg_type"] == "display_data" and "application/vnd.plotly.v1+json" in m["content"]["data"]]
        self.assertEqual(len(figs), 3)
        footer = " ".join(a["text"] for a in figs[0]["layout"]["annotations"])
        for part in ("mnist-embedded (first 30 test images", "widths 2/3", "seed: 2", "backend: "):
            self.assertIn(part, footer)
        tables = [m["content"]["data"]["text/html"] for m in outs if m["msg_type"] == "display_data" and "text/html" in m["content"]["data"] and "cos_mean" in m["content"]["data"]["text/html"]]
        self.assertEqual(len(tables), 1)
        self.assertIn("seed 003 finds block outputs pointing against the loss gradient", tables[0])
        reply, outs = self.run_cell("%dropblocks iterModel iterData --n 30 -o dr\n[dr.rows.length, dr.baseline.count]", timeout=120)
        self.assertEqual((reply["status"], self.result_text(outs)), ("ok", "[ 4, 30 ]"))
        reply, outs = self.run_cell("%unroll iterModel iterData --n 30 --steps 3 --scale 1,0.1 -o un\n[un.length, un[1].rows.map((r: any) => r.k)]", timeout=120)
        self.assertEqual((reply["status"], self.result_text(outs)), ("ok", "[ 2, [ 0, 1, 2, 3 ] ]"))
        reply, outs = self.run_cell("%unroll iterModel iterData --scale -1")
        self.assertEqual(reply["status"], "error")
        self.assertIn("--scale must be a positive number", reply["evalue"])

    def test_gradflow_magic(self):
        reply, outs = self.run_cell(
            "%data mnist-embedded --n 200 -o gfData\n"
            "const gfPlain = reslab.buildBasicResNet({ inputShape: [28, 28, 1], blocksPerStage: 2, widths: [2, 3], seed: 2, skipScale: 0 });"
        )
        self.assertEqual(reply["status"], "ok", outs)
        reply, outs = self.run_cell("%gradflow gfPlain gfData --n 16 --decompose -o gf\n[gf.blocks.map((b: any) => b.point), gf.weights[0].layer, gf.decomposition.length]", timeout=120)
        self.assertEqual(reply["status"], "ok", outs)
        self.assertEqual(self.result_text(outs), "[ [ 's0.b0.in', 's0.b1.in', 's1.b0.in', 's1.b1.in' ], 'stem_conv', 3 ]")
        figs = [m for m in outs if m["msg_type"] == "display_data" and "application/vnd.plotly.v1+json" in m["content"]["data"]]
        self.assertEqual(len(figs), 2)


if __name__ == "__main__":
    unittest.main()


class ReslabMemoryOverRepeatedCells(KernelSession):
    """A kernel of its own for the repeated-cells test (a stuck kernel cannot take others with it)."""

    def test_rss_flat_over_repeated_training_cells(self):
        # The same training cell 100 times: tensors and the process's resident memory must not grow
        # once warm (after cell 20), and every cell must answer (a burst of outputs once wedged
        # the kernel after ~70 such cells: see kernel-ext/serial-send.ts).
        reply, outs = self.run_cell(
            "%data mnist-embedded --n 100 -o rssData\n"
            "const rssModel = reslab.buildPreActResNet({ inputShape: [28, 28, 1], blocksPerSection: 1, widths: [4, 8, 8] });\n"
            "const rssProbe = () => JSON.stringify([process.memoryUsage().rss, tf.memory().numTensors]);"
        )
        self.assertEqual(reply["status"], "ok", outs)
        marks = {}
        for cell in range(1, 101):
            reply, outs = self.run_cell("%train rssModel rssData --epochs 1 --batch 50", timeout=120)
            self.assertEqual(reply["status"], "ok", outs)
            if cell in (20, 100):
                reply, outs = self.run_cell("rssProbe()")
                marks[cell] = json.loads(self.result_text(outs).strip("'"))
        (rss20, tensors20), (rss100, tensors100) = marks[20], marks[100]
        self.assertEqual(tensors100, tensors20, "tensors leaked across training cells")
        grown = (rss100 - rss20) / 2**20
        self.assertLess(grown, max(24.0, 0.1 * rss20 / 2**20), f"RSS grew {grown:.1f} MiB from cell 20 ({rss20 / 2**20:.0f} MiB) to cell 100")

