package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import lab.Lifelines;
import lab.Listeners;
import lab.Sandbox;
import lab.Servers;
import lab.Servers.Server;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every test of the kit stands on: the real scripts, built by the real
 * JBang and started as `java -cp` processes, free ports, private hosts files,
 * and a check after each test that no process or listener is left behind.
 */
public abstract class Kit {
    public static final Path ROOT = Path.of(System.getProperty("lab.root", ".")).toAbsolutePath().normalize();
    public static final Duration WAIT = Duration.ofSeconds(20);
    /** How long a command may run before it counts as hung: a guard, not a timing (notebooks and builds on a slow machine). */
    public static final Duration HUNG = Duration.ofMinutes(4);
    private static final Map<String, String> CLASSPATHS = new ConcurrentHashMap<>();

    /** Folders this run made; removed when it ends. */
    private static final List<Path> TEMPORARY = temporaryFolders();
    /** Shared sandboxes' state of this run: the tests that run tools as "nobody" (no rights) keep theirs here too. */
    static final Path STATE = sharedFolder("lab-state");
    private static final Path ANOTHER_USERS_STATE = sharedFolder("lab-state");

    private final List<Integer> ports = new ArrayList<>();

    private static List<Path> temporaryFolders() {
        List<Path> folders = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> folders.forEach(Sandbox::removeTree)));
        return folders;
    }

    /** A new folder, sticky and open to all as /tmp is, removed when the run ends. */
    public static Path sharedFolder(String prefix) {
        try {
            Path dir = temporaryFolder(prefix);
            new ProcessBuilder("chmod", "1777", dir.toString()).start().waitFor();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The output of a finished command. */
    public record Result(int exit, String out, String err) {
        public List<String> lines() {
            return out.lines().toList();
        }
    }

    /** The classpath JBang built for scripts/NAME.java (JBang runs once per script and test run). */
    public static String classpath(String tool) {
        return CLASSPATHS.computeIfAbsent(tool, t -> {
            // `info classpath` names the jar but does not build it; `build` does.
            Result built = exec(List.of(ROOT.resolve("jbang").toString(), "build", "scripts/" + t + ".java"), ROOT);
            assertEquals(0, built.exit(), "jbang build " + t + ": " + built.err());
            Result r = exec(List.of(ROOT.resolve("jbang").toString(), "info", "classpath", "scripts/" + t + ".java"), ROOT);
            assertEquals(0, r.exit(), "jbang info classpath " + t + ": " + r.err());
            List<String> lines = r.lines();
            return lines.get(lines.size() - 1).trim();
        });
    }

    /**
     * `java [jvmOptions] -cp <tool's classpath> tool args` (scripts/reorder-hosts.java holds class reorder_hosts).
     * Shared sandboxes keep their state in this run's own folder, so a learner's live article sandbox is never joined.
     */
    public static List<String> tool(String tool, List<String> jvmOptions, String... args) {
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-D" + Sandbox.STATE + "=" + STATE);
        return Servers.javaCommand(classpath(tool), options, tool.replace('-', '_'), Arrays.asList(args));
    }

    public static List<String> tool(String tool, String... args) {
        return tool(tool, List.of(), args);
    }

    /** A user without rights of its own (nobody), for what the kit does without root. */
    private static final String NOBODY = "65534";
    private static final Map<String, String> READABLE = new ConcurrentHashMap<>();
    /** An empty folder to work in, made on first use: the checkout itself may sit in root's private home. */
    private static final class Nowhere {
        static final Path DIR = readableByAll();
    }

    /**
     * {@code command} run as nobody (we are root), with its classpath copied where
     * nobody can read it: root's ~/.m2 is private. Skips the test where we are not root.
     */
    public static List<String> asAnotherUser(List<String> command) {
        return asAnotherUser(Nowhere.DIR, command);
    }

    /** The same, working in {@code dir}, which that user must be able to read (see {@link #readableByAll}). */
    public static List<String> asAnotherUser(Path dir, List<String> command) {
        assumeTrue(isRoot(), "skipped: only root can run a command as another user");
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "--",
                "env", "-C", dir.toString()));
        String ourState = "-D" + Sandbox.STATE + "=" + STATE;
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (i > 0 && command.get(i - 1).equals("-cp")) arg = readableClasspath(arg);
            // Root's "nobody" of the no-rights tests (unshare -U) made a folder there that this real nobody must not use.
            if (arg.equals(ourState)) arg = "-D" + Sandbox.STATE + "=" + ANOTHER_USERS_STATE;
            all.add(arg);
        }
        return all;
    }

    /** Skips the test unless nobody can make a sandbox here (a user namespace of its own, lo up, a bind mount). */
    public static void assumeAnotherUserMayMakeSandboxes() {
        Result allowed = exec(asAnotherUser(tool("sandbox", "--", "true")));
        assumeTrue(allowed.exit() == 0, () -> "skipped: a user without root may not make a sandbox here: " + allowed.err().strip());
    }

    /** A new folder in the temp folder, removed when the run ends. */
    public static Path temporaryFolder(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            TEMPORARY.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new folder everyone can read, with copies of {@code files} at their paths relative to ROOT. */
    public static Path readableByAll(Path... files) {
        try {
            Path dir = temporaryFolder("lab-readable");
            for (Path file : files) {
                Path copy = dir.resolve(ROOT.relativize(file));
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
            }
            return openToAll(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets every user read {@code dir} and what it holds. */
    private static Path openToAll(Path dir) {
        try {
            new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A copy of {@code classpath} that every user can read. */
    private static String readableClasspath(String classpath) {
        return READABLE.computeIfAbsent(classpath, cp -> {
            try {
                Path dir = temporaryFolder("lab-jars");
                List<String> copies = new ArrayList<>();
                for (String entry : cp.split(java.io.File.pathSeparator)) {
                    Path copy = dir.resolve(copies.size() + "-" + Path.of(entry).getFileName());
                    Files.copy(Path.of(entry), copy);
                    copies.add(copy.toString());
                }
                openToAll(dir);
                return String.join(java.io.File.pathSeparator, copies);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Runs a command to its end (it gets no stdin) and collects its output. */
    public static Result exec(List<String> command, Path dir) {
        return exec(new ProcessBuilder(command).directory(dir.toFile()));
    }

    /** Runs what {@code builder} describes to its end, with no stdin, and collects its output. */
    public static Result exec(ProcessBuilder builder) {
        try {
            Path out = Files.createTempFile("lab-out", ".txt"), err = Files.createTempFile("lab-err", ".txt");
            try {
                Process p = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError("still running after " + HUNG + ": " + builder.command());
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    public static Result exec(List<String> command) {
        return exec(command, ROOT);
    }

    /** The same with these environment variables set, as `env K=V command` would. */
    public static Result exec(Map<String, String> env, List<String> command) {
        List<String> withEnv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> withEnv.add(k + "=" + v));
        withEnv.addAll(command);
        return exec(withEnv);
    }

    /**
     * The servers each test started, by the thread it runs on: test classes run at once (tests/run.java),
     * so a test stops its own servers only, never those of a class beside it.
     */
    private static final ThreadLocal<List<Server>> STARTED = ThreadLocal.withInitial(ArrayList::new);

    /** Starts a server process that dies with us, and waits for its first line. */
    public static Server start(List<String> command) {
        Server server = Servers.start(command, WAIT);
        STARTED.get().add(server);
        return server;
    }

    /**
     * A running server's stderr once it holds {@code text} (or after WAIT): it is read
     * by another thread, so a line written just before "Listen on" may lag behind.
     */
    public static String stderrOnceItSays(Server server, String text) throws InterruptedException {
        return settled(server::stderr, said -> said.contains(text));
    }

    /**
     * What {@code probe} returns once {@code done} holds, or its last value after
     * WAIT: for what settles on its own time (a process reaped, a port let go).
     */
    public static <T> T settled(Supplier<T> probe, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T value = probe.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            value = probe.get();
        }
        return value;
    }

    /** The descendants of {@code parent} once one of them matches {@code wanted} (or after WAIT). */
    public static List<ProcessHandle> once(Server parent, Predicate<ProcessHandle> wanted) throws InterruptedException {
        return settled(() -> parent.process.descendants().toList(), all -> all.stream().anyMatch(wanted));
    }

    public static boolean isSleep(ProcessHandle process) {
        return process.info().command().orElse("").endsWith("sleep");
    }

    /** Those of {@code processes} still running once they have had WAIT to end, as "pid command line"; a zombie has ended. */
    public static List<String> stillRunning(List<ProcessHandle> processes) throws InterruptedException {
        return settled(() -> processes.stream().filter(p -> !Lifelines.hasEnded(p))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList(), List::isEmpty);
    }

    /** The listeners on {@code port} once there are none, or after WAIT. */
    public static List<Listeners.Listener> listenersOnceGone(int port) throws InterruptedException {
        return settled(() -> Listeners.onPort(port), List::isEmpty);
    }

    /** SIGKILLs {@code parent} (no shutdown hook runs) and checks that its children end too. */
    public static void sigkillLeavesNothing(Server parent, List<ProcessHandle> children) throws InterruptedException {
        parent.process.destroyForcibly();
        assertEquals(List.of(), stillRunning(children), "after SIGKILL of " + parent.pid());
    }

    /** A pong server: `java -cp ... pong --exit-with-stdin args`. */
    public static Server pong(String... args) {
        List<String> all = new ArrayList<>(List.of("--exit-with-stdin"));
        all.addAll(Arrays.asList(args));
        return start(tool("pong", all.toArray(String[]::new)));
    }

    /** {@code n} pong servers started one after another with the same hosts file and port, as in n terminals. */
    public static List<Server> pongs(int n, Path hosts, int port) {
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) servers.add(pong("--hosts-file", hosts.toString(), "--port", "" + port));
        return servers;
    }

    /** A listener on 127.0.0.1:port that is not part of the lab (a Python program), which dies with us. */
    public static Server foreignListener(int port) {
        Server other = start(List.of("python3", "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1'," + port
                + "))\ns.listen()\nprint('Listen on 127.0.0.1:" + port + "',flush=True)\nsys.stdin.read()"));
        assertTrue(other.listening(), other.stderr());
        return other;
    }

    /** A port for this test, as {@link #unusedPort}; its servers are this test's. */
    public int freePort() {
        int port = unusedPort();
        ports.add(port);
        return port;
    }

    /**
     * A run that several tests share, made by whichever asks first; one that failed fails each of them
     * with its own error (a class initialiser would fail the rest with NoClassDefFoundError).
     */
    public static final class Once<T> {
        private final Supplier<T> make;
        private T value;
        private RuntimeException failed;
        private Error error;

        public Once(Supplier<T> make) {
            this.make = make;
        }

        public synchronized T get() {
            if (value == null && failed == null && error == null) {
                try {
                    value = make.get();
                } catch (RuntimeException e) {
                    failed = e;
                } catch (Error e) {
                    error = e;
                }
            }
            if (failed != null) throw failed;
            if (error != null) throw error;
            return value;
        }
    }

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port no socket uses on any address now ([::] covers IPv4 too), and never handed out before in
     * this run: classes run side by side, and a port whose servers listen in a sandbox looks free here.
     */
    public static int unusedPort() {
        while (true) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress("::", 0));
                if (HANDED_OUT.add(probe.getLocalPort())) return probe.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A private hosts file with these lines, for Java's jdk.net.hosts.file or a bind mount. */
    public static Path hostsFile(String... lines) {
        try {
            Path file = Files.createTempFile("lab-hosts", "");
            file.toFile().deleteOnExit();
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each test leaves nothing behind: its servers are stopped and its ports are free again. */
    /** Waits (up to WAIT) until this test JVM has no child process left. */
    public static void noChildrenLeft() throws InterruptedException {
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()));
    }

    @AfterEach
    void leaveNothingBehind() {
        List<Server> mine = STARTED.get();
        mine.forEach(server -> Servers.stop(server.process));
        mine.clear();
        for (int port : ports) {
            List<Listeners.Listener> left = Listeners.onPort(port);
            assertTrue(left.isEmpty(), "listeners left on port " + port + ": " + left);
        }
    }
}
