///usr/bin/env jbang "$0" "$@" ; exit $?
// The kit's test suite: JUnit Jupiter against real sockets on loopback, real
// processes, real JBang and, on Linux, real namespaces. `make test` runs it.
//
// Each test is printed as it finishes, so a long run is never silent; the last
// line is the plain "N passed, N failed" that CI reads. The run also fails if a
// process is left behind, or if the real /etc/hosts or /etc/gai.conf changed
// (the kit only ever uses private copies).
//
//   ./jbang tests/run.java                                  # every test
//   ./jbang tests/run.java --include-classname='.*PongTest'  # some classes (a regex)
//   ./jbang tests/run.java --include-tag=fast                # the fast tier (make check)
//   ./jbang tests/run.java --jobs=1                          # one class at a time, in one JVM (default: 2 at once,
//                                                           # and the @Isolated ones one by one in a second JVM)
//
// Classes run two at a time. A class that checks every process of its JVM (LeftBehind.noChildrenLeft)
// is @Isolated: those run one after another in a second JVM, started here, beside the others (three
// classes at once, then), so such a check never sees what a class beside it started. Those that
// share the article's sandbox take its @ResourceLock (each JVM has its own: Scripts.STATE).
//
//JAVA 17+
// -J...: javac itself on C1 and the serial GC, as a short run wants: a build takes 40% less CPU; and no
// perf-data file: javac writes to JBang's stdout, which ./jbang reads (lab.Servers.NO_PERF_DATA).
//COMPILE_OPTIONS -encoding UTF-8 -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
// The runner's own JVMs mostly wait on the tests' processes: C1 alone and the serial GC halve their CPU (C2 compiled
// for half of it), and the run is CPU-bound.
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
//DEPS org.junit.platform:junit-platform-console-standalone:6.0.1
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//DEPS org.commonmark:commonmark:0.26.0
//SOURCES ../scripts/lab/*.java
//SOURCES *Test.java Kit.java Run.java Scripts.java StartedServers.java Ports.java TempFiles.java AnotherUser.java Settled.java LeftBehind.java Once.java MadeBundle.java
//SOURCES Jupyter.java Browser.java KernelDriver.java HostPort.java Net.java PrintAddresses.java MakeSessionFiles.java ExecInSandbox.java ConnectLocalhost.java
//SOURCES RecordProgress.java WhereIs.java

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.junit.jupiter.api.parallel.Isolated;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

class run {
    /** The machine's own resolver files: the kit must never write them, so the run fails if they change. */
    static final List<Path> NEVER_WRITTEN = List.of(Path.of("/etc/hosts"), Path.of("/etc/gai.conf"));

    /** The classes that must be alone in their JVM (they check every process of it): @Isolated. */
    static boolean alone(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            if (c.isAnnotationPresent(Isolated.class)) return true;
        }
        return false;
    }

    /** Ports.unusedPort's range in each JVM of a run: two JVMs must never hand out the same port. */
    static final String ALL_PORTS = "20000-25999/0/1", SHARED_PORTS = "20000-22999/0/2", ALONE_PORTS = "23000-25999/1/2";
    /** How the JVM of the classes that run alone reports to the main one: its last lines start so. */
    static final String REPORT = "@@run ";

    public static void main(String... args) throws Exception {
        List<String> classNames = new ArrayList<>(), tags = new ArrayList<>();
        int jobs = 2;
        long since = -1; // set: this JVM runs the classes that must be alone, for a run that began then (epoch ms)
        for (String arg : args) {
            if (arg.startsWith("--include-classname=")) classNames.add(arg.substring("--include-classname=".length()));
            else if (arg.startsWith("--include-tag=") && !arg.endsWith("=")) tags.add(arg.substring("--include-tag=".length()));
            else if (arg.matches("--jobs=[1-9][0-9]?")) jobs = Integer.parseInt(arg.substring("--jobs=".length()));
            else if (arg.matches("--alone-since=[0-9]{1,18}")) since = Long.parseLong(arg.substring("--alone-since=".length()));
            else {
                System.err.println("run: unknown argument '" + arg + "' (only --include-classname=REGEX, --include-tag=TAG and --jobs=N, N from 1 to 99)");
                System.exit(2);
            }
        }
        if (since >= 0) {
            System.exit(aloneClasses(classNames, tags, since));
        }
        Map<Path, String> before = checksums();
        Progress progress = new Progress(System.currentTimeMillis(), true);
        // With jobs > 1, the classes that must be alone run one after another in a JVM of their own, beside
        // the others here: alone in this JVM they left a CPU idle for two minutes of a run on two.
        boolean split = jobs > 1 && LauncherFactory.create().discover(request(classNames, tags, 1, run::alone).build()).containsTests();
        System.setProperty("tests.ports", split ? SHARED_PORTS : ALL_PORTS);
        Alone alone = split ? Alone.start(args, progress) : null;
        LauncherFactory.create().execute(request(classNames, tags, jobs, split ? c -> !alone(c) : c -> true).build(), progress);
        if (alone != null) alone.finish();

        // Given WAIT to end, as every test's own check is: a process the last test SIGKILLed may still be dying.
        List<String> left = tests.LeftBehind.stillRunning(ProcessHandle.current().descendants().toList());
        if (!left.isEmpty()) {
            String which = "processes left behind: " + left;
            System.out.println(which);
            progress.failures.add(which);
        }
        // And those handed to init, whose parent a test killed: their environment says they are this run's.
        List<ProcessHandle> orphaned = tests.LeftBehind.orphansOfThisRun(java.time.Instant.ofEpochMilli(progress.startedAt));
        List<String> orphans = tests.LeftBehind.stillRunning(orphaned);
        if (!orphans.isEmpty()) {
            String which = "processes left behind, outliving what started them: " + orphans;
            System.out.println(which);
            progress.failures.add(which);
            orphaned.forEach(ProcessHandle::destroyForcibly); // by PID: this run's own (a handle checks its start time)
        }
        Map<Path, String> after = checksums();
        for (Path file : NEVER_WRITTEN) {
            if (!before.get(file).equals(after.get(file))) {
                String changed = file + " changed during the tests (sha-256 " + before.get(file) + " -> " + after.get(file) + ")";
                System.out.println(changed);
                progress.failures.add(changed);
            }
        }
        long failed = progress.failures.size(); // each failed test or class, and each check above
        // CI keeps only the tail of the run: the failures again, just above the count.
        if (!progress.failures.isEmpty()) {
            System.out.println("Failed:");
            progress.failures.forEach(line -> System.out.println("  " + line));
        }
        long skipped = progress.skipped.get();
        // The last line is always the plain count, which CI and the README name; skips, each said above with why, before it.
        if (skipped > 0) System.out.println(skipped + " skipped, each with its reason above");
        String summary = progress.passed.get() + " passed, " + failed + " failed";
        if (classNames.isEmpty() && tags.isEmpty()) recordWholeRun(summary + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        System.out.println(summary);
        System.exit(failed > 0 || progress.passed.get() + skipped == 0 ? 1 : 0);
    }

    /** The tests of the package, as selected, whose class {@code part} takes; classes {@code jobs} at once. */
    static LauncherDiscoveryRequestBuilder request(List<String> classNames, List<String> tags, int jobs, Predicate<Class<?>> part) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("tests"))
                .filters(EngineFilter.includeEngines("junit-jupiter"))
                .filters((PostDiscoveryFilter) test -> FilterResult.includedIf(part.test(classOf(test))))
                // A class that takes much longer than the others says so with @Order(1), and starts first.
                .configurationParameter("junit.jupiter.testclass.order.default", "org.junit.jupiter.api.ClassOrderer$OrderAnnotation")
                // Classes at once, each class's tests in order on one thread (StartedServers tracks a test's servers by thread).
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "" + (jobs > 1))
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "" + jobs)
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.max-pool-size", "" + jobs)
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.saturate", "true");
        if (!classNames.isEmpty()) request.filters(ClassNameFilter.includeClassNamePatterns(classNames.toArray(String[]::new)));
        if (!tags.isEmpty()) request.filters(TagFilter.includeTags(tags));
        return request;
    }

    /** The test class a test (or a parameterized test's case) belongs to. */
    private static Class<?> classOf(TestDescriptor test) {
        for (TestDescriptor at = test; at != null; at = at.getParent().orElse(null)) {
            if (at.getSource().orElse(null) instanceof ClassSource source) return source.getJavaClass();
            if (at.getSource().orElse(null) instanceof MethodSource source) return source.getJavaClass();
        }
        return Object.class;
    }

    /**
     * In the JVM that run.java starts for them: the classes that must be alone, one after another. Each
     * test is printed as here; the counts and failures end the output, for the main JVM to add up. It ends
     * when the main JVM does, SIGKILL included: stdin, whose other end that JVM holds, closes then.
     */
    private static int aloneClasses(List<String> classNames, List<String> tags, long since) throws Exception {
        Thread lifeline = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { /* never written; wait for the end */ }
            } catch (IOException e) {
                // a broken pipe means the same thing
            }
            // Hooks run (TempFiles deletes this JVM's folders) while this thread, a daemon, goes on killing by PID
            // what the tests still running start meanwhile, until the JVM is gone.
            new Thread(() -> System.exit(1), "exit").start();
            while (true) {
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ignored) {
                    // keep killing: the JVM is on its way out
                }
            }
        }, "lifeline");
        lifeline.setDaemon(true);
        lifeline.start();
        Progress progress = new Progress(since, false);
        LauncherFactory.create().execute(request(classNames, tags, 1, run::alone).build(), progress);
        List<String> left = tests.LeftBehind.stillRunning(ProcessHandle.current().descendants().toList());
        if (!left.isEmpty()) progress.failures.add("processes left behind by the classes that run alone: " + left);
        System.out.println(REPORT + "passed " + progress.passed.get());
        System.out.println(REPORT + "skipped " + progress.skipped.get());
        progress.failures.forEach(failure -> System.out.println(REPORT + "failed " + failure.replace('\n', '\u001f'))); // one line per failure; the main JVM restores the newlines
        System.out.flush();
        return 0;
    }

    /** The JVM of the classes that run alone, seen from the main one: its lines go to our output, its counts to ours. */
    static final class Alone {
        private final Process process;
        private final Thread relay;
        private final Progress progress;
        private volatile boolean reported;

        private Alone(Process process, Progress progress) {
            this.process = process;
            this.progress = progress;
            this.relay = new Thread(this::relay, "alone-relay");
            relay.start();
        }

        /** The same java, options, classpath and selection as this JVM's, for those classes only. */
        static Alone start(String[] args, Progress progress) throws IOException {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
            for (String option : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                // Properties, compiler and GC (the script's //RUNTIME_OPTIONS) and memory: no option of this command line that
                // writes a file or opens a port (JAVA_TOOL_OPTIONS, in the environment, reaches both JVMs as it is).
                if (option.startsWith("-D") || option.matches("-X(mx|ms|ss).*|-XX:(TieredStopAtLevel=\\d|[+-]UseSerialGC)")) command.add(option);
            }
            command.addAll(List.of("-Dtests.ports=" + ALONE_PORTS, "-Dtests.second-jvm=true", "-cp", System.getProperty("java.class.path"), "run"));
            command.addAll(List.of(args));
            command.add("--alone-since=" + progress.startedAt);
            Process process = new ProcessBuilder(command).directory(tests.Kit.ROOT.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Alone(process, progress);
        }

        private void relay() {
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (!line.startsWith(REPORT)) {
                        progress.say(line);
                        continue;
                    }
                    String[] report = line.substring(REPORT.length()).split(" ", 2);
                    switch (report[0]) {
                        case "passed" -> progress.passed.addAndGet(Long.parseLong(report[1]));
                        case "skipped" -> {
                            progress.skipped.addAndGet(Long.parseLong(report[1]));
                            reported = true; // the last count: the failures follow
                        }
                        case "failed" -> progress.failures.add(report[1].replace('\u001f', '\n'));
                        default -> progress.say(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                progress.failures.add("the classes that run alone: their report was cut (" + e + ")");
            }
        }

        /** Waits for those classes to end; a JVM that ended without its report is a failure. */
        void finish() throws InterruptedException {
            int exit = process.waitFor();
            relay.join();
            if (exit != 0 || !reported) progress.failures.add("the JVM of the classes that run alone ended with exit code " + exit + (reported ? "" : ", without its report"));
        }
    }

    /** A whole run's time, for make bench's make test row: too long to run there, so it reads the last one. */
    private static void recordWholeRun(String summary) {
        try {
            double seconds = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
            String cpu = cpuSeconds().map(s -> String.format(java.util.Locale.ROOT, ", %.0f CPU-s", s)).orElse("");
            Files.writeString(Path.of(".lab", "last-test-run"), String.format(java.util.Locale.ROOT, "%.0f %s, %s, %d CPUs%s%n", seconds, summary,
                    java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(), cpu));
        } catch (IOException e) {
            // a read-only kit: no record, and bench says so
        }
    }

    /**
     * The CPU time of this JVM and of every process of the run that was waited for (the second JVM, the
     * tests' processes and theirs), from Linux's /proc/self/stat: on 2 CPUs, a run can take no less than
     * half of it. Empty elsewhere. Its fields 14 to 17 count USER_HZ ticks: 100 a second on x86 and ARM Linux.
     */
    private static Optional<Double> cpuSeconds() {
        String[] fields = lab.ProcFiles.stat("self"); // fields[0] is field 3
        if (fields == null) return Optional.empty();
        long ticks = 0;
        for (int field = 14; field <= 17; field++) ticks += Long.parseLong(fields[field - 3]);
        return Optional.of(ticks / 100.0);
    }

    /** One line per test as it finishes: ✓, ✗ (with why) or "skipped" (with why), and the time it took. */
    static final class Progress implements TestExecutionListener {
        final AtomicLong passed = new AtomicLong(), skipped = new AtomicLong();
        private final Map<String, Long> started = new java.util.concurrent.ConcurrentHashMap<>();
        /** Each failed test's name and first reason: the count of failures, and the recap above it. */
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        /** When the run began (epoch ms): the JVM of the classes that run alone counts from the main one's start. */
        final long startedAt;
        /** Whether this JVM's output opens the run (the other one's lines join it). */
        private final boolean opens;
        private TestPlan plan;

        Progress(long startedAt, boolean opens) {
            this.startedAt = startedAt;
            this.opens = opens;
        }

        /** When a line was last printed, and what runs now (several classes at once): for the heartbeat. */
        private volatile long lastSaid = System.nanoTime();
        private final Map<String, TestIdentifier> running = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            plan = testPlan;
            if (opens) say("Running the tests; each is printed as it ends.");
            Thread heartbeat = new Thread(this::heartbeat, "heartbeat");
            heartbeat.setDaemon(true);
            heartbeat.start();
        }

        /** No silence over 10 s: a long test (a whole lab, a bundle) says it still runs, with any other running beside it. */
        private void heartbeat() {
            while (true) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                // The innermost of each: a test, or a class still in its set-up.
                List<String> runs = running.values().stream()
                        .filter(id -> running.values().stream().noneMatch(other -> other.getParentId().equals(java.util.Optional.of(id.getUniqueId()))))
                        .filter(id -> now - started.getOrDefault(id.getUniqueId(), now) > 2_000_000_000L)
                        .sorted(java.util.Comparator.comparing(id -> started.getOrDefault(id.getUniqueId(), now)))
                        .map(id -> String.format("%s still runs (%d s)", name(id), (now - started.getOrDefault(id.getUniqueId(), now)) / 1_000_000_000))
                        .toList();
                if (!runs.isEmpty() && now - lastSaid > 10_000_000_000L) {
                    say(String.format("[%d:%02d]   ... %s", elapsed() / 60, elapsed() % 60, String.join("; ", runs)));
                }
            }
        }

        synchronized void say(String line) {
            System.out.println(line);
            lastSaid = System.nanoTime();
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
            if (id.getParentId().isPresent()) running.put(id.getUniqueId(), id);
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) skipped.incrementAndGet();
            say("- " + name(id) + ": skipped (" + reason + ")");
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            running.remove(id.getUniqueId());
            long took = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
            String when = String.format("[%d:%02d]", elapsed() / 60, elapsed() % 60);
            switch (result.getStatus()) {
                case SUCCESSFUL -> {
                    if (id.isTest()) {
                        passed.incrementAndGet();
                        say(String.format("%s ✓ %s (%.1f s)", when, name(id), took / 1000.0));
                    }
                }
                case ABORTED -> {
                    if (id.isTest()) skipped.incrementAndGet();
                    say(String.format("%s - %s: skipped (%s)", when, name(id), why(result)));
                }
                case FAILED -> {
                    StringBuilder why = new StringBuilder(String.format("%s ✗ %s (%.1f s)", when, name(id), took / 1000.0));
                    for (Throwable t = result.getThrowable().orElse(null); t != null; t = t.getCause()) {
                        why.append("\n    ").append(t == result.getThrowable().get() ? "" : "caused by ").append(t);
                        // The kit's own frames: where in the tests, and where in lab.* it went wrong.
                        for (StackTraceElement frame : t.getStackTrace()) {
                            if (frame.getClassName().startsWith("tests.") || frame.getClassName().startsWith("lab.")) why.append("\n      at ").append(frame);
                        }
                    }
                    say(why.toString());
                    failures.add(name(id) + gist(result.getThrowable().map(String::valueOf).orElse("")));
                }
            }
        }

        /**
         * A failure's first line and, for a longer message (a tool's whole output), its last three: CI keeps
         * only the run's tail, and there the verdict (": FAILED", "expected: <1> but was: <0>") is at the end.
         */
        static String gist(String failure) {
            List<String> lines = failure.lines().filter(line -> !line.isBlank()).toList();
            if (lines.isEmpty()) return "";
            String first = lines.get(0).length() > 300 ? lines.get(0).substring(0, 300) + "…" : lines.get(0);
            // The last lines keep their end: JUnit appends "==> expected: ..." to the message's last line.
            List<String> last = lines.subList(Math.max(1, lines.size() - 3), lines.size()).stream()
                    .map(line -> line.length() > 300 ? "…" + line.substring(line.length() - 300) : line).toList();
            return ": " + first + (lines.size() > 4 ? "\n      …" : "") + last.stream().map(line -> "\n      " + line).collect(java.util.stream.Collectors.joining());
        }

        private long elapsed() {
            return (System.currentTimeMillis() - startedAt) / 1000;
        }

        /** "PongTest › aRepeatedAddressCountsOnce", or with a parameterized test's arguments. */
        private String name(TestIdentifier id) {
            List<String> parts = new ArrayList<>();
            for (TestIdentifier at = id; at != null; at = plan.getParent(at).orElse(null)) {
                if (at.getParentId().isEmpty()) break; // the engine
                parts.add(0, at.getDisplayName().replaceAll("\\(.*\\)$", ""));
            }
            return String.join(" › ", parts);
        }

        private static String why(TestExecutionResult result) {
            return result.getThrowable().map(Throwable::getMessage).orElse("");
        }
    }

    static Map<Path, String> checksums() throws Exception {
        Map<Path, String> sums = new LinkedHashMap<>();
        for (Path file : NEVER_WRITTEN) {
            try {
                sums.put(file, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            } catch (IOException e) {
                sums.put(file, "absent");
            }
        }
        return sums;
    }
}
