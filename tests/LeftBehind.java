package tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import lab.Listeners;
import lab.Lifelines;
import lab.Servers;
import lab.Servers.Server;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a test or a tool may leave behind, once it has had Kit.WAIT to go: processes and listeners. */
public final class LeftBehind {
    private LeftBehind() {}

    /** {@code process}'s whole command line, or "?" once it is gone (ProcessHandle's stops at a page, 4,096 bytes, on Linux). */
    public static String commandLine(ProcessHandle process) {
        return Listeners.commandLine(process.pid()).map(all -> String.join(" ", all)).orElse("?");
    }

    /** Those of {@code processes} still running once they have had WAIT to end, as "pid command line"; a zombie has ended. */
    public static List<String> stillRunning(List<ProcessHandle> processes) throws InterruptedException {
        return Settled.settled(() -> processes.stream().filter(p -> !Lifelines.hasEnded(p))
                .map(p -> p.pid() + " " + commandLine(p)).toList(), List::isEmpty);
    }

    /** The listeners on {@code port} once there are none, or after WAIT. */
    public static List<Listeners.Listener> listenersOnceGone(int port) throws InterruptedException {
        return Settled.settled(() -> Listeners.onPort(port), List::isEmpty);
    }

    /** SIGKILLs {@code parent} (no shutdown hook runs) and checks that its children end too. */
    public static void sigkillLeavesNothing(Server parent, List<ProcessHandle> children) throws InterruptedException {
        parent.process.destroyForcibly();
        assertEquals(List.of(), stillRunning(children), "after SIGKILL of " + parent.pid());
    }

    /** Waits (up to WAIT) until this test JVM has no child process left. */
    public static void noChildrenLeft() throws InterruptedException {
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()));
    }

    /** The same, besides {@code ongoing} and what it started: a run that this check goes on beside. */
    public static void noChildrenLeftBesides(Optional<ProcessHandle> ongoing) throws InterruptedException {
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants()
                .filter(p -> ongoing.isEmpty() || !startedBy(p, ongoing.get())).toList()));
    }

    /** The variable that marks a test run's processes: `make test` and `make check` give each run a value of its own. */
    public static final String RUN_MARK = "LAB_TEST_RUN";

    /**
     * Processes of this test run that outlived the process that started it: orphans, which a check of
     * our descendants cannot see. Each carries the run's own {@link #RUN_MARK} in its environment (no
     * test sets it); none when it is not set, or on a system without /proc. Not this JVM, nor what
     * started it or what it started (checked apart), nor a process older than the run.
     */
    public static List<ProcessHandle> orphansOfThisRun(java.time.Instant runStarted) {
        String mark = System.getenv(RUN_MARK);
        Path proc = Path.of("/proc");
        if (mark == null || mark.isEmpty() || !Files.isDirectory(proc)) return List.of();
        String entry = RUN_MARK + "=" + mark;
        Set<Long> ours = new HashSet<>();
        ProcessHandle.current().descendants().forEach(p -> ours.add(p.pid()));
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) ours.add(p.get().pid());
        return ProcessHandle.allProcesses().filter(p -> !ours.contains(p.pid()))
                .filter(p -> !p.info().startInstant().orElse(java.time.Instant.MIN).isBefore(runStarted))
                .filter(p -> environmentHas(proc.resolve(p.pid() + "/environ"), entry)).toList();
    }

    private static boolean environmentHas(Path environ, String entry) {
        try {
            return Arrays.asList(new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")).contains(entry);
        } catch (IOException | SecurityException gone) { // ended meanwhile, or another user's
            return false;
        }
    }

    private static boolean startedBy(ProcessHandle process, ProcessHandle root) {
        for (Optional<ProcessHandle> p = Optional.of(process); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == root.pid()) return true;
        }
        return false;
    }
}
