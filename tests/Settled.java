package tests;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import lab.Servers.Server;

/** Waiting for what settles on its own time (a process reaped, a port let go, a line read by another thread), up to Kit.WAIT. */
public final class Settled {
    private Settled() {}

    /** What {@code probe} returns once {@code done} holds, or its last value after WAIT. */
    public static <T> T settled(Supplier<T> probe, Predicate<T> done) throws InterruptedException {
        return settled(probe, done, Kit.WAIT);
    }

    /** The same, waiting up to {@code within}: for work that may itself take longer than WAIT on a loaded machine. */
    public static <T> T settled(Supplier<T> probe, Predicate<T> done, java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        T value = probe.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            value = probe.get();
        }
        return value;
    }

    /**
     * A running server's stderr once it holds {@code text} (or after WAIT): it is read
     * by another thread, so a line written just before "Listen on" may lag behind.
     */
    public static String stderrOnceItSays(Server server, String text) throws InterruptedException {
        return settled(server::stderr, said -> said.contains(text));
    }

    /** The descendants of {@code parent} once one of them matches {@code wanted} (or after WAIT). */
    public static List<ProcessHandle> once(Server parent, Predicate<ProcessHandle> wanted) throws InterruptedException {
        return settled(() -> parent.process.descendants().toList(), all -> all.stream().anyMatch(wanted));
    }

    /** The `sleep` a cell or a test's shell runs: the child whose fate the tests follow. */
    public static boolean isSleep(ProcessHandle process) {
        return process.info().command().orElse("").endsWith("sleep");
    }
}
