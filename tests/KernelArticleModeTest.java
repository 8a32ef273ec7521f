package tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import lab.Lifelines;
import lab.Listeners;
import lab.Sandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.AnotherUser.asAnotherUser;
import static tests.AnotherUser.assumeAnotherUserMayMakeSandboxes;
import static tests.LeftBehind.stillRunning;
import static tests.Ports.unusedPort;
import static tests.Run.exec;
import static tests.Scripts.STATE;
import static tests.Scripts.tool;
import static tests.Settled.settled;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.sharedFolder;
import static tests.TempFiles.temporaryFolder;

/**
 * The real IJava kernel in article mode (kernelspec localhost-lab-article, lab.ArticleKernel):
 * the notebooks see the article's Mac inside the sandbox, Jupyter reaches the kernel from
 * outside, the host's loopback never gets a listener, and nothing is left, even after a SIGKILL.
 * Every notebook runs on it with the article rule: no cell may print a ≠ line.
 */
// Alone: checks every process of this JVM and the article sandbox's state.
@Isolated
class KernelArticleModeTest extends Kit {
    /** This user's ID, as `id -u` says: the sandbox's state folder is named after it. */
    private static final String USER_ID = exec(List.of("id", "-u")).out().strip();
    static final String KERNEL = "localhost-lab-article";

    /** One notebook's run on the article-mode kernel: what execute_notebook.py said, its HTML, who else listened on the host. */
    private record ArticleRun(Result result, Path html, List<String> hostOthers) {}

    /** Every notebook runs once in article mode, whichever test asks first; all on one port, the player's too. */
    private static final Once<Map<String, ArticleRun>> RUNS = new Once<>(KernelArticleModeTest::everyNotebookInArticleMode);
    private static final class Shared {
        static final int PORT = unusedPort();
        static final Path HTML = temporaryFolder("lab-html");
    }

    /**
     * Every notebook on the article-mode kernel in one call, as `make html SANDBOX=article` runs them:
     * several at once, each kernel in an article sandbox of its own, on the same port (the kernel implies
     * execute_notebook.py's article rule: no ≠ line at all). The host's loopback is held on that port
     * meanwhile; afterwards no process, no folder of Unix sockets and no sandbox state may be left.
     */
    private static Map<String, ArticleRun> everyNotebookInArticleMode() {
        try {
            List<String> notebooks = NotebookTest.notebooks().toList();
            List<String> args = new ArrayList<>(List.of("--kernel", KERNEL, "--html", Shared.HTML.toString()));
            notebooks.forEach(n -> args.add("notebooks/" + n));
            Set<String> before = kernelFolders();
            Result all;
            List<String> hostOthers;
            try (HostPort host = new HostPort(Shared.PORT)) {
                all = exec(Map.of("LAB_PORT", "" + Shared.PORT, "LAB_SANDBOX_STATE", STATE.toString()), NotebookTest.kernel(args.toArray(String[]::new)));
                hostOthers = host.others();
            }
            assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()), "no process left after the notebooks");
            assertEquals(Set.of(), settled(() -> newKernelFolders(before), Set::isEmpty), "no folder of Unix sockets left");
            // execute_notebook.py fails a notebook whose kernel left its sandbox's state, then removes the folder.
            assertEquals(List.of(), sandboxFoldersOfKernels(), "each kernel's sandbox folder is gone");
            Map<String, ArticleRun> runs = new ConcurrentHashMap<>();
            // A notebook's own verdict: one that failed fails its own case, not the eleven beside it.
            for (String n : notebooks) {
                String lines = block(all.out(), "notebooks/" + n);
                int exit = NotebookTest.failedOnlyThroughANotebook(all) && NotebookTest.passed(lines, n) ? 0 : Math.max(1, all.exit());
                Result own = new Result(exit, lines, all.err());
                runs.put(n, new ArticleRun(own, Shared.HTML.resolve(n.replace(".ipynb", ".html")), hostOthers));
            }
            return runs;
        } catch (Exception e) {
            throw new AssertionError("the notebooks in article mode", e);
        }
    }

    /** The lines execute_notebook.py printed for {@code path}: its ✓ and ≠ lines, its problems and its verdict. */
    private static String block(String out, String path) {
        String name = Path.of(path).getFileName().toString();
        return out.lines().filter(l -> l.startsWith("  " + name + ": ") || l.startsWith(path + ": "))
                .map(l -> l + "\n").collect(Collectors.joining());
    }

    private static ArticleRun inArticleMode(String notebook) {
        return RUNS.get().get(notebook);
    }

    @ParameterizedTest
    @MethodSource("tests.NotebookTest#notebooks")
    void everyNotebookRunsOnTheKernelInArticleModeWithoutANotEqualLine(String notebook) {
        assumeNamespaces();
        ArticleRun run = inArticleMode(notebook);
        Result r = run.result();
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("notebooks/" + notebook + ": ok"), r.out());
        assertTrue(r.err().contains("kernel: article mode: in a private Linux sandbox"), "the launcher says its mode: " + r.err());
        assertFalse(r.out().contains("≠"), "no ≠ line in article mode:\n" + r.out());
        assertEquals(List.of(), run.hostOthers(), "the host's loopback never had another listener on port " + Shared.PORT);
    }

    @Test
    void notebooksTwoToFourShowTheArticlesSequenceInsideTheSandbox() throws Exception {
        assumeNamespaces();
        int port = Shared.PORT;
        List<String> twoToFour = List.of("02-second-server.ipynb", "03-third-server.ipynb", "04-bind-failure.ipynb");
        List<String> checked = new ArrayList<>();
        for (String n : twoToFour) {
            Result r = inArticleMode(n).result();
            assertEquals(0, r.exit(), r.out() + r.err());
            r.lines().stream().filter(l -> l.contains(": ✓")).map(l -> l.substring(l.indexOf("✓"))).forEach(checked::add);
        }
        assertTrue(checked.contains("✓ two servers listen on port " + port + ": [::1]:" + port + " and [fe80::1]:" + port), "" + checked);
        assertTrue(checked.contains("✓ three servers, as in the article"), "" + checked);
        assertTrue(checked.contains("✓ the next one failed with Address already in use"), "" + checked);

        List<String> article = List.of("[::1]", "[fe80::1]", "127.0.0.1");
        assertEquals(article, listenedOn(inArticleMode("03-third-server.ipynb").html(), port));
        Path four = inArticleMode("04-bind-failure.ipynb").html();
        assertEquals(article, listenedOn(four, port));
        assertTrue(Files.readString(four).contains("Address already in use"), "the fourth server and bindFirstFree fail");
        assertTrue(Files.readString(four).contains("article mode: the article"), "the first cell says article mode");

        // The player in article mode, on the same notebooks, says the same ✓ lines, and no ≠ (LAB_STRICT).
        try (HostPort host = new HostPort(port)) {
            List<String> args = new ArrayList<>(List.of("--sandbox", "article"));
            twoToFour.forEach(n -> args.add("notebooks/" + n));
            Result player = exec(Map.of("LAB_PORT", "" + port, "LAB_STRICT", "1"), tool("play", args.toArray(String[]::new)));
            assertEquals(0, player.exit(), player.out() + player.err());
            assertEquals(player.lines().stream().filter(l -> l.startsWith("✓")).toList(), checked);
            assertEquals(List.of(), host.others(), "the host's loopback never had another listener on port " + port);
        }
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()), "no process left");
    }

    @Test
    void inArticleModeEvenAMachineDependentCellMayNotSayNotEqual() throws Exception {
        assumeNamespaces();
        Path tagged = NotebookTest.wrongLesson(true);
        try {
            Result kernel = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_SANDBOX_STATE", STATE.toString()),
                    NotebookTest.kernel("--kernel", KERNEL, tagged.toString()));
            assertEquals(1, kernel.exit(), kernel.out());
            assertTrue(kernel.out().contains(tagged + ": cell 4 (Lab.check(false, \"\", \"wrong lesson\");) printed \"≠ wrong lesson\" "
                    + "in article mode, where every outcome must be the article's\n" + tagged + ": FAILED"), kernel.out());
            Result player = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_STRICT", "1"), tool("play", "--sandbox", "article", tagged.toString()));
            assertEquals(1, player.exit(), player.out());
            assertTrue(player.out().contains("≠ wrong lesson\n✗ this cell printed \"≠ wrong lesson\" in article mode, "
                    + "where every outcome must be the article's\n"), player.out());
        } finally {
            Files.delete(tagged);
        }
    }

    @Test
    void makeHtmlInArticleModeRunsEveryNotebookOnTheArticleModeKernel() throws Exception {
        // What it runs is what the tests above run: the article-mode kernel, which implies the article rule.
        Result dry = exec(List.of("make", "-n", "html", "SANDBOX=article"));
        assertEquals(0, dry.exit(), dry.err());
        String run = dry.lines().stream().filter(l -> l.contains("dev/execute_notebook.py")).findFirst().orElse(dry.out());
        assertTrue(run.contains(" --kernel " + KERNEL + " "), run);
        for (String notebook : NotebookTest.notebooks().toList()) assertTrue(run.contains("notebooks/" + notebook), notebook + ": " + run);
    }

    @Test
    void interruptAndShutdownReachTheKernelThroughTheRelays() throws Exception {
        assumeNamespaces();
        int port = freePort();
        Set<String> before = kernelFolders();
        try (HostPort host = new HostPort(port); KernelDriver driver = driver(port)) {
            ProcessHandle waitedOn = driver.waitedOn();
            driver.goOn(); // interrupt, over the control channel
            assertEquals("error EvaluationInterruptedException", driver.next());
            assertEquals("next " + port, driver.next(), "the kernel runs the next cell");
            assertEquals(List.of(), stillRunning(List.of(waitedOn)), "the interrupted cell's command is stopped");
            List<ProcessHandle> started = driver.kernel.descendants().toList();
            driver.goOn(); // shut down
            assertEquals("shut down", driver.next());
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the launcher exits with its kernel");
            assertEquals(List.of(), stillRunning(started), "and so does everything it started");
            assertEquals(List.of(), host.others(), "the host's loopback never had another listener on port " + port);
        }
        assertEquals(Set.of(), newKernelFolders(before), "no folder of Unix sockets left");
        assertFalse(Files.exists(articleState()), "the last one out removed the sandbox's state");
    }

    @Test
    void sigkillOfTheLauncherLeavesNothing() throws Exception {
        assumeNamespaces();
        int port = freePort();
        Set<String> before = kernelFolders();
        List<ProcessHandle> started = new ArrayList<>();
        try (HostPort host = new HostPort(port); KernelDriver driver = driver(port)) {
            driver.waitedOn();
            started.addAll(driver.kernel.descendants().toList());
            assertTrue(started.stream().anyMatch(p -> LeftBehind.commandLine(p).contains("KernelMain")), "IJava runs: " + started);
            assertFalse(newKernelFolders(before).isEmpty(), "the relays' Unix sockets are there");
            driver.kernel.destroyForcibly(); // SIGKILL: no shutdown hook of the launcher runs
            assertEquals(List.of(), stillRunning(started), "IJava, the relay inside, the sandbox's holder, the server, sleep");
            assertEquals(Set.of(), settled(() -> newKernelFolders(before), Set::isEmpty), "no folder of Unix sockets left");
            assertEquals(List.of(), host.others(), "the host's loopback never had another listener on port " + port);
        } finally {
            started.forEach(ProcessHandle::destroyForcibly); // by PID, only if the test failed: orphans once the launcher went
        }
    }

    /** Before any cell: the launcher follows Jupyter, IJava follows the launcher (KernelMain), and the sandbox's holder goes too. */
    @Test
    void sigkillOfJupyterBeforeAnyCellStopsTheLauncherAndEverythingInside() throws Exception {
        assumeNamespaces();
        Map<String, String> env = Map.of("LAB_PORT", "" + freePort(), "LAB_SANDBOX_STATE", STATE.toString(), "LAB_DRIVER_WAIT_FIRST", "1");
        List<ProcessHandle> started = new ArrayList<>();
        try (KernelDriver driver = new KernelDriver(env, KERNEL)) {
            started.addAll(settled(() -> driver.kernel.descendants().toList(),
                    d -> d.stream().anyMatch(p -> LeftBehind.commandLine(p).contains("KernelMain"))));
            assertTrue(started.stream().anyMatch(p -> LeftBehind.commandLine(p).contains("KernelMain")), "IJava runs: " + started);
            driver.process.destroyForcibly();
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the launcher follows Jupyter");
            assertEquals(List.of(), stillRunning(started), "and everything it started");
        } finally {
            started.forEach(ProcessHandle::destroyForcibly); // by PID, only if the test failed
        }
    }

    @Test
    void sigkillOfJupyterStopsTheLauncherAndEverythingInside() throws Exception {
        assumeNamespaces();
        int port = freePort();
        Set<String> before = kernelFolders();
        List<ProcessHandle> started = new ArrayList<>();
        try (HostPort host = new HostPort(port); KernelDriver driver = driver(port)) {
            driver.waitedOn();
            started.addAll(driver.kernel.descendants().toList());
            driver.process.destroyForcibly(); // Jupyter cannot shut its kernel down
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the launcher follows Jupyter");
            assertEquals(List.of(), stillRunning(started), "and everything it started");
            assertEquals(Set.of(), settled(() -> newKernelFolders(before), Set::isEmpty), "no folder of Unix sockets left");
            assertEquals(List.of(), host.others());
        } finally {
            started.forEach(ProcessHandle::destroyForcibly); // by PID, only if the test failed: orphans once the launcher went
        }
    }

    /** As on a Mac, where no setpriv ties IJava to the launcher: IJava follows it through JPY_PARENT_PID, and its server follows IJava. */
    @Test
    void withoutSetprivIJavaAndItsServerStillGoWithTheLauncher() throws Exception {
        Map<String, String> env = Map.of("LAB_PORT", "" + freePort(), "LAB_SANDBOX_STATE", STATE.toString(),
                "PATH", TempFiles.pathWithout("setpriv").toString()); // and so no sandbox either: the fallback, as on a Mac
        List<ProcessHandle> started = new ArrayList<>(), waited = new ArrayList<>();
        try (KernelDriver driver = new KernelDriver(env, KERNEL)) {
            assertEquals("submitted", driver.next(), driver.log()); // Lab.pong() has run, and the cell that waits on sleep 300 is submitted
            started.addAll(driver.kernel.descendants().toList());
            assertTrue(started.stream().anyMatch(p -> LeftBehind.commandLine(p).contains("KernelMain")), "IJava runs: " + started);
            assertTrue(started.stream().anyMatch(p -> LeftBehind.commandLine(p).contains(" pong ")), "its server runs: " + started);
            assertTrue(driver.log().contains("kernel: article mode, fallback: no namespaces here ('setpriv' is not installed here"),
                    "the launcher found no setpriv, so nothing but JPY_PARENT_PID ties IJava to it: " + driver.log());
            // The cell's `sleep 300` is not tied without setpriv: a command a cell runs ends on its own, and
            // Lab.exec stops it after 30 s while the kernel lives. It is found now, to be killed below.
            waited.addAll(Settled.settled(() -> driver.kernel.descendants().filter(Settled::isSleep).toList(), f -> !f.isEmpty()));
            driver.kernel.destroyForcibly(); // SIGKILL: no shutdown hook of the launcher runs
            started.removeAll(waited);
            assertEquals(List.of(), stillRunning(started), "IJava and its server went with the launcher");
        } finally {
            started.forEach(ProcessHandle::destroyForcibly); // by PID, only if the test failed (IJava outlived it so once)
            waited.forEach(ProcessHandle::destroyForcibly); // by PID: an orphan now, which would sleep on for 5 minutes
        }
    }

    @Test
    void withoutNamespaceRightsTheKernelFallsBackToThePrivateHostsFileAndSaysSo() throws Exception {
        assumeTrue(Sandbox.unavailable().isEmpty(), "needs root's namespace rights, to take them away");
        Path html = sharedFolder("lab-html");
        Path runtime = sharedFolder("lab-runtime"); // unshare -U makes us nobody: root's runtime folder is closed
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("unshare", "-U", "--", "env", "LAB_PORT=" + port, "JUPYTER_RUNTIME_DIR=" + runtime,
                "HOME=" + runtime));
        command.addAll(NotebookTest.kernel("--kernel", KERNEL, "--html", html.toString(), "--jobs", "2",
                "notebooks/03-third-server.ipynb", "notebooks/04-bind-failure.ipynb"));
        Result r = exec(command);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("kernel: article mode, fallback: no namespaces here"), r.err());
        // Without sandboxes both kernels use this machine's loopback on one port: one at a time, not side by side.
        assertTrue(r.out().contains("notebooks/04-bind-failure.ipynb: ok"), r.out());
        assertFalse(r.out().contains("a sandbox of its own"), r.out());
        String page = Files.readString(html.resolve("03-third-server.html"));
        assertTrue(page.contains("article mode, fallback without namespaces: 127.0.0.2 stands in for fe80::1"), "the first cell says so");
        assertEquals(List.of("[::1]", "127.0.0.2", "127.0.0.1"), listenedOn(html.resolve("03-third-server.html"), port));
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()), "no process left");
    }

    /**
     * make html SANDBOX=article on a learner's machine without nc or curl: their cells say they are skipped,
     * which is a missing tool, not an outcome unlike the article's, so the notebook still passes.
     */
    @Test
    void aClientThatIsNotInstalledIsNoWrongLessonInArticleMode() {
        assumeTrue(Sandbox.unavailable().isEmpty(), "needs the article's sandbox");
        Result r = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_SANDBOX_STATE", STATE.toString(),
                "PATH", TempFiles.pathWithout("nc", "curl").toString()),
                NotebookTest.kernel("--kernel", KERNEL, "notebooks/09-stale-server.ipynb"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("≠ skipped: nc is not installed here"), "the cell says so: " + r.out());
    }

    /**
     * The namespaces are there but the sandbox still cannot be made (here its state folder is a file): the
     * kernel says why and runs in the fallback, not a dead kernel that Jupyter would restart in vain.
     */
    @Test
    void aSandboxThatFailsAfterItsProbeGivesTheFallbackNotADeadKernel() throws Exception {
        assumeTrue(Sandbox.unavailable().isEmpty(), "needs namespaces, to fail after the probe");
        Path html = sharedFolder("lab-html"), state = sharedFolder("lab-state");
        Files.writeString(state.resolve("localhost-lab-" + USER_ID), "not a folder\n"); // refused as not ours
        Path aFile = Files.writeString(sharedFolder("lab-state").resolve("a-file"), "not a folder\n"); // no folder can be made in it
        for (Path where : List.of(state, aFile)) {
            int port = freePort();
            Result r = exec(Map.of("LAB_PORT", "" + port, "LAB_SANDBOX_STATE", where.toString()),
                    NotebookTest.kernel("--kernel", KERNEL, "--html", html.toString(), "notebooks/03-third-server.ipynb"));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("; so article mode's fallback"), r.err());
            assertEquals(List.of("[::1]", "127.0.0.2", "127.0.0.1"), listenedOn(html.resolve("03-third-server.html"), port));
            assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()), "no process left");
        }
    }

    @Test
    void aUserWithoutRootRunsTheKernelInAUserNamespace() throws Exception {
        assumeAnotherUserMayMakeSandboxes();
        Path kernelSpec = ROOT.resolve(".lab/jupyter/kernels/" + KERNEL + "/kernel.json");
        Result readable = exec(asAnotherUser(List.of("cat", kernelSpec.toString(), ROOT.resolve("notebooks/03-third-server.ipynb").toString())));
        assumeTrue(readable.exit() == 0, "skipped: the checkout is not readable by another user");
        Path home = sharedFolder("lab-home");
        int port = freePort();
        Set<String> before = kernelFolders();
        try (HostPort host = new HostPort(port)) {
            List<String> command = new ArrayList<>(List.of("env", "LAB_PORT=" + port, "HOME=" + home, "JUPYTER_RUNTIME_DIR=" + home,
                    "JUPYTER_DATA_DIR=" + home));
            command.addAll(NotebookTest.kernel("--kernel", KERNEL, "notebooks/03-third-server.ipynb"));
            Result r = exec(asAnotherUser(ROOT, command));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("kernel: article mode: in a private Linux sandbox"), r.err());
            assertTrue(r.out().contains("✓ three servers, as in the article"), r.out());
            assertEquals(List.of(), host.others(), "the host's loopback never had another listener on port " + port);
        }
        assertEquals(List.of(), stillRunning(ProcessHandle.current().descendants().toList()), "no process left");
        assertEquals(Set.of(), newKernelFolders(before), "no folder of Unix sockets left");
    }

    @Test
    void badInputToTheLauncherIsOneLineAndExitTwo() throws Exception {
        Path notJson = hostsFile("not json");
        Path noPort = hostsFile("{\"ip\": \"127.0.0.1\", \"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4}");
        Path ipc = hostsFile("{\"transport\": \"ipc\", \"ip\": \"kernel\", \"shell_port\": 1, \"iopub_port\": 2, "
                + "\"stdin_port\": 3, \"control_port\": 4, \"hb_port\": 5}");
        Map<List<String>, String> cases = Map.of(
                List.of(), "kernel: usage: java -cp LAB_CLASSPATH lab.ArticleKernel IJAVA_CLASSPATH CONNECTION_FILE",
                List.of("ijava.jar", "/no/such/file.json"), "kernel: cannot read the connection file /no/such/file.json (NoSuchFileException)",
                List.of("ijava.jar", notJson.toString()), "kernel: " + notJson + " is not a Jupyter connection file (not a JSON object)",
                List.of("ijava.jar", noPort.toString()), "kernel: the connection file has no valid hb_port",
                List.of("ijava.jar", ipc.toString()), "kernel: " + ipc + ": transport 'ipc' is not supported, only tcp");
        for (var c : cases.entrySet()) {
            Result r = exec(tool("play", List.of(), c.getKey().toArray(String[]::new)).stream()
                    .map(a -> a.equals("play") ? "lab.ArticleKernel" : a).toList());
            assertEquals(2, r.exit(), c.getKey() + ": " + r.err());
            assertEquals(List.of(c.getValue()), r.err().lines().toList(), c.getKey().toString());
            assertEquals("", r.out());
        }
    }

    /** Where each "Listen on ADDRESS:port" of a rendered notebook was, in order. */
    private static List<String> listenedOn(Path html, int port) throws IOException {
        Matcher m = Pattern.compile("Listen on (\\S+):" + port + "\\b").matcher(Files.readString(html));
        List<String> addresses = new ArrayList<>();
        while (m.find()) addresses.add(m.group(1));
        return addresses;
    }

    /**
     * Those not there {@code before} (a kernel may sweep away one that a killed session left before the test),
     * but for a running kernel of the main test JVM's (JupyterServerTest's, beside this class, when this runs
     * in tests/run.java's second JVM): the folder's name starts with its kernel's PID.
     */
    private static Set<String> newKernelFolders(Set<String> before) {
        Set<String> now = new HashSet<>(kernelFolders());
        now.removeAll(before);
        if (Boolean.getBoolean("tests.second-jvm")) now.removeIf(KernelArticleModeTest::theMainJvmsRunningKernel);
        return now;
    }

    /**
     * Whether {@code folder}'s kernel runs, was started by the main test JVM (our parent) and not by us, and
     * was there when the folder was made: not a later process that got a PID reused. Unknown: false.
     */
    private static boolean theMainJvmsRunningKernel(String folder) {
        // SessionFiles names it "localhost-lab-kernel-PID-PIDNAMESPACE-...": a PID of another namespace is another process.
        Matcher pid = Pattern.compile("^localhost-lab-kernel-(\\d+)-(\\d+)-").matcher(folder);
        try {
            String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            java.time.Instant made = Files.getLastModifiedTime(Path.of(System.getProperty("java.io.tmpdir"), folder)).toInstant();
            return pid.find() && ours.equals("pid:[" + pid.group(2) + "]") && ProcessHandle.of(Long.parseLong(pid.group(1)))
                    // A start time is known to within a second (Linux counts it from boot, and boot time in whole seconds).
                    .filter(p -> !Lifelines.hasEnded(p) && p.info().startInstant().map(start -> !start.isAfter(made.plusSeconds(2))).orElse(false))
                    .filter(KernelArticleModeTest::startedByTheMainJvm).isPresent();
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }

    private static boolean startedByTheMainJvm(ProcessHandle process) {
        long us = ProcessHandle.current().pid(), main = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        List<Long> ancestors = Stream.iterate(process.parent(), Optional::isPresent, p -> p.get().parent()).map(p -> p.get().pid()).toList();
        return ancestors.contains(main) && !ancestors.contains(us);
    }

    /** The launchers' private folders of Unix sockets in the temp folder. */
    private static Set<String> kernelFolders() {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return Set.copyOf(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("localhost-lab-kernel-")).toList());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Where execute_notebook.py keeps each article kernel's sandbox (its runtime folder, as Jupyter's). */
    private static List<Path> sandboxFoldersOfKernels() throws IOException {
        String runtime = System.getenv("JUPYTER_RUNTIME_DIR");
        Path folder = runtime != null && !runtime.isBlank() ? Path.of(runtime) : ROOT.resolve(".lab/jupyter/runtime");
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().startsWith("lab-article-")).toList();
        }
    }

    private static Path articleState() {
        return STATE.resolve("localhost-lab-" + USER_ID).resolve("article");
    }

    /** tests/interrupt_cell.py on the article-mode kernel, with this run's sandbox state. */
    private static KernelDriver driver(int port) throws Exception {
        return new KernelDriver(Map.of("LAB_PORT", "" + port, "LAB_SANDBOX_STATE", STATE.toString()), KERNEL);
    }
}
