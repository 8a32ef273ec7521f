package tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/**
 * A /tmp shared with another PID namespace, as containers that mount the host's /tmp have it: a
 * JVM whose performance-data file (/tmp/hsperfdata_USER/PID) is locked by a process with the same
 * PID over there says so in a warning on stdout. The kit's JVMs keep no such file
 * (lab.Servers.NO_PERF_DATA), so neither JBang's answer, which ./jbang runs (javac's output
 * included, when JBang builds), nor a tool's "Listen on" line can be that warning.
 *
 * Here the other side is a Python process that holds a lock on the files of the first PIDs of a
 * new PID namespace; the lab runs in that namespace, its hsperfdata folder being a folder of ours.
 */
class SharedTmpTest extends Kit {
    /** More PIDs than notebook 01 through JBang starts processes (a few hundred). */
    private static final int LOCKED = 3000;

    @Test
    void aPerformanceDataFileLockedElsewhereLeavesTheLabsOutputAlone() throws Exception {
        assumeTrue(AnotherUser.isRoot(), "skipped: only root makes a PID namespace here");
        assumeTrue(exec(List.of("unshare", "--pid", "--fork", "--mount-proc", "true")).exit() == 0, "skipped: no PID namespace here");
        Path files = temporaryFolder("hsperfdata");
        Process holder = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, os, resource, sys",
                "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)",
                "n = min(" + LOCKED + ", hard - 64)",
                "resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, hard))",
                "held = [os.open(os.path.join(sys.argv[1], str(pid)), os.O_RDWR | os.O_CREAT, 0o600) for pid in range(1, n + 1)]",
                "for fd in held: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
                "print('locked', flush=True)",
                "sys.stdin.read()  # until the test ends, or dies"), files.toString()).redirectErrorStream(true).start();
        try {
            String said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertEquals("locked", said, "the lock holder");
            // The lab, with JBang's own JVM too (no launch cache).
            List<String> lab = inANewPidNamespace(files, Map.of("LAB_STRICT", "1", "LAB_LAUNCH_CACHE", "off", "LAB_PORT", "" + freePort()),
                    "./jbang", "play@catalog", "notebooks/01-single-server.ipynb");
            assertTrue(lab.stream().anyMatch(l -> l.contains("Listen on ")), "pong's first line:\n" + String.join("\n", lab));
            // A tool built on the way, as after a git pull: JBang runs javac, whose stdout is JBang's.
            List<String> built = inANewPidNamespace(files, Map.of("JBANG_CACHE_DIR", temporaryFolder("jbang-cache").toString(), "LAB_LAUNCH_CACHE", "off"),
                    "./jbang", "pong@catalog", "--help");
            assertTrue(built.stream().anyMatch(l -> l.startsWith("Usage: pong")), String.join("\n", built));
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) holder.destroyForcibly();
        }
    }

    /**
     * {@code command} as PID 2 and on of a new PID namespace, whose /tmp/hsperfdata_USER is {@code files}: a plain
     * JVM first, to show the trap is set. Asserts that the command succeeded and that no JVM of the kit warned.
     */
    private static List<String> inANewPidNamespace(Path files, Map<String, String> env, String... command) {
        String hsperfdata = "/tmp/hsperfdata_" + System.getProperty("user.name");
        String inside = "mkdir -p \"$1\" && mount --bind \"$2\" \"$1\" && shift 2 && java -version 2>&1 | head -n 1 && exec \"$@\"";
        List<String> unshare = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
                "sh", "-c", inside, "sh", hsperfdata, files.toString()));
        unshare.addAll(List.of(command));
        Result r = Run.exec(env, unshare);
        List<String> lines = (r.out() + r.err()).lines().toList();
        assumeTrue(!lines.isEmpty() && lines.get(0).contains("[warning][perf,memops] Cannot use file " + hsperfdata + "/"),
                "skipped: this JVM does not lock its performance-data file (older JDKs do not): " + (lines.isEmpty() ? "" : lines.get(0)));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertFalse(lines.stream().skip(1).anyMatch(l -> l.contains("[warning]")), "no JVM of the kit warned:\n" + r.out() + r.err());
        return lines;
    }
}
