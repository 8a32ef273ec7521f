package tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import lab.Servers.Server;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.Scripts.classpath;
import static tests.Scripts.toolOn;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/**
 * A tool that picocli parsed once starts without picocli (its options bound from the record
 * beside its jar), and does and says exactly what it did through picocli. The JVM's own class
 * log tells which way a run went: a class of picocli's is loaded (its jar opened), or none is.
 */
class RememberedOptionsTest extends Kit {

    /** The record beside the tool's jar (JBang's build of scripts/TOOL.java). */
    static Path record(String tool) {
        return record(classpath(tool), tool);
    }

    /** The record beside the first jar of {@code classpath}: the tool's, or a copy of it. */
    static Path record(String classpath, String tool) {
        Path jar = Path.of(classpath.split(File.pathSeparator)[0]);
        return jar.resolveSibling(jar.getFileName() + "." + tool.replace('-', '_') + ".options");
    }

    /**
     * The tool's classpath with its jar copied into a folder of this test's, for the tests that delete
     * or damage the record: classes running beside this one start resolve too, and would write the
     * shared record again between the damage and the run that must find it.
     */
    static String ownCopy(String tool) throws IOException {
        String[] parts = classpath(tool).split(File.pathSeparator);
        Path copy = temporaryFolder("lab-own-jar").resolve(Path.of(parts[0]).getFileName());
        Files.copy(Path.of(parts[0]), copy, StandardCopyOption.COPY_ATTRIBUTES);
        parts[0] = copy.toString();
        return String.join(File.pathSeparator, parts);
    }

    record Run(Result result, boolean picocli) {}

    /** Runs the tool, and says whether it loaded any class of picocli's. */
    static Run run(String tool, String... args) throws Exception {
        return runOn(classpath(tool), tool, args);
    }

    /** The same on {@code classpath}. */
    static Run runOn(String classpath, String tool, String... args) throws Exception {
        Path log = Files.createTempFile(temporaryFolder("lab-classes"), "classes", ".log");
        try {
            Result r = exec(toolOn(classpath, tool, List.of("-Xlog:class+load=info:file=" + log), args));
            boolean picocli = Files.readAllLines(log).stream().anyMatch(l -> l.contains(" picocli."));
            return new Run(r, picocli);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aCommandLineParsedOnceIsBoundWithoutPicocliAndGivesTheSameResult() throws Exception {
        Path hosts = hostsFile("::1 localhost", "127.0.0.1 localhost");
        List<String[]> commandLines = List.of(
                new String[] {"--hosts-file", hosts.toString(), "--port", "4000"},
                new String[] {"--hosts-file=" + hosts, "-p", "4001", "--host", "localhost"},
                new String[] {"--list", "--hosts-file", hosts.toString()});
        String classpath = ownCopy("resolve");
        Path record = record(classpath, "resolve");
        for (String[] args : commandLines) {
            Files.deleteIfExists(record);
            Run first = runOn(classpath, "resolve", args);
            assertTrue(first.picocli(), "without a record, picocli parses " + List.of(args));
            assertTrue(Files.isRegularFile(record), "and its model is written down: " + record);
            Run second = runOn(classpath, "resolve", args);
            assertFalse(second.picocli(), "with the record, no picocli for " + List.of(args));
            assertEquals(first.result(), second.result(), "the same exit, output and errors for " + List.of(args));
        }
    }

    @Test
    void aDamagedOrForeignRecordIsIgnoredAndWrittenAgain() throws Exception {
        Path hosts = hostsFile("::1 localhost", "127.0.0.1 localhost");
        String[] args = {"--hosts-file", hosts.toString(), "--port", "4002"};
        String classpath = ownCopy("resolve");
        Path record = record(classpath, "resolve");
        Result expected = runOn(classpath, "resolve", args).result();
        String good = Files.readString(record);
        List<String> damaged = new ArrayList<>(List.of(
                "\u0000\u00ff garbage",
                good.substring(0, good.length() / 2),
                good.replace("\thost\t", "\tnoSuchField\t"),
                good.replace("\tPORT\t", "\tNO_SUCH_KIND\t"),
                good.replaceFirst("resolve \\d+ \\d+", "resolve 1 1"))); // another build of the jar
        for (String text : damaged) {
            Files.writeString(record, text);
            Run r = runOn(classpath, "resolve", args);
            assertEquals(expected, r.result(), "a damaged record changes nothing:\n" + text);
            assertTrue(r.picocli(), "picocli parsed it:\n" + text);
            assertEquals(good, Files.readString(record), "and the record is whole again");
        }
    }

    @Test
    void wrongCommandLinesStillGetOneLineFromPicocliAndExitTwo() throws Exception {
        run("pong", "--help"); // the record exists from here on
        assertTrue(Files.isRegularFile(record("pong")));
        List<List<String>> wrong = List.of(List.of("--port", "70000"), List.of("--port"), List.of("--port", "x"),
                List.of("--bogus"), List.of("--port", "4003", "--port", "4004"), List.of("extra"), List.of("--reuse-port=yes"));
        for (List<String> args : wrong) {
            Run r = run("pong", args.toArray(String[]::new));
            assertEquals(2, r.result().exit(), args + ": " + r.result());
            List<String> lines = r.result().err().lines().toList();
            assertEquals(1, lines.size(), args + ", one line: " + lines);
            assertTrue(lines.get(0).startsWith("pong: ") && lines.get(0).endsWith("(see pong --help)"), lines.get(0));
        }
        Run help = run("pong", "--help");
        assertEquals(0, help.result().exit());
        assertTrue(help.result().out().startsWith("Usage: pong"), help.result().out());
    }

    @Test
    void aServerBoundFromTheRecordHasItsFlags() throws Exception {
        int port = freePort();
        run("pong", "--help");
        Path classes = Files.createTempFile(temporaryFolder("lab-classes"), "classes", ".log");
        Server server = start(toolOn(classpath("pong"), "pong", List.of("-Xlog:class+load=info:file=" + classes),
                "--exit-with-stdin", "--reuse-port", "--port", "" + port));
        try {
            assertTrue(server.listening(), server.stderr());
            assertTrue(server.address().endsWith(":" + port), "--port reached the Endpoint mixin's field: " + server.address());
            String reply = Net.ask(server.address());
            assertTrue(reply.contains("(pid " + server.pid() + ")"), "--reuse-port reached the field: " + reply);
        } finally {
            server.stop();
        }
        assertFalse(ProcessHandle.of(server.pid()).map(ProcessHandle::isAlive).orElse(false), "the server stopped");
        assertFalse(Files.readAllLines(classes).stream().anyMatch(l -> l.contains(" picocli.")), "it was bound from the record, not by picocli");
    }
}
