"""Execute notebooks headless on the real localhost-lab kernel, as `make test` and `make html` do.

nbclient 0.7 lets a cell tagged raises-exception pass even when it did not raise,
so this checks that every such cell really has an error output. Exit 1 on any
failure, with one line per problem.
"""
import argparse
import os
import sys

# The kit installs its kernel inside the project (make kernel), not in the user's Jupyter.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, ".lab", "jupyter"), os.environ.get("JUPYTER_PATH")]))
# Kernel connection files stay in the kit, not in the temp folder or the home: jupyter_client
# writes a kernel's with tempfile.mkstemp, and a killed run cannot remove it.
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(ROOT, ".lab", "jupyter", "runtime"))
import tempfile
os.makedirs(os.environ["JUPYTER_RUNTIME_DIR"], exist_ok=True)
tempfile.tempdir = os.environ["JUPYTER_RUNTIME_DIR"]

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("notebooks", nargs="+")
parser.add_argument("--html", metavar="DIR", help="also render each executed notebook to DIR as HTML")
parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
parser.add_argument("--kernel", default="localhost-lab",
                    help="kernelspec name (localhost-lab-article: the kernel in the article's sandbox)")
args = parser.parse_args()

failed = 0
for path in args.notebooks:
    print(f"running {path} ...", flush=True)  # a long run says which notebook it is on
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    problems = []
    try:
        client.execute()
    except CellExecutionError as e:
        problems.append("a cell failed: " + str(e).strip().splitlines()[-1])
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        raised = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if "raises-exception" in cell.metadata.get("tags", []) and not raised and not problems:
            problems.append(f"cell {index} is tagged raises-exception but did not raise")
        for output in cell.get("outputs", []):
            text = output.get("text") or "".join(output.get("data", {}).get("text/plain", ""))
            for line in str(text).splitlines():
                if line.startswith(("✓", "≠")):
                    print(f"  {os.path.basename(path)}: {line}")
    if args.html:
        from nbconvert import HTMLExporter
        body, _ = HTMLExporter().from_notebook_node(nb)
        out = os.path.join(args.html, os.path.basename(path).replace(".ipynb", ".html"))
        with open(out, "w", encoding="utf-8") as f:
            f.write(body)
    for p in problems:
        print(f"{path}: {p}")
    print(f"{path}: {'FAILED' if problems else 'ok'}")
    failed += bool(problems)
sys.exit(1 if failed else 0)
