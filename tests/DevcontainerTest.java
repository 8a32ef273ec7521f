package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/**
 * The ready environment, .devcontainer/devcontainer.json, for Codespaces and editors. Docker
 * cannot run here, so the test runs what the container runs once it has the clone: its set-up
 * command, in a fresh clone of the kit. That command must be the README's own make targets (what
 * `make test` runs first), not a second copy, and must end with the room check's "ready".
 */
class DevcontainerTest extends Kit {
    private static final Path CONFIG = ROOT.resolve(".devcontainer/devcontainer.json");

    @Test
    void itsSetUpIsTheMakefilesOwnTargetsAndMakesAFreshCloneReady() throws Exception {
        String setUp = field("postCreateCommand");
        Matcher make = Pattern.compile("make((?: [a-z-]+)+)").matcher(setUp);
        assertTrue(make.matches(), "the set-up is make targets only, not a script of its own: " + setUp);
        List<String> targets = Arrays.asList(make.group(1).strip().split(" "));
        String makefile = Files.readString(ROOT.resolve("Makefile"));
        for (String target : targets) {
            assertTrue(makefile.lines().anyMatch(l -> l.startsWith(target + ":")), "no target " + target + " in the Makefile");
        }
        Matcher test = Pattern.compile("(?m)^test: ([a-z -]+?) *##").matcher(makefile);
        assertTrue(test.find(), "make test's prerequisites");
        Set<String> whatTestSetsUp = Set.of(test.group(1).strip().split(" +"));
        assertTrue(targets.containsAll(whatTestSetsUp), "the set-up runs what make test sets up first: " + whatTestSetsUp);
        assertEquals("ready", targets.get(targets.size() - 1), "the set-up ends with the room check");

        Path kit = temporaryFolder("lab-devcontainer").resolve("localhost-lab");
        Result clone = exec(List.of("git", "clone", "--quiet", ROOT.toString(), kit.toString()));
        assertEquals(0, clone.exit(), clone.err());
        // As the container runs it: a shell of its own, not a child of `make test` and `./jbang`. Their MAKEFLAGS would
        // say "make[1]", and their JBANG_, JUPYTER_ and LAB_ variables would lend the clone this checkout's JBang home,
        // jars and Jupyter folders: it would neither fetch nor build anything of its own. JUPYTER_PYTHON stays: it is
        // the Python with Jupyter that the one who runs the tests chose, nothing of this checkout.
        ProcessBuilder container = new ProcessBuilder("bash", "-c", setUp).directory(kit.toFile());
        container.environment().keySet().removeIf(k -> !k.equals("JUPYTER_PYTHON") && k.matches("(JBANG|JUPYTER|LAB)_.*|MAKE.*|MFLAGS"));
        Result ran = exec(container);
        assertEquals(0, ran.exit(), ran.out() + ran.err());
        List<String> lines = ran.out().lines().toList();
        assertEquals("ready", lines.get(lines.size() - 1), ran.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("✓ the lab's tools run: localhost is ")), ran.out());
        assertTrue(Files.isRegularFile(kit.resolve(".lab/jupyter/kernels/localhost-lab/kernel.json")), "the kernel is installed");
        // Its own: the jars it fetched and the tools it built are in its .lab/, none borrowed from this checkout.
        assertTrue(Files.isDirectory(kit.resolve(".lab/m2/info/picocli")), "the clone fetched its own jars:\n" + ran.err());
        assertTrue(Files.isDirectory(kit.resolve(".lab/jbang-home/cache/jars")), "the clone built its own tools:\n" + ran.err());
    }

    /** A top-level string field of the config, read by a real JSON parser. */
    private static String field(String name) {
        Result read = exec(List.of("python3", "-c", "import json,sys; print(json.load(open(sys.argv[1], encoding='utf-8'))[sys.argv[2]])",
                CONFIG.toString(), name));
        assertEquals(0, read.exit(), CONFIG + " is not JSON with a " + name + ": " + read.err());
        return read.out().strip();
    }
}
