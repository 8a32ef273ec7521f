package tests;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;

/** `make bench` keeps working: one short run, with its output read for what it measured, never for how fast. */
class BenchTest extends Kit {
    @BeforeAll
    static void build() {
        Result built = exec(List.of(ROOT.resolve("jbang").toString(), "build", "dev/bench.java")); // so that stderr holds only the tool's own lines
        assertEquals(0, built.exit(), built.err());
    }

    private static List<String> bench(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(ROOT.resolve("jbang").toString(), "dev/bench.java"));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void oneShortRunMeasuresEveryStartUpAndRate() {
        Result r = exec(bench("--runs", "1", "--seconds", "1", "--whole-runs", "0")); // the whole steps take minutes: make bench runs them
        assertEquals(0, r.exit(), r.out() + r.err());
        // Each start-up as a median in seconds and a multiple of the floor measured in the same run.
        List<String> floor = r.lines().stream().filter(l -> l.contains("the floor")).toList();
        List<String> startUps = r.lines().stream().filter(l -> l.contains("until \"Listen on\"")).toList();
        assertTrue(floor.size() == 1 && startUps.size() >= 3 && startUps.stream().anyMatch(l -> l.contains("launch cache off"))
                && java.util.stream.Stream.concat(floor.stream(), startUps.stream())
                        .allMatch(l -> l.matches(".* \\d+\\.\\d\\d s +\\d+\\.\\d× +\\(\\d+\\.\\d\\d-\\d+\\.\\d\\d\\)")), r.out());
        // The whole-process rows: pong --help as the lab starts it, through ./jbang, and JBang's own cost.
        List<String> toExit = r.lines().stream().filter(l -> l.contains("to its exit")).toList();
        assertTrue(toExit.size() == 3 && toExit.stream().anyMatch(l -> l.startsWith("./jbang hello.java"))
                && toExit.stream().allMatch(l -> l.matches(".* \\d+\\.\\d\\d s +\\d+\\.\\d× +\\(\\d+\\.\\d\\d-\\d+\\.\\d\\d\\)")), r.out());
        List<String> rates = r.lines().stream().filter(l -> l.startsWith("exchanges with one pong")).toList();
        assertTrue(rates.size() == 2 && rates.stream().allMatch(l -> l.matches(".* [\\d,]+ /s")), r.out());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("Exception") || l.startsWith("\tat ")), r.err());
    }

    @Test
    void badRunsIsOneLineAndExit2() {
        Run.oneLine(exec(bench("--runs", "0")), 2, "--runs and --seconds must be at least 1");
    }
}
