"""Drive the real localhost-lab kernel through an interrupted cell, in step with a test.

Prints "kernel PID", then "submitted" once a cell that waits on a command
(`sleep 300` run by Lab.exec in a sandbox) is running, waits for a line on stdin,
interrupts the kernel, prints "error ENAME" and "next OUTPUT" (a later cell),
waits for another line, shuts the kernel down and prints "shut down".
An argument names another kernelspec (localhost-lab-article: the kernel in article mode). With
LAB_DRIVER_WAIT_FIRST set, it waits for a line before the first cell too.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, ".lab", "jupyter"), os.environ.get("JUPYTER_PATH")]))
# The kernel's connection file (jupyter_client writes it with tempfile.mkstemp) goes into the runtime folder,
# not /tmp: the tests SIGKILL this driver, which then cannot remove it (KernelDriver gives a folder of the run's own).
import tempfile
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(ROOT, ".lab", "jupyter", "runtime"))
os.makedirs(os.environ["JUPYTER_RUNTIME_DIR"], exist_ok=True)
tempfile.tempdir = os.environ["JUPYTER_RUNTIME_DIR"]

from jupyter_client.manager import start_new_kernel


def say(line):
    print(line, flush=True)


def run(client, code):
    """Runs a cell to its end and returns its stdout, or the error's name."""
    out = []
    reply = client.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(m))
    text = "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream")
    errors = [m["content"]["ename"] for m in out if m["msg_type"] == "error"]
    return errors[0] if errors else text.strip() if reply["content"]["status"] == "ok" else "failed"


kernel_name = sys.argv[1] if len(sys.argv) > 1 else "localhost-lab"
manager, client = start_new_kernel(kernel_name=kernel_name, cwd=ROOT, startup_timeout=120)
try:
    say(f"kernel {manager.provisioner.process.pid}")
    if os.environ.get("LAB_DRIVER_WAIT_FIRST"):  # a kernel that has run no cell yet, until a line comes
        sys.stdin.readline()
    run(client, "Lab.pong();")
    run(client, "var box = Sandbox.start(Sandbox.Spec.hosts(null));")
    waiting = client.execute('Lab.exec(box, "sleep", "300");')
    say("submitted")
    sys.stdin.readline()
    manager.interrupt_kernel()
    error = "none"
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != waiting:
            continue
        if message["msg_type"] == "error":
            error = message["content"]["ename"]
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    say(f"error {error}")
    say(f"next {run(client, 'System.out.println(Lab.port());')}")
    sys.stdin.readline()
finally:
    client.stop_channels()
    manager.shutdown_kernel(now=False)
say("shut down")
