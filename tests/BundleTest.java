package tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.TempFiles.readableByAll;

/**
 * `make bundle` as a workshop uses it: the archive, unpacked anywhere, runs the lab
 * with no network, no Maven, an empty home, no LANG, as a user without rights,
 * and even with none of the Linux tools the lab likes to call on PATH.
 */
class BundleTest extends Kit {
    /** The user the kit is unpacked for (nobody): not root, nothing of its own. */
    private static final String LEARNER = "65534";
    /** What the lab must do without: the tools it prefers, when they are there. */
    static final List<String> LINUX_TOOLS = List.of("ss", "nsenter", "unshare", "setpriv", "nc", "curl", "lsof", "ip");

    /** The run's bundle (MadeBundle), unpacked once into a folder of the learner's. */
    private static final class Unpacked {
        static final Path FOLDER = temporaryFolderOf(LEARNER);
        static final Result MADE = MadeBundle.get().result();
        static final Path KIT = unpack();

        private static Path unpack() {
            assertEquals(0, MADE.exit(), MADE.out() + MADE.err());
            Result untar = exec(List.of("tar", "-xzf", MadeBundle.get().archive().toString(), "--no-same-owner"), FOLDER);
            assertEquals(0, untar.exit(), untar.err());
            Path kit = FOLDER.resolve("localhost-lab");
            Result owned = exec(List.of("chown", "-R", LEARNER + ":" + LEARNER, kit.toString()));
            assertEquals(0, owned.exit(), owned.err());
            return kit;
        }
    }

    /** A folder in the temp folder that belongs to {@code user}, removed when the run ends. */
    static Path temporaryFolderOf(String user) {
        Path dir = readableByAll();
        Result owned = exec(List.of("chown", user + ":" + user, dir.toString()));
        assertEquals(0, owned.exit(), owned.err());
        return dir;
    }

    /**
     * {@code command} in the unpacked kit, as the learner, in a network namespace of its
     * own (loopback only), with nothing in its environment but PATH and an empty HOME.
     */
    private static Result offline(String path, Path home, String... command) {
        List<String> all = new ArrayList<>(List.of("unshare", "-n", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh",
                "setpriv", "--reuid", LEARNER, "--regid", LEARNER, "--clear-groups",
                "env", "-i", "-C", Unpacked.KIT.toString(), "PATH=" + path, "HOME=" + home));
        all.addAll(List.of(command));
        return exec(all);
    }

    private static void assumeRoot() {
        assumeTrue(AnotherUser.isRoot(),
                "skipped: only root can run the unpacked kit as another user in a namespace without network");
    }

    private static List<String> in(Path home) throws IOException {
        try (Stream<Path> files = Files.list(home)) {
            return files.map(Path::toString).toList();
        }
    }

    /** A Mac's tar (bsdtar) cannot rename files as they go in: the bundle says so first, and writes nothing. */
    @Test
    void withoutGnuTarTheBundleSaysWhatItNeedsFirst() throws Exception {
        Path bin = TempFiles.temporaryFolder("lab-bsdtar"), out = TempFiles.temporaryFolder("lab-bundle-out").resolve("kit.tar.gz");
        for (String name : List.of("tar", "gtar")) TempFiles.standIn(bin, name, "echo 'bsdtar 3.5.3 - libarchive 3.5.3'"); // as macOS's answers
        Result r = exec(List.of("env", "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "bundle", "BUNDLE=" + out));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertEquals("", r.out(), "nothing resolved or built first");
        assertTrue(r.err().startsWith("bundle: needs GNU tar, to name every file localhost-lab/... in the archive (macOS: brew install gnu-tar)"), r.err());
        assertFalse(Files.exists(out) || Files.exists(Path.of(out + ".tmp")), "no archive written");
    }

    /**
     * A learner with the usual PATH plays the whole lab, then one with none of the Linux tools the lab
     * prefers plays steps 5 to 8, where it calls them. One after the other: as one user they share the
     * lab's sandbox state in /tmp.
     */
    @Test
    void theBundleRunsTheLabOfflineAsAnotherUserWithNoLangAndAnEmptyHomeWithOrWithoutTheLinuxTools() throws Exception {
        assumeRoot();
        assertTrue(Unpacked.MADE.out().lines().anyMatch(l -> l.matches("bundle: .*kit\\.tar\\.gz, [0-9.,]+[KMG]?i?B?: .*")),
                "make bundle ends with the archive's size:\n" + Unpacked.MADE.out());
        Path home = temporaryFolderOf(LEARNER);
        Result withTools = offline(System.getenv("PATH"), home, "make", "lab");
        assertEquals(0, withTools.exit(), withTools.out() + withTools.err());
        assertEquals(notebooks(n -> true), LabTest.played(withTools.out()), "every notebook, in order:\n" + withTools.out());
        assertTrue(withTools.out().lines().anyMatch(l -> l.startsWith("✓ ")), "✓ as UTF-8, not '?':\n" + withTools.out());
        // The tools come built: JBang names a build by its sources, so the unpacked kit's first run compiles nothing.
        assertFalse((withTools.out() + withTools.err()).contains("Building jar"), "the first make lab built a tool:\n" + withTools.err());
        Result pong = offline(System.getenv("PATH"), home, "./jbang", "pong@catalog", "--help");
        assertEquals(0, pong.exit(), pong.err());
        assertTrue(pong.out().startsWith("Usage: pong"), pong.out());

        List<String> withoutTheTools = notebooks(WITHOUT_TOOLS::contains);
        Result withoutTools = offline(withoutTheLinuxTools().toString(), home, "make", "lab",
                "NOTEBOOKS=" + String.join(" ", withoutTheTools.stream().map(n -> "notebooks/" + n).toList()));
        assertEquals(0, withoutTools.exit(), withoutTools.out() + withoutTools.err());
        assertEquals(withoutTheTools, LabTest.played(withoutTools.out()), "steps 5 to 8:\n" + withoutTools.out());
        assertTrue(withoutTools.out().lines().anyMatch(l -> l.startsWith("✓ ")), "✓ as UTF-8, not '?':\n" + withoutTools.out());
        // The step that needs a missing tool says which one and how to install it, once, and goes on.
        assertTrue(withoutTools.out().lines().anyMatch(l -> l.startsWith("≠ ")
                && l.matches(".*'(unshare|nsenter|setpriv|ip)' is not installed here \\(install it: .+\\).*")), withoutTools.out());
        assertTrue(withoutTools.out().contains("✓ 1 server(s) bound") || withoutTools.out().contains("✓ the reply came from the first address"),
                "steps 5 and 6 ran without ss, lsof and nc:\n" + withoutTools.out());
        assertEquals(List.of(), in(home), "the kit writes nothing in the learner's home");
    }

    /** The steps where the lab calls the Linux tools it prefers. */
    private static final List<String> WITHOUT_TOOLS = List.of("05-lsof-inspection.ipynb", "06-client-ordering.ipynb",
            "07-hosts-reordering.ipynb", "08-address-sorting.ipynb");

    /** The unpacked kit's notebooks that {@code which} takes, by name, in order; at least one. */
    private static List<String> notebooks(java.util.function.Predicate<String> which) throws Exception {
        List<String> chosen = NotebookTest.notebooksOf(Unpacked.KIT).filter(which).toList();
        assertFalse(chosen.isEmpty(), "no notebook chosen");
        return chosen;
    }

    /** A bin folder with what the lab itself needs (a shell, make, java, a few coreutils), and none of LINUX_TOOLS. */
    private static Path withoutTheLinuxTools() throws IOException {
        Path bin = readableByAll();
        for (String tool : List.of("bash", "sh", "env", "make", "java", "dirname", "readlink", "cat", "mkdir", "rm", "mv",
                "ls", "wc", "awk", "grep", "sed", "tail", "cut", "date", "id", "sleep")) {
            Path real = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
        }
        for (String tool : LINUX_TOOLS) assertTrue(Files.notExists(bin.resolve(tool)), tool);
        return bin;
    }
}
