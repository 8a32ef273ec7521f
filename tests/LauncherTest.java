package tests;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/** The ./jbang launcher's bootstrap, on a fresh copy: it says what it fetches, and the result can move. */
class LauncherTest extends Kit {
    /** Two launchers at once on a fresh copy (two terminals straight after cloning): only one fetches. */
    @Test
    void theBootstrapNamesEveryJarWithItsSizeAndTheKitCanMove() throws Exception {
        Path folder = temporaryFolder("lab-launcher");
        Path fresh = Files.createDirectory(folder.resolve("kit"));
        Files.copy(ROOT.resolve("jbang"), fresh.resolve("jbang"));
        Run.Started beside = Run.started(new ProcessBuilder("./jbang", "--version").directory(fresh.toFile()));
        Result first = exec(List.of("./jbang", "--version"), fresh);
        Result other = beside.finish();
        assertEquals(versionSaid(first), versionSaid(other), "both launchers run the same JBang");
        assertEquals(1, Stream.of(first, other).filter(r -> r.err().contains("with Maven (once)")).count(), "one fetches:\n" + first.err() + other.err());
        if (!first.err().contains("with Maven (once)")) first = other; // below: the one that fetched names every jar

        List<Path> jars;
        try (Stream<Path> lib = Files.list(fresh.resolve(".lab")).filter(p -> p.getFileName().toString().startsWith("jbang-cli-"))
                .flatMap(p -> list(p.resolve("lib")))) {
            jars = lib.filter(p -> p.toString().endsWith(".jar")).toList();
        }
        assertTrue(jars.stream().anyMatch(j -> j.getFileName().toString().startsWith("jbang-cli-")), jars.toString());
        List<String> said = first.err().lines().toList();
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            assertTrue(said.stream().anyMatch(l -> l.contains(name) && l.matches(".*\\(\\d+(\\.\\d+)? [kM]B\\).*")),
                    name + " is named with its size:\n" + first.err());
        }

        // Moved: JBang runs from its copies in lib/, with no second bootstrap.
        Path moved = Files.move(fresh, folder.resolve("moved"));
        Result again = exec(List.of("./jbang", "--version"), moved);
        assertFalse(again.err().contains("fetching"), again.err());
        assertEquals(versionSaid(first), versionSaid(again), "the same JBang answers");
    }

    /**
     * A stock Mac has no flock: there the launchers' locks are a symbolic link in .lab/ named for its holder's PID.
     * Two launchers at once on a fresh copy still fetch once; a JBang run waits while the link's holder lives, and
     * takes the lock over once it is gone (killed, so it never let go). Without the link lock, both fetched and none waited.
     */
    @Test
    void withoutFlockAsOnAMacLaunchersStillTakeTurns() throws Exception {
        Path fresh = Files.createDirectory(temporaryFolder("lab-launcher-mac").resolve("kit"));
        Files.copy(ROOT.resolve("jbang"), fresh.resolve("jbang"));
        Map<String, String> mac = Map.of("PATH", TempFiles.pathWithout("flock").toString());
        ProcessBuilder version = new ProcessBuilder("./jbang", "--version").directory(fresh.toFile());
        version.environment().putAll(mac);
        Run.Started beside = Run.started(version);
        Result first = Run.exec(version), other = beside.finish();
        assertEquals(List.of(0, 0), List.of(first.exit(), other.exit()), first.err() + other.err());
        assertEquals(1, Stream.of(first, other).filter(r -> r.err().contains("with Maven (once)")).count(), "one fetches:\n" + first.err() + other.err());
        assertEquals(1, Stream.of(first, other).filter(r -> r.err().contains("fetching JBang into .lab/; waiting for it")).count(),
                "the other waits, saying so:\n" + first.err() + other.err());

        Path link = fresh.resolve(".lab/jbang-build.lock.pid");
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "each let go of the lock");
        Process holder = new ProcessBuilder("sleep", "300").start();
        Process reborn = null;
        Run.Started waiting = null;
        try {
            // ./jbang names itself PID:START, its start as ps gives it with no spaces.
            Files.createSymbolicLink(link, Path.of(holder.pid() + ":" + startedAt(holder.pid())));
            waiting = Run.started(version);
            Run.Started waits = waiting;
            List<ProcessHandle> children = Settled.settled(() -> waits.process().descendants().toList(),
                    all -> all.stream().anyMatch(Settled::isSleep));
            assertTrue(children.stream().anyMatch(Settled::isSleep), "it waits while the holder lives: " + children);
            assertTrue(children.stream().noneMatch(c -> c.info().command().orElse("").endsWith("java")), "JBang does not start: " + children);
            holder.destroyForcibly().waitFor(); // gone without letting go
            assertEquals(versionSaid(first), versionSaid(waiting.finish()), "then it takes the lock over and runs");
            assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "and lets go of it");

            // After a restart (a power cut while a ./jbang held it) the PID may be another program's: not the holder.
            reborn = new ProcessBuilder("sleep", "300").start();
            Files.createSymbolicLink(link, Path.of(reborn.pid() + ":" + startedAt(reborn.pid()).replaceAll("\\d", "0")));
            assertEquals(versionSaid(first), versionSaid(Run.exec(version)), "a live PID that started at another time holds nothing");
            assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS), "and it lets go of the lock it took");
        } finally {
            holder.destroyForcibly();
            if (reborn != null) reborn.destroyForcibly();
            if (waiting != null) waiting.stop();
        }

        // Where no link can be made (here: no ln at all), it runs without a lock, as it did before, rather than wait forever.
        ProcessBuilder noLink = new ProcessBuilder("./jbang", "--version").directory(fresh.toFile());
        noLink.environment().put("PATH", TempFiles.pathWithout("flock", "ln").toString());
        Result unlocked = Run.exec(noLink);
        assertEquals(versionSaid(first), versionSaid(unlocked), unlocked.err());
    }

    /** What `./jbang --version` answered, once it ran: JBang prints its version on stderr, after the launcher's "jbang:" lines. */
    private static String versionSaid(Result r) {
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> said = r.err().lines().filter(l -> !l.startsWith("jbang:")).toList();
        assertEquals(1, said.size(), "one line from JBang: " + r.err());
        assertTrue(said.get(0).matches("\\d+\\.\\d+\\.\\d+.*"), "a version: " + r.err());
        return r.out() + said.get(0);
    }

    /** When process {@code pid} started, as the launcher writes it in a lock's link: `ps -o lstart=` in C and UTC, without its spaces. */
    private static String startedAt(long pid) {
        Result ps = Run.exec(List.of("env", "LC_ALL=C", "TZ=UTC0", "ps", "-o", "lstart=", "-p", "" + pid));
        assertEquals(0, ps.exit(), ps.err());
        return ps.out().replace(" ", "").strip();
    }

    /**
     * With no UTF-8 locale, Java on Linux read arguments as ASCII: "José" was "Jos??", and no such file. No locale at
     * all (env -i), one this machine lacks (a container's LANG), or macOS's LC_CTYPE=UTF-8, which ssh sends along.
     */
    @ParameterizedTest
    @ValueSource(strings = {"NONE=", "LANG=xx_XX.UTF-8", "LC_CTYPE=UTF-8", "LC_ALL=POSIX"})
    void withNoUtf8LocaleAFileNameInAnyLanguageStillWorks(String locale) throws Exception {
        Path hosts = Files.createDirectory(temporaryFolder("lab-launcher").resolve("José-東京")).resolve("hosts");
        Files.writeString(hosts, "127.0.0.1 localhost\n");
        Result r = exec(List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + temporaryFolder("lab-home"), locale,
                "./jbang", "resolve@catalog", "--list", "--hosts-file", hosts.toString()), ROOT);
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("127.0.0.1"), r.lines(), r.err());
    }

    /** A bootstrap that Maven refuses says Maven's reason first (Maven 3.8 starts that line with a colour reset). */
    @Test
    void aBootstrapThatMavenRefusesSaysWhyFirst() throws Exception {
        assumeTrue(lab.Tools.find("mvn").isPresent(), "skipped: no Maven here");
        Path fresh = Files.createDirectory(temporaryFolder("lab-launcher").resolve("kit"));
        Files.copy(ROOT.resolve("jbang"), fresh.resolve("jbang"));
        ProcessBuilder refused = new ProcessBuilder("./jbang", "--version").directory(fresh.toFile());
        refused.environment().put("MAVEN_OPTS", "-Dmaven.repo.local=/proc/no-such-repository"); // a folder nobody may make
        Result r = exec(refused);
        assertEquals(1, r.exit(), r.err());
        List<String> maven = r.err().lines().filter(l -> l.startsWith("jbang: maven: ")).toList();
        assertTrue(!maven.isEmpty() && maven.get(0).contains("Could not create local repository at /proc/no-such-repository"), r.err());
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Another user's fresh clone, where only JBang is set up: a learner who may not write it runs a tool that is
     * not built yet. JBang can neither fetch nor build there, and says only that it could not read an artifact;
     * the launcher's last line says why and what to do.
     */
    @Test
    void aUserWhoMayNotWriteTheKitIsToldWhyAToolCannotBeBuilt() {
        assumeTrue(AnotherUser.isRoot(), "skipped: only root can run the kit as another user");
        Path kit = TempFiles.readableByAll().resolve("kit"), home = TempFiles.readableByAll();
        Result clone = exec(List.of("git", "clone", "--quiet", ROOT.toString(), kit.toString()));
        assertEquals(0, clone.exit(), clone.err());
        // Its owner, from a shell of their own (not this run's JBang home), sets JBang up and builds nothing.
        Result owner = exec(List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + home, "./jbang", "--version"), kit);
        assertEquals(0, owner.exit(), owner.err());
        Result pong = exec(AnotherUser.asAnotherUser(kit, List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + home,
                "./jbang", "pong@catalog", "--help")));
        assertNotEquals(0, pong.exit(), pong.out());
        List<String> said = pong.err().lines().toList();
        assertEquals("./jbang: you may not write in " + kit + "/.lab, where JBang fetches jars and builds the tools: if this one"
                + " is not built yet, ask the kit's owner to run the same command once, or copy the kit into your home",
                said.get(said.size() - 1), pong.err());
    }

    /** Another user's kit (a shared checkout, read-only to this learner): the tools run, with no error line about the build lock. */
    @Test
    void aUserWhoMayNotWriteTheKitRunsItsToolsWithoutAnErrorLine() {
        Path home = TempFiles.readableByAll();
        Result readable = exec(AnotherUser.asAnotherUser(ROOT, List.of("test", "-r", "jbang-catalog.json")));
        assumeTrue(readable.exit() == 0, "skipped: the kit's folder is closed to another user here");
        // Its owner has built pong (run it once, or made the kit from `make bundle`, which builds every tool): this
        // learner could not. Run alone in a fresh clone, the test had nothing built, and failed.
        Scripts.classpath("pong");
        Result pong = exec(AnotherUser.asAnotherUser(ROOT, List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + home,
                "./jbang", "pong@catalog", "--help")));
        assertEquals(0, pong.exit(), pong.err());
        assertTrue(pong.out().startsWith("Usage: pong"), pong.out());
        assertFalse(pong.err().contains("Permission denied"), pong.err());
    }
}
