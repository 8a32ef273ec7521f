package lab;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Lifelines: no process the lab starts outlives the program that started it,
 * SIGKILL included, and no program outlives the launcher or Jupyter it serves.
 */
public final class Lifelines {
    private Lifelines() {}

    /**
     * Called in a server the lab started: exit when stdin reaches end of file.
     * The parent holds the other end of that pipe, and the kernel closes it when
     * the parent dies in any way, SIGKILL included. {@code server} is closed first:
     * HotSpot holds System.exit back 300 ms while a thread waits in accept().
     */
    public static void exitWhenStdinCloses(Closeable server) {
        Thread lifeline = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { /* a parent never writes; wait for the end */ }
            } catch (IOException e) {
                // a broken pipe means the same thing
            }
            closeAndExit(List.of(server), 0); // hooks run: a private hosts file (article fallback) is deleted
        }, "lifeline");
        lifeline.setDaemon(true);
        lifeline.start();
    }

    /**
     * The lifeline for a child that shares its parent's terminal (and so cannot
     * wait on stdin): exit as soon as process {@code parent} is gone, SIGKILL
     * included, or at once if it is gone already. Shutdown hooks run, so this
     * child's own servers stop too.
     */
    public static void exitWhenParentDies(long parent) {
        ProcessHandle handle = ProcessHandle.of(parent).orElse(null);
        watch(parent, () -> handle == null || hasEnded(handle), null);
    }

    /**
     * The same for our own parent, seen in our own /proc entry (elsewhere, through ProcessHandle):
     * when a process ends, its children get another parent at once. No other process is read,
     * so it works where hidepid hides them, and a parent whose main thread alone ended is not gone.
     * {@code first}, if not null, is closed before exiting.
     */
    static void exitWhenOurParentDies(Closeable first) {
        followOurParent(parentPid(), first);
    }

    private static void followOurParent(long parent, Closeable first) {
        if (parent <= 1) return; // init (a container's first process), or unknown: there is no parent to follow
        watch(parent, () -> {
            long now = parentPid();
            return now > 0 && now != parent;
        }, first);
    }

    /**
     * In a Jupyter kernel: exit, stopping this session's servers, as soon as
     * Jupyter is gone, SIGKILL included (IJava on its own would stay). Jupyter
     * names itself in JPY_PARENT_PID; anywhere else this does nothing.
     */
    public static void followJupyter() {
        String jupyter = System.getenv("JPY_PARENT_PID");
        if (jupyter == null || !jupyter.matches("\\d{1,18}")) return;
        long pid = Long.parseLong(jupyter);
        // Only our own parent: a program started from a kernel inherits the variable too.
        if (parentPid() == pid) exitWhenOurParentDies(null);
    }

    /**
     * For a tool started from a terminal, make or a script: exit when the process that started it
     * is gone (a SIGKILLed `make lab` left its player and servers running), or at once, saying so,
     * if it went while ./jbang built or started this tool. {@code first}, if not null, is closed
     * before: a server's socket, so its port is free at once. Not under nohup, which asks a program
     * to outlive its terminal.
     */
    public static void exitWithParent(Closeable first) {
        if (hangupIgnored()) return;
        long launchedBy = launchedBy(), parent = parentPid();
        // 0: ./jbang was a container's first process, or its parent is outside our PID namespace; 1: orphaned already.
        // A session leader whose caller went was detached on purpose (setsid forks, and its first half exits).
        if (launchedBy > 1 && parent > 0 && parent != launchedBy && !leadsItsSession()) {
            String tool = System.getProperty("sun.java.command", "java").split(" ")[0];
            // hangupIgnored() reads /proc: only Linux can tell that nohup asked a tool to run on.
            System.err.println(tool + ": what ran it (pid " + launchedBy + ") has ended, so it ends too"
                    + (OperatingSystem.here() == OperatingSystem.LINUX ? " (under nohup it would run on)" : ""));
            closeAndExit(first == null ? List.of() : List.of(first), Failure.FAILED);
        }
        followOurParent(parent, first);
    }

    /**
     * ./jbang sets it, "PID:PARENT", for the JVM it becomes (exec keeps the PID): PARENT ran
     * ./jbang. The tools this JVM starts inherit it and ignore it, their PID being another.
     */
    private static final String LAUNCHED_BY = "LAB_LAUNCHED_BY";

    /** The process that ran ./jbang, if this JVM is what ./jbang became; else -1. */
    private static long launchedBy() {
        String[] pids = System.getenv().getOrDefault(LAUNCHED_BY, "").split(":");
        try {
            if (pids.length == 2 && Long.parseLong(pids[0]) == ProcessHandle.current().pid()) return Long.parseLong(pids[1]);
        } catch (NumberFormatException e) {
            // not ours to read
        }
        return -1;
    }

    /** Our parent's PID, from our own /proc entry, which we may always read; elsewhere from ProcessHandle; -1 if unknown. */
    static long parentPid() {
        String[] stat = ProcFiles.stat("self");
        if (stat != null) return Long.parseLong(stat[1]);
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    }

    /** Whether this process leads a session of its own, as under setsid (Linux's /proc; elsewhere, false). */
    private static boolean leadsItsSession() {
        String[] stat = ProcFiles.stat("self");
        return stat != null && Long.parseLong(stat[3]) == ProcessHandle.current().pid();
    }

    /** Whether this process ignores SIGHUP, as under nohup (Linux's /proc; elsewhere, false). */
    public static boolean hangupIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) return (Long.parseLong(line.substring(7).strip(), 16) & 1) != 0;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc
        }
        return false;
    }

    /** Per process watched: what to close before exiting. One lifeline per process, however many ask. */
    private static final Map<Long, List<Closeable>> WATCHED = new ConcurrentHashMap<>();

    private static void watch(long process, BooleanSupplier gone, Closeable first) {
        List<Closeable> closing = new CopyOnWriteArrayList<>();
        if (first != null) closing.add(first);
        List<Closeable> watching = WATCHED.putIfAbsent(process, closing);
        if (watching != null) { // watched already (article mode asks twice): close this too
            watching.addAll(closing);
            return;
        }
        Thread lifeline = new Thread(() -> {
            while (!gone.getAsBoolean()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            closeAndExit(closing, Failure.FAILED);
        }, "lifeline");
        lifeline.setDaemon(true);
        lifeline.start();
    }

    /** Closes {@code closing} first (a server's socket: its port is free at once), then exits with {@code status}. */
    private static void closeAndExit(List<Closeable> closing, int status) {
        for (Closeable socket : closing) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is only to be quick; we exit either way
            }
        }
        System.exit(status);
    }

    /**
     * {@code command}, made to die with this JVM, SIGKILL included, where Linux
     * allows it (setpriv --pdeathsig); unchanged elsewhere, so use it for commands
     * that end on their own. The kernel sends the signal when the thread that
     * started the command ends: start it and wait for it on one thread, never for
     * a server that must outlive a notebook cell.
     */
    public static List<String> diesWithUs(List<String> command) {
        if (SETPRIV == null) return command;
        List<String> tied = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        tied.addAll(command);
        return tied;
    }

    private static final Path SETPRIV = OperatingSystem.here() == OperatingSystem.LINUX ? Tools.find("setpriv").orElse(null) : null;

    /** Ended, or ended and not reaped yet: an orphan waits for init, which may be slow. */
    public static boolean hasEnded(ProcessHandle process) {
        return !process.isAlive() || isZombie(process.pid());
    }

    private static boolean isZombie(long pid) {
        String[] stat = ProcFiles.stat(Long.toString(pid)); // no /proc (macOS, Windows): isAlive() is all we have
        return stat != null && stat[0].equals("Z");
    }

    /**
     * SIGKILLs {@code process} and every process it started, by PID (its children are listed
     * first, before they could be handed to init), and waits up to {@code wait} for each.
     * True when all of them ended.
     */
    public static boolean killTree(Process process, Duration wait) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return false;
            }
        }
        return true;
    }
}
