package tests;

import java.util.List;
import java.util.Optional;

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

    private static boolean startedBy(ProcessHandle process, ProcessHandle root) {
        for (Optional<ProcessHandle> p = Optional.of(process); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == root.pid()) return true;
        }
        return false;
    }
}
