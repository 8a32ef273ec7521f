package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/** `make ready`, the room check: ready on this machine, and on a laptop without what the lab needs, what is missing. */
class ReadyTest extends Kit {

    static Result ready(Map<String, String> env, String... variables) {
        List<String> command = new java.util.ArrayList<>(List.of("make", "-s", "ready"));
        command.addAll(List.of(variables));
        return exec(env, command);
    }

    @Test
    void thisMachineIsReadyAndSaysWhatLocalhostIs() {
        Result r = ready(Map.of());
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("ready", lines.get(lines.size() - 1), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("✓ the lab's tools run: localhost is ")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("✓ article mode: ")), r.out());
    }

    @Test
    void withoutJupyterTheLabIsStillReadyAndTheLineSaysHowToGetIt() {
        Result r = ready(Map.of(), "JUPYTER_PYTHON=/bin/false");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("– no Jupyter: make lab runs without it; for make notebook: pip install notebook"), r.out());
        assertTrue(r.out().strip().endsWith("ready"), r.out());
    }

    @Test
    void anOldJavaIsNotReadyAndSaysWhichAndHowToFixIt() throws Exception {
        // A laptop whose first java is a Java 11: a stand-in that answers -XshowSettings as a JDK 11 does.
        Path bin = temporaryFolder("lab-old-java");
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho '    java.specification.version = 11' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result r = exec(List.of("env", "-u", "JAVA_HOME", "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "ready"));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().contains("✗ Java 17 or newer is needed, " + java + " is 11"), r.out());
        assertTrue(r.out().strip().endsWith("not ready: fix the ✗ lines above, then run make ready again"), r.out());
    }
}
