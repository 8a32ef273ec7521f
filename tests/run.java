///usr/bin/env jbang "$0" "$@" ; exit $?
// The kit's test suite: JUnit Jupiter against real sockets on loopback, real
// processes, real JBang and, on Linux, real namespaces. `make test` runs it.
//
// JUnit's own summary is a box; CI reads the plain last line "N passed, N failed".
//
//JAVA 17+
//DEPS org.junit.platform:junit-platform-console-standalone:6.0.1
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES ../scripts/lab/*.java
//SOURCES *Test.java Kit.java Net.java PrintAddresses.java
//DEPS org.commonmark:commonmark:0.26.0

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.platform.console.ConsoleLauncher;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

class run {
    public static void main(String... args) {
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
        long skipped = summary.getTestsSkippedCount() + summary.getTestsAbortedCount();
        System.out.println(summary.getTestsSucceededCount() + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        System.exit(failed > 0 || summary.getTestsFoundCount() == 0 ? 1 : 0);
    }
}
