"""Give the notebooks' kernel a class-data archive, as `make kernel` does.

  kernel_archive.py ROOT KERNEL_JSON [ARTICLE_KERNEL_JSON...]
  kernel_archive.py --up-to-date KERNEL_JSON [ARTICLE_KERNEL_JSON...]   (exit 0 or 1)

A kernel's JVM then maps the classes of IJava, JShell and javac from one file instead of
reading them, about 0.4 s of CPU less per kernel (twelve start for the notebooks).

The archive is made once, by a training kernel: the first spec's own command, with the JVM
told to write its classes at exit, running one cell. It lives in ROOT/.lab/cds/, named
after the java and the jars it was made from, so a new JDK or IJava makes another. JDK 25
gets its AOT cache instead. The first spec then starts its JVM from the archive, the article
specs tell lab.ArticleKernel to (LAB_KERNEL_ARCHIVE). Each JVM checks the archive's checksum
(-XX:+VerifySharedSpaces) and the JVM refuses a foreign one: a changed or foreign archive only
costs time, never a kernel. Without jupyter_client, or if the training fails, the specs stay
as they were, and this says so in one line. A failed training leaves kernel-KEY.failed, with its
reason: the next make kernel says so instead of training again, until that file is deleted.
"""
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zlib

# What the JVM needs besides the archive: its checksum checked, and no note when it refuses it.
QUIET = ["-Xlog:cds*=off", "-Xlog:class+path*=off"]
class Passing(str):
    """Why a training failed, when a later one may not: no jupyter_client yet, a machine too busy to answer in time."""
ARCHIVE_OPTIONS = ("-XX:SharedArchiveFile=", "-XX:AOTCache=", "-XX:+VerifySharedSpaces", "-Xlog:aot*=off", *QUIET)


def java_home(java):
    return os.path.dirname(os.path.dirname(os.path.realpath(java)))


def java_version(java):
    """The JDK's feature version, from its release file (no JVM to start), else from the JVM itself."""
    try:
        with open(os.path.join(java_home(java), "release"), encoding="utf-8") as f:
            for line in f:
                version = re.match(r'JAVA_VERSION="?(\d+)', line)  # "17.0.15", "25", "26-ea"
                if version:
                    return int(version.group(1))
    except (OSError, ValueError):
        pass
    out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
    for line in out.splitlines():
        if "java.specification.version" in line:
            return int(line.split("=")[1].strip().split(".")[0])
    return 17


def key(java, classpath):
    """This JDK (its java and its class image) and each jar as it is now."""
    home = java_home(java)
    parts = [os.path.realpath(java)]
    for path in [os.path.join(home, "lib", "modules")] + classpath.split(os.pathsep):
        try:
            st = os.stat(path)
            parts.append(f"{os.path.abspath(path)} {st.st_size} {int(st.st_mtime)}")
        except OSError:
            parts.append(path)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def archive_name(java, classpath, aot):
    """The archive's file name, in ROOT/.lab/cds: after this JDK and these jars (key), JDK 25's AOT cache or a CDS archive."""
    return f"kernel-{key(java, classpath)}.{'aot' if aot else 'jsa'}"


def crc(path):
    value = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            value = zlib.crc32(block, value)
    return f"{value:x} {os.path.getsize(path)}"


def crc_file(archive):
    """Where an archive's CRC is written: kernel-KEY.crc beside kernel-KEY.jsa."""
    return archive[:archive.rindex(".")] + ".crc"


def failed_mark(archive):
    """Where a failed training's reason is kept: kernel-KEY.failed beside where kernel-KEY.jsa would be."""
    return archive[:archive.rindex(".")] + ".failed"


def trained(spec):
    """What a training runs besides the JDK and jars (the key): the JVM's options, the kernel's environment."""
    argv = [a for a in spec["argv"] if not a.startswith(ARCHIVE_OPTIONS)]
    return hashlib.sha256(json.dumps([argv, spec.get("env", {})], sort_keys=True).encode()).hexdigest()[:16]


def failed_before(archive, spec):
    """Why the training of this very spec failed, from its mark; None if it never did (or for another spec)."""
    try:
        with open(failed_mark(archive), encoding="utf-8") as f:
            made_for, _, why = f.read().strip().partition("\n")
        return why if made_for == trained(spec) else None
    except OSError:
        return None


def intact(archive):
    try:
        with open(crc_file(archive), encoding="ascii") as f:
            return f.read().strip() == crc(archive)
    except OSError:
        return False


def train(spec, archive, aot):
    """Runs the kernel once on one cell, with the archive written at its exit."""
    try:
        from jupyter_client.manager import KernelManager
    except ImportError:
        return Passing("no jupyter_client here")
    print("kernel: making its class-data archive, once for this JDK and IJava (a few seconds)", flush=True)
    made = f"{archive}.{os.getpid()}.tmp"
    dump = [f"-XX:AOTCacheOutput={made}", "-Xlog:aot*=off"] if aot else [f"-XX:ArchiveClassesAtExit={made}"]
    dump.append("-XX:+VerifySharedSpaces")  # its checksums are written only when asked for
    try:
        kernel = []  # its manager, once made
        with tempfile.TemporaryDirectory(prefix="lab-kernel-training-") as where, \
                stopped_leaves_nothing(kernel, where, made, f"{made}.crc", f"{made}.config"):
            training = dict(spec, argv=tied_to_us([spec["argv"][0], *dump, *QUIET, *spec["argv"][1:]]), display_name="training")
            os.makedirs(os.path.join(where, "kernels", "lab-training"))
            with open(os.path.join(where, "kernels", "lab-training", "kernel.json"), "w", encoding="utf-8") as f:
                json.dump(training, f)
            os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [where, os.environ.get("JUPYTER_PATH")]))
            manager = KernelManager(kernel_name="lab-training", connection_file=os.path.join(where, "connection.json"),
                                    shutdown_wait_time=60)  # JDK 25 writes its archive for seconds
            kernel.append(manager)
            client = None
            try:
                manager.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # IJava's log lines
                client = manager.client()
                client.start_channels()
                client.wait_for_ready(timeout=120)
                # What a lesson's first cells make JShell do: declare, call the kit, print.
                reply = client.execute_interactive('var port = Lab.freePort();\nSystem.out.println("port " + port);',
                                                   timeout=120, output_hook=lambda message: None)
                if reply["content"]["status"] != "ok":
                    return f"the training cell failed: {reply['content'].get('evalue', '').strip() or reply['content']['status']}"
                manager.shutdown_kernel()  # asks it to exit, as Jupyter does: the JVM writes the archive
            except Exception as e:  # any failure only means no archive
                why = f"the training kernel failed: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}"
                # jupyter_client's timeouts: TimeoutError, or "Kernel didn't respond in 120 seconds"
                return Passing(why) if isinstance(e, TimeoutError) or "didn't respond" in str(e) else why
            finally:
                try:
                    if client is not None:
                        client.stop_channels()
                    if manager.has_kernel:
                        manager.shutdown_kernel(now=True)
                except Exception:
                    pass  # gone already
        if not os.path.isfile(made) or os.path.getsize(made) == 0:
            return "the training kernel wrote no archive"
        with open(f"{made}.crc", "w", encoding="ascii") as f:
            f.write(crc(made))
        os.replace(f"{made}.crc", crc_file(archive))  # its CRC first: an archive without one is never used
        os.replace(made, archive)
    finally:
        # Gone once moved into place; else what the training left (JDK 25's notes: .config).
        for leftover in (made, f"{made}.crc", f"{made}.config"):
            if os.path.exists(leftover):
                os.remove(leftover)
    keep_newest(os.path.dirname(archive))
    return None


def tied_to_us(argv):
    """Where Linux's setpriv is, the training kernel is SIGKILLed when this process goes, however it goes."""
    setpriv = shutil.which("setpriv")
    if setpriv and subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"], capture_output=True).returncode == 0:
        return [setpriv, "--pdeathsig", "KILL", "--", *argv]
    return argv


@contextlib.contextmanager
def stopped_leaves_nothing(kernel, *paths):
    """Ctrl-C, a SIGTERM, or the recipe's shell gone (make runs this under setpriv --pdeathsig): the
    training kernel is killed before it writes a half-trained archive at its exit, and its files go."""
    def stop(signum, frame):
        for manager in kernel:
            pid = getattr(manager.provisioner, "pid", None)
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)  # its own group (a session of its own): JDK 25's helper JVM too
                except OSError:
                    pass  # gone already
        for path in paths:
            try:
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.remove(path)
            except OSError:
                pass  # gone meanwhile
        os._exit(128 + signum)
    # Not one that is ignored: under nohup, a closed terminal must not stop it.
    watched = [s for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) if signal.getsignal(s) is not signal.SIG_IGN]
    before = {signum: signal.signal(signum, stop) for signum in watched}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def remove_leftovers(folder):
    """What a training stopped halfway left (kernel-KEY.jsa.PID.tmp...), once its make is gone."""
    for name in os.listdir(folder):
        parts = name.split(".")
        if name.startswith("kernel-") and ".tmp" in name and len(parts) > 3 and parts[2].isdigit():
            try:
                os.kill(int(parts[2]), 0)
            except ProcessLookupError:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass  # alive, as another user


def keep_newest(folder, kept=2):
    """Archives of older JDKs and IJavas: the newest two stay (a kit that switches between two JDKs)."""
    archives = sorted((os.path.join(folder, n) for n in os.listdir(folder)
                       if n.startswith("kernel-") and n.endswith((".jsa", ".aot"))), key=os.path.getmtime, reverse=True)
    for old in archives[kept:]:
        for path in (old, crc_file(old)):
            if os.path.exists(path):
                os.remove(path)


def main(root, plain, *article):
    try:
        with open(plain, encoding="utf-8") as f:
            spec = json.load(f)
        spec["argv"][spec["argv"].index("-cp") + 1]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        print(f"kernel_archive.py: {plain} is not a kernel spec with a -cp: {e}", file=sys.stderr)
        sys.exit(2)
    # Its own earlier options go first: running this twice on one spec changes nothing.
    argv = spec["argv"] = [a for a in spec["argv"] if not a.startswith(ARCHIVE_OPTIONS)]
    java, classpath = argv[0], argv[argv.index("-cp") + 1]
    aot = java_version(java) >= 25
    folder = os.path.join(root, ".lab", "cds")
    archive = os.path.join(folder, archive_name(java, classpath, aot))
    made = os.path.isfile(archive) and intact(archive)
    if not made:
        os.makedirs(folder, exist_ok=True)
        for old in (archive, crc_file(archive)):
            if os.path.exists(old):
                os.remove(old)
        remove_leftovers(folder)
        mark = failed_mark(archive)
        why_not = failed_before(archive, spec)
        if why_not is not None:
            why_not = f"its training failed before: {why_not}; delete {mark} to try again"
        else:
            why_not = train(spec, archive, aot)
            if why_not is not None and not isinstance(why_not, Passing):
                with open(f"{mark}.{os.getpid()}.tmp", "w", encoding="utf-8") as f:
                    f.write(f"{trained(spec)}\n{why_not}\n")
                os.replace(f"{mark}.{os.getpid()}.tmp", mark)
        made = why_not is None
        if not made:
            print(f"kernel: no class-data archive ({why_not}); kernels start as before", flush=True)
    if made:
        use = [f"-XX:AOTCache={archive}", "-Xlog:aot*=off"] if aot else [f"-XX:SharedArchiveFile={archive}"]
        spec["argv"] = [java, *use, "-XX:+VerifySharedSpaces", *QUIET, *argv[1:]]
    write_whole(plain, spec)
    for path in article:
        with open(path, encoding="utf-8") as f:
            other = json.load(f)
        env = other.setdefault("env", {})
        if made:
            env["LAB_KERNEL_ARCHIVE"] = archive
        else:
            env.pop("LAB_KERNEL_ARCHIVE", None)
        write_whole(path, other)


def up_to_date(plain, *article):
    """Whether specs that main() wrote can be used as they are: every jar and the java they name are
    there, and the plain kernel starts from the intact archive for this JDK and these jars, which the
    article specs name too, or from none when the training for them failed before (its .failed mark).
    Anything else (a cleared JBang cache, a new JDK, a damaged file) is False."""
    try:
        with open(plain, encoding="utf-8") as f:
            spec = json.load(f)
        argv = spec["argv"]
        java, classpath = argv[0], argv[argv.index("-cp") + 1]
        name = archive_name(java, classpath, java_version(java) >= 25)
        archive = next((a.split("=", 1)[1] for a in argv if a.startswith(("-XX:SharedArchiveFile=", "-XX:AOTCache="))), None)
        wanted = os.path.join(spec["env"]["LAB_HOME"], ".lab", "cds", name)  # where main() made it, or failed to
        failed = archive is None and failed_before(wanted, spec) is not None
        if not failed and (archive is None or os.path.basename(archive) != name):
            return False
        paths = [java, *classpath.split(os.pathsep), *spec["env"]["LAB_CLASSPATH"].split(os.pathsep)]
        for path in article:
            with open(path, encoding="utf-8") as f:
                other = json.load(f)
            if other["env"].get("LAB_KERNEL_ARCHIVE") != archive:
                return False
            paths += other["argv"][other["argv"].index("-cp") + 1].split(os.pathsep)
        if not all(os.path.isfile(p) for p in paths):
            return False
        if failed:
            print(f"kernel: no class-data archive, as its training failed before; delete {failed_mark(wanted)} to try again")
            return True
        return intact(archive)
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, StopIteration):
        return False


def write_whole(path, spec):
    """A kernel spec swapped in whole: a kernel that Jupyter starts meanwhile never reads half of one."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=1)
    if os.path.exists(path):
        shutil.copymode(path, tmp)  # readable as before, whatever this umask
    os.replace(tmp, path)

if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--up-to-date":
        sys.exit(0 if up_to_date(*sys.argv[2:]) else 1)
    if len(sys.argv) < 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
