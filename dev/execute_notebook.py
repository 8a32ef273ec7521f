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

--jobs N runs up to N notebooks at once, each on a kernel of its own (all children of this
one process) and its own free port (LAB_PORT), and prints each notebook's lines in the order
given. The default is twice the CPU count: a kernel often waits on the processes its cells
start (on 2 CPUs, 4 jobs ran the twelve notebooks in 27 s, 2 jobs in 34 s). In article mode
each kernel gets an article sandbox of its own instead (LAB_SANDBOX_STATE), with the
article's port in each; where the kit says this machine has no sandboxes, article mode's
kernels share its loopback, so they run one at a time.
"""
import argparse
import asyncio
import functools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time


# What ends a run early: Ctrl-C, or a SIGTERM (a timeout, a cancelled job); 128 + the signal is the exit code.
STOPPING = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


def stopped_before_the_notebooks(signum, _):  # while Jupyter's modules load: one line, not a traceback
    print(STOPPING[signum], file=sys.stderr, flush=True)
    sys.exit(128 + signum)


for stop in STOPPING:
    signal.signal(stop, stopped_before_the_notebooks)

# The kit installs its kernel inside the project (make kernel), not in the user's Jupyter.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, ".lab", "jupyter"), os.environ.get("JUPYTER_PATH")]))
# Kernel connection files stay in the kit, not in the temp folder or the home: jupyter_client
# writes a kernel's with tempfile.mkstemp, and a killed run cannot remove it. Not where a file's
# mode does not hold (/mnt/c under WSL, a FAT stick): Jupyter refuses to write them there, so
# they go to its own default (as the Makefile decides too).
import tempfile


def keeps_modes(folder):
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix="mode.")
        os.close(fd)
        try:
            os.chmod(probe, 0o666)
            wide = os.stat(probe).st_mode & 0o777
            os.chmod(probe, 0o600)
            return wide == 0o666 and os.stat(probe).st_mode & 0o777 == 0o600
        finally:
            os.unlink(probe)
    except OSError:
        return False


if not os.environ.get("JUPYTER_RUNTIME_DIR"):
    os.environ.pop("JUPYTER_RUNTIME_DIR", None)
    kit_runtime = os.path.join(ROOT, ".lab", "jupyter", "runtime")
    if keeps_modes(kit_runtime):
        os.environ["JUPYTER_RUNTIME_DIR"] = kit_runtime
if os.environ.get("JUPYTER_RUNTIME_DIR"):
    os.makedirs(os.environ["JUPYTER_RUNTIME_DIR"], exist_ok=True)
    tempfile.tempdir = os.environ["JUPYTER_RUNTIME_DIR"]

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

# A cell whose ≠ line is a lesson of its own on a machine unlike the article's (one-address localhost).
MACHINE_DEPENDENT = "machine-dependent"
ARTICLE_KERNEL = "localhost-lab-article"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("notebooks", nargs="+")
parser.add_argument("--html", metavar="DIR", help="also render each executed notebook to DIR as HTML")
parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
parser.add_argument("--ports", metavar="FIRST-LAST", default="26000-31999",
                    help="where the notebooks' free ports come from, below the ephemeral range (tests give each run a block of its own)")
parser.add_argument("--kernel", default="localhost-lab",
                    help="kernelspec name (localhost-lab-article: the kernel in the article's sandbox; implies --article)")
parser.add_argument("--strict", action="store_true",
                    help="fail a cell that prints a line starting with ≠ unless it is tagged " + MACHINE_DEPENDENT)
parser.add_argument("--article", action="store_true",
                    help="fail any cell that prints a line starting with ≠ (implies --strict)")
# The CPUs this process may use (a container's share), else the machine's.
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
parser.add_argument("--jobs", type=int, default=2 * CPUS,
                    help="notebooks run at once, each on its own kernel and free port (default: twice the CPU count)")
args = parser.parse_args()
if args.jobs < 1:
    print(f"execute_notebook.py: --jobs must be 1 or more, not {args.jobs}", file=sys.stderr)
    sys.exit(2)
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
    if article:  # a client not installed here is a missing tool, not another outcome (lab.Tools.saysMissing)
        unlike = [line for line in unlike if not (line.startswith("≠ skipped: ") and " is not installed here" in line)]
    if not unlike:
        return None
    first = (cell.source.strip().splitlines() or [""])[0]
    where = f"cell {index} ({first if len(first) <= 60 else first[:59] + '…'})"
    if article:
        return f'{where} printed "{unlike[0]}" in article mode, where every outcome must be the article\'s'
    if MACHINE_DEPENDENT not in cell.metadata.get("tags", []):
        return f'{where} printed "{unlike[0]}" but is not tagged {MACHINE_DEPENDENT}'
    return None


def printed_last(nb, count=4):
    """The last lines printed before the cell that raised last (the failure: a raises-exception cell
    before it raised too): what led to it, its own lines included."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    failed = max((i for i, cell in enumerate(code) if any(o.get("output_type") == "error" for o in cell.get("outputs", []))),
                 default=len(code) - 1)
    return [line for cell in code[:failed + 1] for line in printed(cell)][-count:]


def last_line(error):
    """An error in one line: its message's last line (a traceback's verdict), else its type."""
    return (str(error).strip().splitlines() or [type(error).__name__])[-1]


async def execute(path, env=None):
    """Runs one notebook on a kernel of its own (started with env, if given): whether it passed, and its
    lines but the verdict, which execute_all adds once it has also checked what the kernel left."""
    lines = []
    for attempt in (1, 2):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as e:  # not there, or not a notebook
            return False, f"{path}: cannot read it as a notebook: {e}\n"
        # On a busy machine (make test runs three classes at once on two CPUs) nbclient's defaults are short: 60 s
        # for a kernel to start, and 4 s for a cell's last messages after its reply, after which it goes on with
        # a warning alone, keeping what came. Longer here, and a wait that runs out fails the notebook.
        client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout, startup_timeout=max(args.timeout, 120),
                                iopub_timeout=60, raise_on_iopub_timeout=True,
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        problems = []
        try:
            await client.async_execute(**({"env": env} if env else {}))
        except CellTimeoutError as e:  # a cell that ran past --timeout, or whose output never came
            problems.append("a cell timed out: " + " ".join(str(e).strip().splitlines()[:2]))  # which wait, how long
            problems += [f"  │ {line}" for line in printed_last(nb)]
        except CellExecutionError as e:
            # What led to it, such as a server's reason not to start, printed by the cell before.
            problems.append("a cell failed: " + last_line(e))
            problems += [f"  │ {line}" for line in printed_last(nb)]
        except Exception as e:  # a kernel that died or never started: one line, and the other notebooks go on
            ran = any(cell.get("execution_count") for cell in nb.cells if cell.cell_type == "code")
            if attempt == 1 and not ran and not interrupted:
                # jupyter_client picks a kernel's five ports seconds before its JVM binds them, and another process
                # may take one meanwhile (jupyter/jupyter_client#487): once more, on ports picked anew.
                print(f"{path}: its kernel failed before its first cell ({last_line(e)}); starting another",
                      file=sys.stderr, flush=True)
                continue
            problems.append(f"the kernel failed: {last_line(e)}")
        break
    if interrupted:  # nbclient turned our cancel into "kernel died": no verdict, and no half page over the last --html one
        return False, ""
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
                    lines.append(f"  {os.path.basename(path)}: {line}")
    if args.html:
        from nbconvert import HTMLExporter
        body, _ = HTMLExporter().from_notebook_node(nb)
        out = os.path.join(args.html, os.path.basename(path).replace(".ipynb", ".html"))
        with open(out, "w", encoding="utf-8") as f:
            f.write(body)
    lines += [f"{path}: {p}" for p in problems]
    return not problems, "".join(line + "\n" for line in lines)


def free_ports(n):
    """n distinct ports that no socket uses right now, held together so none is given twice. They come
    from --ports, 26000-31999 (the JUnit tests take 20000-25999), when the machine's ephemeral range starts above
    them: a port from that range (what binding port 0 gives) can be taken before the notebook's pong
    binds it, as a connection's local port or by a kernel's socket, and a notebook failed so."""
    probes = []
    first, last = (int(p) for p in args.ports.split("-"))
    try:
        candidates = list(range(first, last + 1)) if ephemeral_range_starts_above(last) else []
        random.shuffle(candidates)
        for port in candidates:
            if len(probes) == n:
                break
            probe, every = every_address_socket()
            try:
                probe.bind((every, port))
                probes.append(probe)
            except OSError:
                probe.close()
        while len(probes) < n:  # no room below the ephemeral range: the kernel's pick
            probe, every = every_address_socket()
            probe.bind((every, 0))
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def every_address_socket():
    """A socket, and the address that is every address of a port for it: [::] for both families
    (whatever net.ipv6.bindv6only says), or 0.0.0.0 where IPv6 is off."""
    return (dual_stack_socket(), "::") if ipv6_binds() else (socket.socket(socket.AF_INET), "0.0.0.0")


def dual_stack_socket():
    probe = socket.socket(socket.AF_INET6)
    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return probe


@functools.lru_cache(maxsize=None)
def ipv6_binds():
    """Whether this machine binds [::] ("Address family not supported" or "Cannot assign" where IPv6 is off)."""
    try:
        with dual_stack_socket() as probe:
            probe.bind(("::", 0))
        return True
    except OSError:
        return False


def ephemeral_range_starts_above(last):
    """Whether the system hands out local ports only above last: Linux's ip_local_port_range, a Mac's
    net.inet.ip.portrange.first (49152 unless changed); False where it cannot tell."""
    try:
        if sys.platform == "darwin":
            sysctl = shutil.which("sysctl") or "/usr/sbin/sysctl"  # /usr/sbin may be off a learner's PATH
            said = subprocess.run([sysctl, "-n", "net.inet.ip.portrange.first"], capture_output=True, text=True, timeout=10).stdout
        else:
            with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
                said = f.read()
        return int(said.split()[0]) > last
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return False


async def left_behind(state, wait=5):
    """Whether anything is still in a kernel's sandbox folder once it has had a few seconds to go."""
    until = time.monotonic() + wait
    while any(files for _, _, files in os.walk(state)) and time.monotonic() < until:
        await asyncio.sleep(0.1)
    return any(files for _, _, files in os.walk(state))


# Ctrl-C or SIGTERM: one line, every running notebook's task cancelled, no verdicts, exit 128 + the signal. Mid-cell,
# nbclient turns the cancel into "kernel died" and shuts that kernel down itself; a kernel caught starting is stopped by
# its atexit clean-up. Without this, nbclient's handlers (one per notebook) undid each other: tracebacks, false verdicts.
interrupted = None  # the signal that stopped the run


def interrupt(tasks, signum):
    global interrupted
    if interrupted:  # a second one: the first one's shutdowns are under way
        return
    interrupted = signum
    print(f"{STOPPING[signum]}: stopping every notebook's kernel", file=sys.stderr, flush=True)
    for task in tasks:
        task.cancel()


async def execute_all(paths, jobs):
    """Up to jobs notebooks at once, each on a kernel of its own; their lines in the given order;
    progress at least every 10 s. One process: each kernel is a child of this one."""
    # One at a time: each kernel as this process's environment says (LAB_PORT, else the article's 3000).
    # Several: in article mode the article's port, in a sandbox of each kernel's own; else a free port each.
    ports = [None] * len(paths) if jobs == 1 else [os.environ.get("LAB_PORT", "3000")] * len(paths) if article else free_ports(len(paths))
    slots = asyncio.Semaphore(jobs)
    running = {}  # path: start time
    said = [time.monotonic()]

    def say(line):
        print(line, flush=True)
        said[0] = time.monotonic()

    async def run(path, port):
        async with slots:
            running[path] = time.monotonic()
            apart = port is not None and article  # a sandbox of its own: its state in a folder of its own
            env = None if port is None else dict(os.environ, LAB_PORT=str(port))
            if apart:
                env["LAB_SANDBOX_STATE"] = tempfile.mkdtemp(prefix="lab-article-")
            extra = "" if port is None else f" (port {port}{', an article sandbox of its own' if apart else ''})"
            say(f"running {path}{extra} ...")
            try:
                try:
                    passed, out = await execute(path, env)
                except Exception as e:  # its HTML could not be written, say: this notebook fails, the others go on
                    passed, out = False, f"{path}: {last_line(e)}\n"
                if interrupted:
                    return False, ""
                if apart and await left_behind(env["LAB_SANDBOX_STATE"]):
                    out += f"{path}: its kernel left its sandbox's state behind\n"
                    passed = False
                out += f"{path}: {'ok' if passed else 'FAILED'}\n"  # one verdict per notebook
            finally:
                if apart:
                    shutil.rmtree(env["LAB_SANDBOX_STATE"], ignore_errors=True)
                del running[path]
            if jobs == 1:  # one at a time: its lines now, before the next one says it starts
                print(out, end="", flush=True)
                return passed, ""
            return passed, out

    async def progress():
        while True:
            await asyncio.sleep(1)
            if time.monotonic() - said[0] > 10 and running and not interrupted:
                now = time.monotonic()
                say("  ... still running: " + ", ".join(f"{os.path.basename(p)} ({now - t:.0f} s)" for p, t in running.items()))

    tasks = [asyncio.ensure_future(run(path, port)) for path, port in zip(paths, ports)]
    ticker = asyncio.ensure_future(progress())
    loop = asyncio.get_running_loop()
    for stop in STOPPING:
        loop.add_signal_handler(stop, interrupt, tasks, stop)
    # nbclient (0.7) puts SIGINT and SIGTERM handlers of its own on the loop for each notebook, and takes them off when
    # that notebook ends: with several at once they undo each other and ours. They stay ours (until the finally below).
    for name in ("add_signal_handler", "remove_signal_handler"):
        def unless_ours(sig, *rest, call=getattr(loop, name)):
            return None if sig in STOPPING else call(sig, *rest)
        setattr(loop, name, unless_ours)
    # A cancelled nbclient leaves tasks that fail on their own (its kernel-alive poll): quiet once interrupted.
    loop.set_exception_handler(lambda loop, context: None if interrupted else loop.default_exception_handler(context))
    passed = True
    try:
        for task in tasks:
            try:
                ok, out = await task
            except asyncio.CancelledError:
                if not interrupted:
                    raise
                continue
            if interrupted:  # finished, but not yet said in order: no verdicts after the interrupt line
                continue
            print(out, end="", flush=True)
            said[0] = time.monotonic()
            passed &= ok
    finally:
        ticker.cancel()
        for name in ("add_signal_handler", "remove_signal_handler"):
            delattr(loop, name)  # the loop's own again, so that closing it takes our handlers off
        for stop in STOPPING:
            loop.remove_signal_handler(stop)
    return passed


def article_sandboxes_here():
    """Whether article mode gets Linux sandboxes here, as the kit itself says: without them its kernels
    all use this machine's loopback, on the article's one port, so they must run one at a time."""
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec(args.kernel)
    java, classpath = spec.argv[0], spec.env.get("LAB_CLASSPATH", "")
    state = tempfile.mkdtemp(prefix="lab-article-")  # a sandbox of its own, as each kernel's
    try:
        probe = subprocess.run([java, f"-Dlab.state={state}", "-cp", classpath, "resolve", "--sandbox", "article", "--list"],
                               capture_output=True, text=True, encoding="utf-8")
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return "article mode: in a private Linux sandbox" in probe.stderr


try:
    jobs = min(args.jobs, len(args.notebooks))
    if jobs > 1 and article and not article_sandboxes_here():
        jobs = 1
    passed = asyncio.run(execute_all(args.notebooks, jobs))
except KeyboardInterrupt:  # Ctrl-C once the loop has given SIGINT back (it ends the run the same way)
    interrupt([], signal.SIGINT)
if interrupted:
    # Through atexit: nbclient's clean-up there stops a kernel caught starting, which has no lifeline yet. Where the
    # interrupt cut a notebook's own shutdown short, that clean-up fails on what is gone: no traceback for that.
    sys.unraisablehook = lambda unraisable: None
    sys.exit(128 + interrupted)
sys.exit(0 if passed else 1)
