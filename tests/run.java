///usr/bin/env jbang "$0" "$@" ; exit $?
// The kit's test suite: JUnit Jupiter against real sockets on loopback, real
// processes, real JBang and, on Linux, real namespaces. `make test` runs it.
//
// JUnit's own summary is a box; CI reads the plain last line "N passed, N failed".
// The run also fails if a process is left behind, or if the real /etc/hosts or
// /etc/gai.conf changed (the kit only ever uses private copies).
//
//JAVA 17+
//DEPS org.junit.platform:junit-platform-console-standalone:6.0.1
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES ../scripts/lab/*.java
//SOURCES *Test.java Kit.java Net.java PrintAddresses.java ExecInSandbox.java
//DEPS org.commonmark:commonmark:0.26.0

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.platform.console.ConsoleLauncher;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

class run {
    /** The machine's own resolver files: the kit must never write them, so the run fails if they change. */
    static final List<Path> NEVER_WRITTEN = List.of(Path.of("/etc/hosts"), Path.of("/etc/gai.conf"));

    public static void main(String... args) throws Exception {
        Map<Path, String> before = checksums();
        List<String> launcher = new ArrayList<>(List.of("execute", "--disable-banner", "--details=tree",
                "--include-engine=junit-jupiter", "--select-package=tests"));
        if (System.console() == null) launcher.add("--disable-ansi-colors");
        launcher.addAll(List.of(args)); // e.g. --include-classname='.*PongTest'
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        var result = ConsoleLauncher.run(out, err, launcher.toArray(String[]::new));
        TestExecutionSummary summary = (TestExecutionSummary) result.getValue().orElse(null);
        if (summary == null) {
            System.out.println("0 passed, 1 failed");
            System.exit(1);
        }
        long failed = summary.getTestsFailedCount() + summary.getContainersFailedCount();
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        if (!left.isEmpty()) {
            System.out.println("processes left behind: " + left.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
            failed++;
        }
        Map<Path, String> after = checksums();
        for (Path file : NEVER_WRITTEN) {
            if (!before.get(file).equals(after.get(file))) {
                System.out.println(file + " changed during the tests (sha-256 " + before.get(file) + " -> " + after.get(file) + ")");
                failed++;
            }
        }
        long skipped = summary.getTestsSkippedCount() + summary.getTestsAbortedCount();
        System.out.println(summary.getTestsSucceededCount() + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        System.exit(failed > 0 || summary.getTestsFoundCount() == 0 ? 1 : 0);
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
