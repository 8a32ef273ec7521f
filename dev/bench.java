///usr/bin/env jbang "$0" "$@" ; exit $?
// The kit's benchmark: how long what a learner waits on takes on this machine.
//
// The tests never time anything; this measures instead, and asserts nothing.
// It shows why the lab starts servers as `java -cp` (a fresh JBang per server
// is slower), what a sandbox costs, and how fast loopback answers.
//
//   make bench                 # or: ./jbang dev/bench.java --runs 9 --seconds 5
//   make bench BENCH_ARGS=--with-test   # make test too, in a fresh clone as CI runs it (6-8 minutes more)
//   make bench BENCH_ARGS="--whole-runs 1"   # each whole step once: a minute and a half instead of four
//
//JAVA 17+
// -J...: javac itself on C1 and the serial GC, as a short run wants: a build takes 40% less CPU; and no
// perf-data file: javac writes to JBang's stdout, which ./jbang reads (lab.Servers.NO_PERF_DATA).
//COMPILE_OPTIONS -encoding UTF-8 -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8
//DEPS info.picocli:picocli:4.7.7
//SOURCES ../scripts/lab/ClassArchive.java ../scripts/lab/Cli.java ../scripts/lab/RememberedOptions.java ../scripts/lab/Article.java ../scripts/lab/ArticleHosts.java ../scripts/lab/ArticleStory.java ../scripts/lab/Endpoint.java ../scripts/lab/Failure.java ../scripts/lab/GivenFiles.java ../scripts/lab/HostsFile.java ../scripts/lab/OperatingSystem.java ../scripts/lab/Lab.java ../scripts/lab/Lifelines.java ../scripts/lab/ProcFiles.java ../scripts/lab/ProcessOutput.java ../scripts/lab/Listeners.java ../scripts/lab/Localhost.java ../scripts/lab/Resolving.java ../scripts/lab/Sandbox.java ../scripts/lab/SharedSandbox.java ../scripts/lab/Servers.java ../scripts/lab/SessionFiles.java ../scripts/lab/Tools.java

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import lab.ClassArchive;
import lab.Cli;
import lab.Failure;
import lab.ProcessOutput;
import lab.Lab;
import lab.Sandbox;
import lab.Servers;
import lab.Servers.Server;
import lab.SessionFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure start-up and loopback rates on this machine (nothing is asserted).")
class bench implements Callable<Integer> {
    private static final Path ROOT = Path.of(".").toAbsolutePath().normalize();
    private static final java.time.Duration START = java.time.Duration.ofSeconds(60);

    @Option(names = "--runs", defaultValue = "5", description = "runs per start-up measurement (median shown); default ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--seconds", defaultValue = "3", description = "seconds of loopback traffic per rate; default ${DEFAULT-VALUE}")
    int seconds;

    // Three by default: a whole step's row is then a median, as the start-up rows are, and one slow run does not make it.
    @Option(names = "--whole-runs", defaultValue = "3", paramLabel = "N",
            description = "runs of each whole step (make lab, in article mode too, the notebooks, make check, a cold first run: median shown); "
                    + "0 skips them; default ${DEFAULT-VALUE}")
    int wholeRuns;

    @Option(names = "--with-test", description = "time make test too, once, in a fresh clone of this commit as CI runs it "
            + "(6-8 minutes more; a whole step, so --whole-runs 0 skips it); without it, the row is make test's last run here")
    boolean withTest;

    public static void main(String... args) {
        System.exit(Cli.run(new bench(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || seconds < 1) throw Failure.usage("--runs and --seconds must be at least 1");
        if (wholeRuns < 0) throw Failure.usage("--whole-runs must be 0 or more");
        System.out.printf("%d CPUs, Java %s, %s %s; median of %d runs (min-max)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version"), runs);
        String classpath = classpath("pong");
        String jbang = ROOT.resolve("jbang").toString();

        try {
            List<Double> hello = helloRuns();
            floor = median(hello);
            report("a JVM printing hi (java -cp DIR Hello): the floor", hello);
            report("pong until \"Listen on\", java -cp, C1 alone, classes from the jars",
                    startUp(port -> Servers.javaCommand(classpath, List.of(Servers.TOOL_JIT), "pong", pongArgs(port))));
            List<String> archive = classArchive(classpath);
            if (!archive.isEmpty()) {
                List<String> asTheLab = concat(archive, List.of(Servers.TOOL_JIT));
                report("pong until \"Listen on\", as the lab (class-data archive, C1 alone)",
                        startUp(port -> Servers.javaCommand(classpath, asTheLab, "pong", pongArgs(port))));
            }
            // The first run records the launch; the rows are warm.
            CommandForPort cached = port -> concat(List.of(jbang, "pong@catalog"), pongArgs(port));
            CommandForPort uncached = port -> concat(List.of("env", "LAB_LAUNCH_CACHE=off", jbang, "pong@catalog"), pongArgs(port));
            startUpOnce(cached);
            report("./jbang pong@catalog until \"Listen on\" (warm, launch cache)", startUp(cached));
            startUpOnce(uncached);
            report("./jbang pong@catalog until \"Listen on\" (warm, launch cache off)", startUp(uncached));
            if (Sandbox.unavailable().isEmpty()) {
                String state = "-Dlab.state=" + privateState();
                report("pong until \"Listen on\", --sandbox article (a new sandbox each time)",
                        startUp(port -> Servers.javaCommand(classpath, List.of(Servers.TOOL_JIT, state), "pong",
                                concat(List.of("--sandbox", "article"), pongArgs(port)))));
            } else {
                System.out.println("(article-mode start-up skipped: " + Sandbox.unavailable().get() + ")");
            }
            report("ping, a whole client process (java -cp, C1 alone) against a running pong", clientRuns(classpath));
            // The issue's first rows: whole processes to their exit, picocli's help included.
            report("pong --help to its exit, java -cp as the lab (" + (archive.isEmpty() ? "no archive here" : "archive") + ", C1 alone)",
                    exitRuns(Servers.javaCommand(classpath, concat(archive, List.of(Servers.TOOL_JIT)), "pong", List.of("--help"))));
            report("./jbang pong@catalog --help to its exit (warm, launch cache)", exitRuns(List.of(jbang, "pong@catalog", "--help")));
            report("./jbang hello.java to its exit: JBang's own cost (warm)", jbangHelloRuns(jbang));
            if (wholeRuns > 0) wholeSteps();
            // Last: the rates leave tens of thousands of connections in TIME_WAIT for a minute, and
            // each of the lab's many reads of /proc/net/tcp then takes ~30 ms more (the lab +3 s).
            for (int threads : List.of(1, 4)) loopbackRate(classpath, threads);
        } finally {
            if (bench.state != null) SessionFiles.removeTree(bench.state);
        }
        return Cli.OK;
    }

    private interface CommandForPort {
        List<String> at(int port);
    }

    /** Milliseconds from starting the command to its first line, once per run; each server is stopped before the next. */
    private List<Double> startUp(CommandForPort command) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Server server = Servers.start(command.at(Lab.freePort()), START);
            double ms = (System.nanoTime() - start) / 1e6;
            boolean listening = server.listening();
            String why = server.stderr().strip();
            server.stop();
            if (!listening) throw Failure.failed("the server did not start: " + why);
            times.add(ms);
        }
        return times;
    }

    private List<Double> clientRuns(String classpath) throws Exception {
        int port = Lab.freePort();
        Server pong = Servers.start(Servers.javaCommand(classpath, List.of(Servers.TOOL_JIT), "pong", pongArgs(port)), START);
        try {
            String pingClasspath = classpath("ping");
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                Process ping = new ProcessBuilder(Servers.javaCommand(pingClasspath, List.of(Servers.TOOL_JIT), "ping", List.of("--port", "" + port)))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (ping.waitFor() != 0) throw Failure.failed("ping failed against pong on port " + port);
                times.add((System.nanoTime() - start) / 1e6);
            }
            return times;
        } finally {
            pong.stop();
        }
    }

    /** The options of the kit's class-data archive for {@code classpath}, once it is made (none if it cannot be). */
    private static List<String> classArchive(String classpath) throws InterruptedException {
        List<String> options = ClassArchive.options(classpath);
        for (int i = 0; options.isEmpty() && i < 300; i++) {
            Thread.sleep(100);
            options = ClassArchive.options(classpath);
        }
        if (options.isEmpty()) System.out.println("(no class-data archive here: LAB_CLASS_ARCHIVE=off, or .lab/cds is not writable)");
        return options;
    }

    /** Complete exchanges per second (connect, read "pong from ...", close) from {@code threads} client threads. */
    private void loopbackRate(String classpath, int threads) throws Exception {
        int port = Lab.freePort();
        Server pong = Servers.start(Servers.javaCommand(classpath, List.of(Servers.TOOL_JIT), "pong", pongArgs(port)), START);
        try {
            InetSocketAddress target = parse(pong.address());
            AtomicLong done = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread client = new Thread(() -> {
                    byte[] buffer = new byte[256];
                    while (System.nanoTime() < end) {
                        try (Socket socket = new Socket()) {
                            socket.connect(target, 2000);
                            InputStream in = socket.getInputStream();
                            while (in.read(buffer) >= 0) { /* until pong hangs up */ }
                            done.incrementAndGet();
                        } catch (IOException e) {
                            // counted as not done; a busy accept queue may refuse now and then
                        }
                    }
                });
                clients.add(client);
                client.start();
            }
            for (Thread client : clients) client.join();
            System.out.printf("%-72s %,10.0f /s%n", "exchanges with one pong on " + pong.address() + ", " + threads + " client thread" + (threads > 1 ? "s" : ""),
                    done.get() / (double) seconds);
        } finally {
            pong.stop();
        }
    }

    private static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1)));
    }

    private void report(String what, List<Double> times) {
        double median = median(times);
        String ratio = floor > 0 ? String.format("  %5.1f×", median / floor) : "";
        System.out.printf("%-72s %5.2f s%s  (%.2f-%.2f)%n", what, median / 1000, ratio, Collections.min(times) / 1000, Collections.max(times) / 1000);
    }

    /** Median milliseconds of a JVM that prints "hi", measured in this run: the rows are read as multiples of it. */
    private double floor;

    private static double median(List<Double> times) {
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** A class compiled once into a temporary folder, run as a whole process each time. */
    private List<Double> helloRuns() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("lab-bench-hello");
        try {
            java.nio.file.Files.writeString(dir.resolve("Hello.java"), "class Hello { public static void main(String[] a) { System.out.println(\"hi\"); } }");
            javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
            if (javac.run(null, null, null, "-d", dir.toString(), dir.resolve("Hello.java").toString()) != 0) throw Failure.failed("could not compile Hello");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                Process hello = new ProcessBuilder(java, "-cp", dir.toString(), "Hello").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (hello.waitFor() != 0) throw Failure.failed("java -cp " + dir + " Hello failed");
                times.add((System.nanoTime() - start) / 1e6);
            }
            return times;
        } finally {
            SessionFiles.removeTree(dir);
        }
    }

    /** Milliseconds from starting {@code command} to its exit (0), once per run after one run not counted. */
    private List<Double> exitRuns(List<String> command) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i <= runs; i++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CompletableFuture<byte[]> out = ProcessOutput.of(p);
            if (!p.waitFor(START.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw Failure.failed(String.join(" ", command) + " did not end within " + START.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                List<String> said = new String(out.get(), StandardCharsets.UTF_8).strip().lines().toList();
                throw Failure.failed(String.join(" ", command) + " ended with exit " + p.exitValue() + ": "
                        + String.join(" | ", said.subList(Math.max(0, said.size() - 3), said.size())));
            }
            if (i > 0) times.add((System.nanoTime() - start) / 1e6);
        }
        return times;
    }

    /**
     * A hello script run by JBang itself: the launch cache replays only the kit's own scripts. It lives
     * in .lab/bench/, one place, so that JBang's cache keeps one build of it, not one per run.
     */
    private List<Double> jbangHelloRuns(String jbang) throws Exception {
        Path dir = ROOT.resolve(".lab/bench");
        Files.createDirectories(dir);
        Path hello = dir.resolve("hello.java");
        Files.writeString(hello, "class hello { public static void main(String[] a) { System.out.println(\"hi\"); } }\n");
        return exitRuns(List.of(jbang, hello.toString()));
    }

    private void startUpOnce(CommandForPort command) {
        int saved = runs;
        runs = 1;
        try {
            startUp(command);
        } finally {
            runs = saved;
        }
    }

    private static List<String> pongArgs(int port) {
        return List.of("--exit-with-stdin", "--port", "" + port);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Article mode keeps shared state; the benchmark's own folder keeps a learner's live sandbox out of it. */
    private static Path state;

    private static synchronized Path privateState() throws IOException {
        if (state == null) {
            state = java.nio.file.Files.createTempDirectory("lab-bench");
        }
        return state;
    }


    /** The classpath JBang builds for scripts/NAME.java. */
    private static String classpath(String tool) throws Exception {
        String jbang = ROOT.resolve("jbang").toString();
        run(jbang, "build", "scripts/" + tool + ".java");
        List<String> lines = run(jbang, "info", "classpath", "scripts/" + tool + ".java").lines().toList();
        return lines.get(lines.size() - 1).strip();
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw Failure.failed(String.join(" ", command) + " failed");
        return out;
    }

    // ---- The steps a learner waits on as a whole, each as the learner types it: wall time to its exit,
    // or to the line that marks the end of the wait. Long ones say every 10 s that they still run.

    private void wholeSteps() throws Exception {
        String python = System.getenv().getOrDefault("JUPYTER_PYTHON", "python3");
        reportWhole("make lab", List.of("make", "-s", "lab"));
        if (Sandbox.unavailable().isEmpty()) reportWhole("make lab SANDBOX=article", List.of("make", "-s", "lab", "SANDBOX=article"));
        List<String> notebooks = new ArrayList<>(List.of(python, "dev/execute_notebook.py"));
        try (var files = Files.list(ROOT.resolve("notebooks"))) {
            files.map(f -> "notebooks/" + f.getFileName()).filter(f -> f.matches("notebooks/\\d\\d-.*\\.ipynb")).sorted().forEach(notebooks::add);
        }
        reportWhole("all notebooks on the real kernel, headless", notebooks);
        reportWhole("make check (the tests' fast tier)", List.of("make", "-s", "check"));
        if (withTest) freshCloneTest();
        else lastTestRun();
        coldFirstRun();
    }

    /** A whole step's row from the runs that ended well, and one line for each that did not: the other rows still get measured. */
    private void reportWhole(String what, List<String> command) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < wholeRuns; i++) {
            try {
                times.add(timed(command, ROOT, Map.of("LAB_PORT", "" + Lab.freePort()), null));
            } catch (Failure e) {
                System.out.println("(" + what + ": a run not measured, " + e.getMessage() + ")");
            }
        }
        if (!times.isEmpty()) report(what + ofRuns(times), times);
    }

    /** " (2 of 3 runs)" when some runs gave no time, else nothing. */
    private String ofRuns(List<Double> times) {
        return times.size() < wholeRuns ? " (" + times.size() + " of " + wholeRuns + " runs)" : "";
    }

    /** `make test` is too long to run here by default: its last run, as tests/run.java wrote it down in .lab/. */
    private void lastTestRun() {
        Optional<String[]> record = testRecord(ROOT);
        if (record.isEmpty()) {
            System.out.println("(make test: no run recorded yet in .lab/last-test-run; run make test, then make bench)");
            return;
        }
        report("make test (its last run: " + record.get()[1] + ")", List.of(Double.parseDouble(record.get()[0]) * 1000));
    }

    /** `make test` in a fresh clone of this commit, as CI runs it: JBang, the builds and the kernel included. */
    private void freshCloneTest() throws Exception {
        inFreshClone("lab-bench-test", "make test", (dir, kit) -> {
            double took = timed(List.of("make", "-s", "test"), kit, Map.of(), null);
            String said = testRecord(kit).map(r -> r[1]).orElse("its count not recorded");
            report("make test, a fresh clone (" + said + ")", List.of(took));
        });
    }

    /**
     * What tests/run.java wrote down in {@code kit}'s .lab/ after its last whole run: its seconds, then what it
     * said ("253 passed, 0 failed, date, CPUs"); empty if there is no such record (it writes one if it can).
     */
    private static Optional<String[]> testRecord(Path kit) {
        try {
            String[] fields = Files.readString(kit.resolve(".lab/last-test-run")).strip().split(" ", 2);
            return fields.length == 2 && fields[0].matches("\\d+(\\.\\d+)?") ? Optional.of(fields) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A fresh clone with an empty Maven repository, until `make lab` shows its first notebook: every download included. */
    private void coldFirstRun() throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < wholeRuns; i++) {
            inFreshClone("lab-bench-cold", "a cold first run", (dir, kit) -> {
                Map<String, String> env = Map.of("LAB_PORT", "" + Lab.freePort(), "MAVEN_OPTS", "-Dmaven.repo.local=" + dir.resolve("m2"));
                times.add(timed(List.of("make", "-s", "lab"), kit, env, "══════ "));
            });
        }
        if (!times.isEmpty()) report("a cold first run: fresh clone, empty Maven repository, until make lab's first notebook" + ofRuns(times), times);
    }

    interface InClone {
        void measure(Path dir, Path kit) throws Exception;
    }

    /**
     * {@code body} with a fresh clone of this commit (kit) in a new temporary folder (dir), which is
     * removed afterwards, on Ctrl-C too. A step that fails gets a line saying why, not a row. The folder
     * is open to all, as a clone's usual place is: the tests that run as another user skip otherwise.
     */
    private static void inFreshClone(String prefix, String what, InClone body) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
        Thread removal = new Thread(() -> { // what runs in the clone first, by PID (3 s to end), then the clone
            List<ProcessHandle> running = ProcessHandle.current().descendants().toList();
            running.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + 3_000_000_000L;
            for (ProcessHandle process : running) {
                try {
                    process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception stillThere) {
                    process.destroyForcibly();
                }
            }
            SessionFiles.removeTree(dir);
        });
        try {
            Runtime.getRuntime().addShutdownHook(removal);
        } catch (IllegalStateException exiting) { // stopped meanwhile: measure nothing more
            SessionFiles.removeTree(dir);
            return;
        }
        try {
            Path kit = dir.resolve("localhost-lab");
            if (new ProcessBuilder("git", "clone", "--quiet", ROOT.toString(), kit.toString()).inheritIO().start().waitFor() != 0) {
                System.out.println("(" + what + ": not measured, git clone of " + ROOT + " failed)");
                return;
            }
            body.measure(dir, kit);
        } catch (Failure e) {
            System.out.println("(" + what + ": not measured, " + e.getMessage() + ")");
        } finally {
            SessionFiles.removeTree(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(removal);
            } catch (IllegalStateException exiting) {
                // the JVM is on its way out: the hook removes the folder again, harmlessly
            }
        }
    }

    /**
     * Milliseconds from starting {@code command} in {@code dir} to its exit, or to its first line
     * containing {@code until} (then it is stopped, by PID, with all it started).
     */
    private static double timed(List<String> command, Path dir, Map<String, String> env, String until) throws Exception {
        System.err.println("bench: timing " + (command.size() > 6 ? String.join(" ", command.subList(0, 3)) + " ..." : String.join(" ", command)));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // A fresh clone starts as from a new shell: ./jbang's JBANG_ variables (this checkout's JBang home and
        // jars), make's (MAKEFLAGS, Jupyter's folders here) and the lab's must not reach it. JUPYTER_PYTHON, the
        // Python with Jupyter that one chose, does.
        if (!dir.equals(ROOT)) {
            builder.environment().keySet().removeIf(k -> !k.equals("JUPYTER_PYTHON") && k.matches("(JBANG|LAB|JUPYTER)_.*|MAKE.*|MFLAGS"));
        }
        builder.environment().putAll(env);
        long start = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        Thread heartbeat = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(10_000);
                    System.err.printf("bench:   ... still running (%.0f s)%n", (System.nanoTime() - start) / 1e9);
                }
            } catch (InterruptedException e) {
                // the step ended
            }
        });
        heartbeat.setDaemon(true);
        heartbeat.start();
        java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (until != null && line.contains(until)) return (System.nanoTime() - start) / 1e6;
                last.addLast(line);
                if (last.size() > 5) last.removeFirst();
            }
            int exit = process.waitFor();
            if (exit != 0 || until != null) {
                throw Failure.failed(String.join(" ", command) + " ended with exit " + exit + ": " + String.join(" | ", last));
            }
            return (System.nanoTime() - start) / 1e6;
        } finally {
            heartbeat.interrupt();
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            process.waitFor();
        }
    }
}
