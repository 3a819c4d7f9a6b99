"""Executes ResLab notebooks headless on the reslab kernel and exports them to HTML.

Usage: run_notebooks.py [--quick] --out DIR NOTEBOOK...

Each notebook runs in its own folder (so relative paths work as in Jupyter), in quick mode when
--quick is given (RESLAB_QUICK=1 in the kernel's environment). A cell error fails the notebook.
Prints one line per notebook and a closing "notebooks: N passed, N failed" line, and records each
notebook's run time and outcome in DIR/run-summary.json.
"""
import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter


def error_outputs(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                yield i, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="quick mode (small data, few steps)")
    ap.add_argument("--out", required=True, help="folder for executed .ipynb and .html")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("notebooks", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.quick:
        os.environ["RESLAB_QUICK"] = "1"
    passed = failed = 0
    # run times and outcomes, for the report index (scripts/report-index.js); earlier entries are kept
    summary_path = os.path.join(args.out, "run-summary.json")
    try:
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, ValueError):
        summary = {}
    for path in args.notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name="reslab",
            timeout=args.timeout,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        )
        t0 = time.time()
        problem = None
        try:
            client.execute()
        except CellExecutionError as e:
            problem = str(e).strip().splitlines()[-1] if str(e).strip() else "cell error"
        except Exception as e:  # kernel died, timeout...
            problem = f"{type(e).__name__}: {e}"
        errs = list(error_outputs(nb))
        if errs and not problem:
            i, out = errs[0]
            problem = f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        nbformat.write(nb, os.path.join(args.out, name + ".ipynb"))
        html, _ = HTMLExporter().from_notebook_node(nb)
        html_path = os.path.join(args.out, name + ".html")
        with open(html_path, "w", encoding="utf-8") as f:
            f.write(html)
        secs = time.time() - t0
        summary[name] = {"notebook": path, "seconds": round(secs, 1), "ok": not problem, "problem": problem, "quick": args.quick}
        with open(summary_path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
        os.replace(summary_path + ".tmp", summary_path)
        if problem:
            failed += 1
            print(f"FAIL {path} ({secs:.1f} s): {problem}", flush=True)
        else:
            passed += 1
            print(f"ok   {path} ({secs:.1f} s) -> {html_path}", flush=True)
    print(f"notebooks: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
