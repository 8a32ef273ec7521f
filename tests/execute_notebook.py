"""Execute notebooks headless on the real localhost-lab kernel, as `make test` and `make html` do.

nbclient 0.7 lets a cell tagged raises-exception pass even when it did not raise,
so this checks that every such cell really has an error output. Exit 1 on any
failure, with one line per problem.

A line starting with "≠" says this machine differs from the article. --strict fails
a cell that prints one unless the cell is tagged machine-dependent (the notebook says
that outcome depends on the machine); --article fails any cell that prints one: in
the article's sandbox every outcome is the article's. The article-mode kernel
(--kernel localhost-lab-article) implies --article. "☐" (an untouched exercise) and
"→" (an empty prediction) are never a failure.
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

# A cell whose ≠ line is a lesson of its own on a machine unlike the article's (one-address localhost).
MACHINE_DEPENDENT = "machine-dependent"
ARTICLE_KERNEL = "localhost-lab-article"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("notebooks", nargs="+")
parser.add_argument("--html", metavar="DIR", help="also render each executed notebook to DIR as HTML")
parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
parser.add_argument("--kernel", default="localhost-lab",
                    help="kernelspec name (localhost-lab-article: the kernel in the article's sandbox; implies --article)")
parser.add_argument("--strict", action="store_true",
                    help="fail a cell that prints a line starting with ≠ unless it is tagged " + MACHINE_DEPENDENT)
parser.add_argument("--article", action="store_true",
                    help="fail any cell that prints a line starting with ≠ (implies --strict)")
args = parser.parse_args()
article = args.article or args.kernel == ARTICLE_KERNEL


def printed(cell):
    """What a code cell printed, line by line: each stream joined first (a line may come in pieces)."""
    streams, lines = {}, []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            streams[output.get("name")] = streams.get(output.get("name"), "") + output.get("text", "")
        else:
            lines += str(output.get("data", {}).get("text/plain", "")).splitlines()
    return [line for text in streams.values() for line in text.splitlines()] + lines


def wrong_lesson(index, cell):
    """Why a cell's ≠ line fails this run, or None."""
    if not (args.strict or article):
        return None
    unlike = [line for line in printed(cell) if line.startswith("≠")]
    if not unlike:
        return None
    first = (cell.source.strip().splitlines() or [""])[0]
    where = f"cell {index} ({first if len(first) <= 60 else first[:59] + '…'})"
    if article:
        return f'{where} printed "{unlike[0]}" in article mode, where every outcome must be the article\'s'
    if MACHINE_DEPENDENT not in cell.metadata.get("tags", []):
        return f'{where} printed "{unlike[0]}" but is not tagged {MACHINE_DEPENDENT}'
    return None


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
        wrong = wrong_lesson(index, cell)
        if wrong:
            problems.append(wrong)
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
