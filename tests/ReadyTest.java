package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import lab.Sandbox;
import lab.Tools;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
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
        assertTrue(r.out().contains("– no Jupyter: make lab runs without it; for make notebook: python3 -m venv .lab/venv && .lab/venv/bin/pip install notebook"), r.out());
        assertTrue(r.out().strip().endsWith("ready"), r.out());
    }

    /**
     * The day before, online, a learner's fresh clone where only `make ready` ran; on the day the room's network
     * fails, and make lab must need none, whether `./jbang` replays its launch cache or runs JBang. With only
     * resolve built by the check, make lab had to fetch the player's jars first, and failed offline with JBang's error.
     */
    @Test
    void afterTheRoomCheckTheLabPlaysWithNoNetwork() throws Exception {
        assumeTrue(AnotherUser.isRoot() && Sandbox.unavailable().isEmpty(),
                "skipped: only root, with namespaces, takes the network away (unshare -n) without changing who runs the lab");
        Path kit = temporaryFolder("lab-ready").resolve("localhost-lab"), home = temporaryFolder("lab-ready-home");
        Result clone = exec(List.of("git", "clone", "--quiet", ROOT.toString(), kit.toString()));
        assertEquals(0, clone.exit(), clone.err());
        // JBang itself, as the first ./jbang fetched it here (as make bundle copies it): its Maven bootstrap is not
        // what this test is about.
        try (var lab = Files.list(ROOT.resolve(".lab"))) {
            for (Path jbang : lab.filter(p -> p.getFileName().toString().startsWith("jbang-cli-")).toList()) {
                Path to = Files.createDirectories(kit.resolve(".lab").resolve(jbang.getFileName()));
                Result copied = exec(List.of("cp", "-a", jbang.resolve("lib").toString(), jbang.resolve("lib.classpath").toString(), to + "/"));
                assertEquals(0, copied.exit(), copied.err());
            }
        }
        // A shell of the learner's own: none of this run's JBang home, jars or settings, an empty home; what reaches
        // Maven Central here (a proxy, Maven's settings) and the JDK chosen stay.
        List<String> shell = new ArrayList<>(List.of("env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + home));
        for (String kept : List.of("JAVA_HOME", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")) {
            if (System.getenv(kept) != null) shell.add(kept + "=" + System.getenv(kept));
        }
        Path settings = Path.of(System.getProperty("user.home"), ".m2", "settings.xml");
        if (Files.isRegularFile(settings)) Files.copy(settings, Files.createDirectories(home.resolve(".m2")).resolve("settings.xml"));
        Result ready = exec(Run.concat(shell, List.of("make", "-s", "ready")), kit);
        assertEquals(0, ready.exit(), ready.out() + ready.err());
        assertTrue(ready.out().contains("✓ the lab's player is built, with every jar it needs: make lab runs with no network"), ready.out());
        assertTrue(ready.out().strip().endsWith("ready"), ready.out());
        for (String launchCache : List.of("on", "off")) {
            Result lab = exec(Run.concat(shell, List.of("LAB_LAUNCH_CACHE=" + launchCache, "unshare", "-n", "sh", "-c",
                    "PATH=$PATH:/usr/sbin:/sbin; ip link set lo up && make -s lab NOTEBOOKS=notebooks/01-single-server.ipynb")), kit);
            assertEquals(0, lab.exit(), "make lab with no network, launch cache " + launchCache + ", after the room check:\n" + lab.out() + lab.err());
            assertTrue(lab.out().contains("══════ 01-single-server.ipynb ══════"), lab.out());
        }
    }

    /**
     * After a `git pull` that moves the kit to a new JBang, the JBang fetched before does not count: a laptop
     * without Maven is told so by the check, not by the first ./jbang (the check once took any .lab/jbang-cli-*).
     */
    @Test
    void aJBangOfAnotherVersionIsNotReadyWithoutMaven() throws Exception {
        Path kit = temporaryFolder("lab-old-jbang");
        for (String file : List.of("Makefile", "jbang")) Files.copy(ROOT.resolve(file), kit.resolve(file));
        Path old = Files.createDirectories(kit.resolve(".lab/jbang-cli-0.100.0/lib")); // whole, as the old ./jbang left it
        Files.writeString(old.resolveSibling("lib.classpath"), old.resolve("jbang-cli-0.100.0.jar") + "\n");
        Path bin = temporaryFolder("lab-no-maven");  // what make ready runs up to its first line, and neither mvn nor jbang
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        for (String tool : List.of("bash", "sh", "env", "make", "sed", "ls", "awk", "grep", "cat", "dirname", "readlink")) {
            Optional<Path> real = Tools.find(tool);
            assumeTrue(real.isPresent(), "skipped: no " + tool + " here");
            Files.createSymbolicLink(bin.resolve(tool), real.get());
        }
        Result r = exec(List.of("env", "-u", "JAVA_HOME", "PATH=" + bin, "make", "-s", "ready", "JUPYTER_PYTHON=/bin/false"), kit);
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().startsWith("✗ Maven is needed once, to fetch JBang into .lab/"), r.out());
        assertTrue(r.out().strip().endsWith("not ready: fix the ✗ lines above, then run make ready again"), r.out());
    }

    /** On a Mac the tests cannot run (they read /proc): make test and make check say so, before setup asks for Linux's tools. */
    @Test
    void onAnotherSystemTheTestsSayTheyNeedLinux() throws Exception {
        // A uname that answers as macOS's does; and, were the check gone, setup could install nothing (no root, no
        // apt-get) and the Makefile alone, in a folder of its own, would stop at once instead of testing the kit.
        Path bin = temporaryFolder("lab-mac-uname");
        Map<String, String> standIns = Map.of("uname", "echo Darwin", "id", "echo 1000", "apt-get", "exit 1", "apt-cache", "exit 1");
        standIns.forEach((name, script) -> TempFiles.standIn(bin, name, script));
        Path kit = temporaryFolder("lab-makefile-only");
        Files.copy(ROOT.resolve("Makefile"), kit.resolve("Makefile"));
        for (String target : List.of("test", "check")) {
            // Not make test's own MAKEFLAGS (-j would start the kernel beside setup).
            Result r = exec(List.of("env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL", "PATH=" + bin + ":" + System.getenv("PATH"),
                    "make", "-s", target), kit);
            assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
            assertEquals("", r.out(), "nothing ran before the line");
            assertTrue(r.err().startsWith("setup: the tests run on Linux (they read /proc and build Linux sandboxes); on Darwin,"), r.err());
        }
    }

    /**
     * A fresh machine, where setup installs Jupyter: the targets after it (kernel, the tests) use the python that
     * has it. The Makefile used to ask which python that was inside setup, before the install, and kept its
     * answer, python3 (pyenv's on CI, without Jupyter): 47 tests failed. Here Jupyter is a module of this test's
     * own (JUPYTER_MODULES), which a stand-in apt-get "installs" into the kit's venv, as root would.
     */
    @Test
    void theTargetsAfterSetupUseTheJupyterThatSetupInstalled() throws Exception {
        Path bin = temporaryFolder("lab-fresh-bin");
        TempFiles.standIn(bin, "id", "echo 0");
        TempFiles.standIn(bin, "apt-cache", "exit 1");
        TempFiles.standIn(bin, "apt-get", String.join("\n",
                "[ \"$1\" = install ] || exit 0",
                "mkdir -p .lab/venv/bin .lab/modules && : > .lab/modules/labjupyter.py",
                "printf '#!/bin/sh\\nPYTHONPATH=\"%s\" exec python3 \"$@\"\\n' \"$PWD/.lab/modules\" > .lab/venv/bin/python",
                "chmod +x .lab/venv/bin/python"));
        Path kit = temporaryFolder("lab-fresh-kit");
        Files.copy(ROOT.resolve("Makefile"), kit.resolve("Makefile"));
        Result r = exec(List.of("env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL", "-u", "JUPYTER_PYTHON",
                "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "JUPYTER_MODULES=labjupyter",
                "--eval", "after-setup: setup ; @echo \"python: $(JUPYTER_PYTHON)\"", "after-setup"), kit);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("setup: installing jupyter-notebook"), r.out());
        assertTrue(r.out().contains("python: " + kit.resolve(".lab/venv/bin/python")), r.out());
    }

    @Test
    void anOldJavaIsNotReadyAndSaysWhichAndHowToFixIt() throws Exception {
        // A laptop whose first java is a Java 11: a stand-in that answers -XshowSettings as a JDK 11 does.
        Path bin = temporaryFolder("lab-old-java");
        Path java = TempFiles.standIn(bin, "java", "echo '    java.specification.version = 11' >&2");
        Result r = exec(List.of("env", "-u", "JAVA_HOME", "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "ready"));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().contains("✗ Java 17 or newer is needed, " + java + " is 11"), r.out());
        assertTrue(r.out().strip().endsWith("not ready: fix the ✗ lines above, then run make ready again"), r.out());
    }

    @Test
    void aMacWithNoJdkIsNotReadyAndSaysHowToInstallOne() throws Exception {
        // macOS's /usr/bin/java with no JDK installed: a stand-in that says what it says (to stderr, exit 1), and a
        // uname that says Darwin.
        Path bin = temporaryFolder("lab-mac-no-jdk");
        Path java = TempFiles.standIn(bin, "java", "echo 'The operation couldn\u2019t be completed. Unable to locate a Java Runtime.' >&2\n"
                + "echo 'Please visit http://www.java.com for information on installing Java.' >&2\nexit 1");
        TempFiles.standIn(bin, "uname", "echo Darwin");
        Result r = exec(List.of("env", "-u", "JAVA_HOME", "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "ready"));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().contains("✗ " + java + " runs no Java: install a JDK 17 or newer (macOS: brew install --cask temurin@21, "
                + "or a JDK from adoptium.net), or set JAVA_HOME to one"), r.out());
    }

    @Test
    void aJavaRuntimeWithoutJavacIsNotReady() throws Exception {
        // A JRE first on PATH: a stand-in that answers -XshowSettings as a Java 17 whose home has no bin/javac.
        Path bin = temporaryFolder("lab-jre");
        Path java = TempFiles.standIn(bin, "java", "echo '    java.home = " + bin.getParent().resolve(bin.getFileName() + "-home")
                + "' >&2; echo '    java.specification.version = 17' >&2");
        Result r = exec(List.of("env", "-u", "JAVA_HOME", "PATH=" + bin + ":" + System.getenv("PATH"), "make", "-s", "ready"));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().contains("✗ " + java + " is a Java runtime without javac (a JRE)"), r.out());
    }

    /** A copy that Git for Windows checked out with CRLF endings (as before .gitattributes): one line says so. */
    @Test
    void aCopyWithWindowsLineEndingsIsNotReadyAndSaysWhy() throws Exception {
        Path kit = temporaryFolder("lab-crlf");
        for (String file : List.of("Makefile", "jbang")) {
            Files.writeString(kit.resolve(file), Files.readString(ROOT.resolve(file)).replace("\n", "\r\n"));
        }
        Result r = exec(List.of("make", "-s", "--no-print-directory", "-C", kit.toString(), "ready"));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertTrue(r.out().contains("✗ this copy of the kit has Windows line endings (CRLF), which bash cannot run: clone it again"),
                r.out() + r.err());
        assertTrue(r.out().strip().endsWith("not ready: fix the ✗ lines above, then run make ready again"), r.out());
    }

    /** On a kit unpacked from make bundle, .lab/ is what runs it offline: make clean keeps it unless told FORCE=1. */
    @Test
    void makeCleanKeepsABundlesOfflineKitUnlessForced() throws Exception {
        Path kit = temporaryFolder("lab-bundle-clean");
        Files.copy(ROOT.resolve("Makefile"), kit.resolve("Makefile"));
        Files.createDirectories(kit.resolve(".lab"));
        Files.writeString(kit.resolve(".lab/offline"), "made by make bundle\n");
        Result refused = exec(List.of("make", "-s", "clean"), kit);
        assertEquals(2, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().startsWith("clean: this kit came from make bundle"), refused.err());
        assertTrue(Files.exists(kit.resolve(".lab/offline")));
        Result forced = exec(List.of("make", "-s", "clean", "FORCE=1"), kit);
        assertEquals(0, forced.exit(), forced.out() + forced.err());
        assertTrue(Files.notExists(kit.resolve(".lab")));
    }
}
