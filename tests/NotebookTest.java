package tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Lab;
import lab.Lifelines;
import lab.Listeners;
import lab.Notebooks;
import lab.Sandbox;
import lab.Servers.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.AnotherUser.asAnotherUser;
import static tests.AnotherUser.assumeAnotherUserMayMakeSandboxes;
import static tests.LeftBehind.listenersOnceGone;
import static tests.LeftBehind.noChildrenLeft;
import static tests.LeftBehind.noChildrenLeftBesides;
import static tests.LeftBehind.stillRunning;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.foreignListener;
import static tests.TempFiles.readableByAll;

/**
 * Every notebook, executed headless on the real IJava kernel (through nbclient)
 * and played by the JShell player; and nothing survives either, even a SIGKILL.
 */
// Alone in its JVM: checks every process of it (noChildrenLeft). It holds port 3000 too, which no
// other test uses outside a sandbox.
@Isolated
class NotebookTest extends Kit {
    static final String PYTHON = System.getenv().getOrDefault("JUPYTER_PYTHON", "python3");

    static Stream<String> notebooks() throws Exception {
        return notebooksOf(ROOT);
    }

    /** The notebooks of the kit in {@code kit} (an unpacked bundle has only the tracked ones), by name, in order. */
    static Stream<String> notebooksOf(Path kit) throws IOException {
        try (Stream<Path> files = Files.list(kit.resolve("notebooks"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d\\d-.*\\.ipynb")).sorted().toList().stream();
        }
    }

    /** dev/execute_notebook.py with these options and notebooks, on the plain kernel unless --kernel says otherwise. */
    static List<String> kernel(String... args) {
        List<String> command = new ArrayList<>(List.of(PYTHON, "dev/execute_notebook.py", "--ports", Ports.notebookBlock()));
        command.addAll(List.of(args));
        return command;
    }

    /** Whether execute_notebook.py's verdict on {@code notebook} (notebooks/NAME) in a batch's output is ok. */
    static boolean passed(String out, String notebook) {
        return out.contains("notebooks/" + notebook + ": ok\n") && !out.contains("notebooks/" + notebook + ": FAILED\n");
    }

    /** Whether a batch's exit code is explained by its output: 0, or a notebook that failed (whose own case says which). */
    static boolean failedOnlyThroughANotebook(Result batch) {
        return batch.exit() == 0 || batch.out().contains(": FAILED\n");
    }

    private List<String> player(String notebook) {
        return tool("play", notebook);
    }

    /**
     * Every notebook on the kernel in one call, several at once (each on its own kernel and free port). The
     * first test outside the fast tier starts it, and the other tests go on beside it; RUN waits for it.
     */
    private static final class OnTheKernel {
        private static Run.Started started;
        static final Once<Result> RUN = new Once<>(() -> start().finish());

        static synchronized Run.Started start() {
            if (started != null) return started;
            List<String> args = new ArrayList<>(List.of("--strict"));
            try {
                notebooks().forEach(n -> args.add("notebooks/" + n));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            // --strict: a ≠ line (this machine differs from the article) only from a cell tagged machine-dependent.
            started = Run.started(new ProcessBuilder(kernel(args.toArray(String[]::new))).directory(ROOT.toFile()));
            return started;
        }

        /** The run while it goes on: what a check of this JVM's processes leaves aside. */
        static synchronized Optional<ProcessHandle> ongoing() {
            return started == null || !started.process().isAlive() ? Optional.empty() : Optional.of(started.process().toHandle());
        }
    }

    @BeforeEach
    void startEveryNotebookOnTheKernelBesideTheOtherTests(TestInfo test) {
        if (!test.getTags().contains("fast")) OnTheKernel.start(); // the fast tier (make check) never waits for it
    }

    /** A run started by a test whose checks were left out (a subset of the tests) still ends with the class. */
    @AfterAll
    static void waitForTheRunOnTheKernel() {
        if (OnTheKernel.ongoing().isPresent()) OnTheKernel.RUN.get();
    }

    @ParameterizedTest
    @MethodSource("notebooks")
    void eachNotebookRunsOnTheKernelOnAPortOfItsOwnAndLeavesNothing(String notebook) throws Exception {
        Result r = OnTheKernel.RUN.get();
        assertTrue(passed(r.out(), notebook), r.out() + r.err());
        assertTrue(failedOnlyThroughANotebook(r), "exit " + r.exit() + ", every notebook ok:\n" + r.out() + r.err());
        noChildrenLeft();
        Matcher port = Pattern.compile("running notebooks/" + Pattern.quote(notebook) + " \\(port (\\d+)\\)").matcher(r.out());
        assertTrue(port.find(), "each notebook on a port of its own: " + r.out());
        assertEquals(List.of(), Listeners.onPort(Integer.parseInt(port.group(1))));
    }

    // Each notebook played alone in the terminal is LabTest's whole lab, checked notebook by notebook.

    /** The fast tier's notebook (make check): the first one on the kernel and in the terminal, at once, strict both ways. */
    @Test
    @Tag("fast")
    void theFirstNotebookRunsOnTheKernelAndInTheTerminal() throws Exception {
        int kernelPort = freePort(), playerPort = freePort();
        String notebook = "notebooks/01-single-server.ipynb";
        var onTheKernel = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> exec(Map.of("LAB_PORT", "" + kernelPort), kernel("--strict", notebook)));
        Result player = exec(Map.of("LAB_PORT", "" + playerPort, "LAB_STRICT", "1"), player(notebook));
        Result kernel = onTheKernel.join();
        assertEquals(0, kernel.exit(), kernel.out() + kernel.err());
        assertTrue(kernel.out().contains(notebook + ": ok"), kernel.out());
        assertTrue(kernel.out().contains("01-single-server.ipynb: ✓"), "the notebook checks at least one claim:\n" + kernel.out());
        // What Jupyter's terminal shows of the kernel: no log line at INFO (IJava's sockets), no nbformat warning.
        assertEquals(List.of(), kernel.err().lines().filter(l -> l.startsWith("INFO:") || l.contains("MissingIDFieldWarning")).toList(), kernel.err());
        assertEquals(0, player.exit(), player.out() + player.err());
        assertTrue(player.out().contains("✓"), "the notebook checks at least one claim:\n" + player.out());
        assertFalse(player.out().contains("✗"), player.out());
        noChildrenLeftBesides(OnTheKernel.ongoing());
    }

    @Test
    void aTaggedCellThatDoesNotRaiseFailsBothWays() throws Exception {
        Path broken = withCell("04-bind-failure.ipynb", cell -> cell.toString().contains("raises-exception"), "1 + 1");
        try {
            Result kernel = exec(Map.of("LAB_PORT", "" + freePort()), kernel(broken.toString()));
            assertEquals(1, kernel.exit(), kernel.out());
            assertTrue(kernel.out().contains("is tagged raises-exception but did not raise"), kernel.out());
            Result player = exec(Map.of("LAB_PORT", "" + freePort()), player(broken.toString()));
            assertEquals(1, player.exit(), player.out());
            assertTrue(player.out().contains("this cell is tagged raises-exception but did not raise"), player.out());
        } finally {
            Files.delete(broken);
        }
    }

    @Test
    void aNotEqualLineFailsAStrictRunUnlessItsCellIsTaggedMachineDependent() throws Exception {
        Path untagged = wrongLesson(false), tagged = wrongLesson(true);
        try {
            String u = untagged.toString(), t = tagged.toString();
            Result strict = exec(Map.of("LAB_PORT", "" + freePort()), kernel("--strict", u, t));
            assertEquals(1, strict.exit(), strict.out() + strict.err());
            assertTrue(strict.out().contains(u + ": cell 4 (Lab.check(false, \"\", \"wrong lesson\");) printed \"≠ wrong lesson\" "
                    + "but is not tagged machine-dependent\n" + u + ": FAILED"), strict.out() + strict.err());
            assertTrue(strict.out().contains(t + ": ok"), "tagged, the ≠ line is a lesson of its own: " + strict.out() + strict.err());

            Result article = exec(Map.of("LAB_PORT", "" + freePort()), kernel("--article", t));
            assertEquals(1, article.exit(), article.out());
            assertTrue(article.out().contains(t + ": cell 4 (Lab.check(false, \"\", \"wrong lesson\");) printed \"≠ wrong lesson\" "
                    + "in article mode, where every outcome must be the article's"), "the article rule: no ≠ at all: " + article.out());

            Result player = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_STRICT", "1"), player(u));
            assertEquals(1, player.exit(), player.out());
            assertTrue(player.out().contains("≠ wrong lesson\n✗ this cell printed \"≠ wrong lesson\" but is not tagged machine-dependent\n"), player.out());
            Result playerTagged = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_STRICT", "1"), player(t));
            assertEquals(0, playerTagged.exit(), playerTagged.out());
            assertFalse(playerTagged.out().contains("✗"), playerTagged.out());
            Result learner = exec(Map.of("LAB_PORT", "" + freePort()), player(u));
            assertEquals(0, learner.exit(), "without LAB_STRICT a learner sees the ≠ line, nothing more: " + learner.out());
            assertFalse(learner.out().contains("✗"), learner.out());
        } finally {
            Files.delete(untagged);
            Files.delete(tagged);
        }
    }

    @Test
    void eachNotebookThePlayerPlaysStartsAsOnAKernelOfItsOwn() throws Exception {
        // In Jupyter each notebook has its own kernel: a variable of an earlier notebook is not there.
        // It repeats an import of the start-up, which the next notebook still has.
        Path first = notebookOf(codeCell("import java.nio.file.*;\nint carried = 42;\nSystem.out.println(\"carried \" + carried);", List.of()));
        Path second = notebookOf(codeCell("System.out.println(\"imports kept: \" + Path.of(\"a\").resolve(\"b\"));", List.of()),
                codeCell("System.out.println(carried);", List.of()));
        try {
            Result player = exec(Map.of("LAB_PORT", "" + freePort()), tool("play", first.toString(), second.toString()));
            assertEquals(1, player.exit(), player.out());
            assertTrue(player.out().contains("carried 42\n"), player.out());
            assertTrue(player.out().contains("imports kept: a/b\n"), "the start-up's imports stay: " + player.out());
            assertTrue(player.out().contains("  ! does not compile: cannot find symbol"), player.out());
            assertTrue(player.err().contains("1 cell(s) did not run"), player.err());
        } finally {
            Files.delete(first);
            Files.delete(second);
        }
    }

    @Test
    void thePlayerCompilesAheadButPrintsInTheNotebooksOrderAndStopsACellAtItsException() throws Exception {
        // The next cells compile while a slow one runs: what each prints must still come after its own source.
        // Nor is anything after an exception declared: n keeps the value it had, as on a kernel.
        Path notebook = notebookOf(codeCell("Thread.sleep(700);\nSystem.out.println(\"the slow cell ends\");", List.of()),
                codeCell("int n = 5;", List.of()),
                codeCell("int x = 1;\nif (x == 1) throw new IllegalStateException(\"stop here\");\nint n = 10;\nSystem.out.println(\"never\");", List.of()),
                codeCell("System.out.println(\"the next cell runs, n = \" + n);\n6 * 7", List.of()));
        try {
            Result player = exec(Map.of("LAB_PORT", "" + freePort()), tool("play", notebook.toString()));
            assertEquals(1, player.exit(), player.out());
            assertTrue(player.out().contains("  │ Thread.sleep(700);\n  │ System.out.println(\"the slow cell ends\");\nthe slow cell ends\n"
                    + "  │ int n = 5;\n  │ int x = 1;\n"), player.out());
            assertTrue(player.out().contains("  │ System.out.println(\"never\");\n  ! java.lang.IllegalStateException: stop here\n"
                    + "✗ java.lang.IllegalStateException: stop here\n  │ System.out.println(\"the next cell runs, n = \" + n);\n  │ 6 * 7\n"
                    + "the next cell runs, n = 5\n42\n"), "the rest of the cell does not run, the next cell does: " + player.out());
            assertFalse(player.out().contains("never\n"), player.out());
            assertTrue(player.err().contains("1 cell(s) did not run"), player.err());
        } finally {
            Files.delete(notebook);
        }
    }

    /**
     * A learner's shell that sets JAVA_TOOL_OPTIONS (the WSL tip for an IPv4 Java server) or JDK_JAVA_OPTIONS:
     * every JVM the lab starts then says "Picked up ..." on stderr, which must not read as a tool's answer.
     */
    @Test
    void javaOptionsFromTheShellChangeNoAnswer() {
        Result r = exec(Map.of("LAB_PORT", "" + freePort(), "LAB_STRICT", "1", "JAVA_TOOL_OPTIONS", "-Dlab.from.the.shell=1",
                "JDK_JAVA_OPTIONS", "-Dlab.from.the.shell=2"), tool("play", "notebooks/06-client-ordering.ipynb"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("Picked up JAVA_TOOL_OPTIONS"), "the variable is set for the lab's JVMs: " + r.err());
        assertFalse(r.out().contains("✗") || r.out().contains("Picked up"), r.out());
    }

    /** Ctrl-C in `make lab` (SIGINT to the player): one line says where it stopped, and its servers go with it. */
    @Test
    void anInterruptedPlayerSaysWhereItStoppedAndLeavesNoServer() throws Exception {
        int port = freePort();
        Path notebook = notebookOf(codeCell("var server = Lab.pong();", List.of()),
                codeCell("System.out.println(\"waiting\");\nThread.sleep(60_000);", List.of()));
        // SIGINT as a terminal has it: a run started in the background would have it ignored, and so would the JVM.
        Run.Started player = Run.started(Map.of("LAB_PORT", "" + port), Run.concat(List.of("env", "--default-signal=INT"), tool("play", notebook.toString())));
        try {
            String out = Settled.settled(() -> MyNotebooksTest.read(player.out()), o -> o.contains("waiting\n"), Run.HUNG); // JShell's start, on a busy machine
            assertTrue(out.contains("waiting\n") && !Listeners.onPort(port).isEmpty(), out);
            exec(List.of("kill", "-INT", "" + player.process().pid()));
            Result r = player.finish();
            assertEquals(130, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("play: interrupted at " + notebook.getFileName() + " cell 3; the servers it started stop with it"), r.err());
            assertEquals(List.of(), listenersOnceGone(port));
        } finally {
            player.stop();
            Files.delete(notebook);
        }
    }

    /** `make lab | head`: once nobody reads its output, the player stops at its next cell, with its servers, not minutes later. */
    @Test
    void thePlayerStopsWhenItsOutputIsClosed() throws Exception {
        int port = freePort();
        Path err = Files.createTempFile(TempFiles.temporaryFolder("lab-play"), "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(tool("play", "notebooks/01-single-server.ipynb", "notebooks/02-second-server.ipynb"))
                .directory(ROOT.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LAB_PORT", "" + port);
        Process player = builder.start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(player.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) out.readLine(); // as head -n 3 reads, then goes
            out.close();
            assertTrue(player.waitFor(Run.HUNG.toSeconds(), TimeUnit.SECONDS), "the player still plays to a closed pipe");
            assertEquals(1, player.exitValue());
            assertTrue(Files.readString(err).contains("play: its output was closed (a pipe that ended?), so it stops here"), Files.readString(err));
            assertEquals(List.of(), listenersOnceGone(port));
        } finally {
            Lifelines.killTree(player, WAIT);
        }
    }

    /** A notebook in notebooks/ (test-*.ipynb, git-ignored; delete it after): notebook 01's title and start-up, then {@code cells}. */
    private static Path notebookOf(JsonObject... cells) throws Exception {
        JsonObject root = JsonParser.parseString(Files.readString(ROOT.resolve("notebooks/01-single-server.ipynb"))).getAsJsonObject();
        JsonArray all = new JsonArray();
        all.add(root.getAsJsonArray("cells").get(0));
        all.add(root.getAsJsonArray("cells").get(1));
        for (JsonObject cell : cells) all.add(cell);
        root.add("cells", all);
        return written(root);
    }

    /**
     * A notebook in notebooks/ (test-*.ipynb, git-ignored; delete it after) that teaches a wrong lesson:
     * notebook 01's title and start-up, a ✓ claim, an untouched exercise and an empty prediction (both
     * fine), then as cell 4 a check that turns to ≠, {@code tagged} machine-dependent or not.
     */
    static Path wrongLesson(boolean tagged) throws Exception {
        return notebookOf(codeCell("Lab.check(true, \"a claim that holds\", \"never printed\");", List.of()),
                codeCell("System.out.println(\"☐ an untouched exercise\");\nSystem.out.println(\"→ it is 1 (no prediction written)\");", List.of()),
                codeCell("Lab.check(false, \"\", \"wrong lesson\");", tagged ? List.of("machine-dependent") : List.of()));
    }

    /** {@code root} as a notebook in notebooks/ (test-*.ipynb, git-ignored), where it finds the kit as the lab's do. */
    private static Path written(JsonObject root) throws Exception {
        Path copy = Files.createTempFile(ROOT.resolve("notebooks"), "test-", ".ipynb");
        copy.toFile().deleteOnExit(); // besides the callers' finally: a JVM that exits mid-test runs no finally block
        Files.writeString(copy, root.toString());
        return copy;
    }

    private static JsonObject codeCell(String source, List<String> tags) {
        JsonObject cell = new JsonObject(), metadata = new JsonObject();
        JsonArray tagArray = new JsonArray();
        tags.forEach(tagArray::add);
        if (!tags.isEmpty()) metadata.add("tags", tagArray);
        cell.addProperty("cell_type", "code");
        cell.addProperty("id", java.util.UUID.randomUUID().toString().substring(0, 8)); // nbformat 4.5 wants one per cell
        cell.add("execution_count", com.google.gson.JsonNull.INSTANCE);
        cell.add("metadata", metadata);
        cell.add("outputs", new JsonArray());
        cell.addProperty("source", source);
        return cell;
    }

    @Test
    void anotherJavaKernelFailsWithOneLine() throws Exception {
        // The first cell, run without the kit on the classpath: plain jshell, as another Java kernel would.
        String first = cells("01-single-server.ipynb").get(1).getAsJsonObject().get("source").getAsString();
        Path script = Files.createTempFile("first-cell", ".jsh");
        Files.writeString(script, first + "\n/exit\n");
        try {
            Result r = exec(List.of(Path.of(System.getProperty("java.home"), "bin", "jshell").toString(), script.toString()));
            assertTrue(r.out().concat(r.err()).contains("Not the localhost-lab kernel: run `make notebook`"), r.out() + r.err());
        } finally {
            Files.delete(script);
        }
    }

    @Test
    void stepSevenWithoutNamespaceRightsSaysWhyOnceAndStillRuns() {
        assumeTrue(Sandbox.unavailable().isEmpty(), "needs root's namespace rights, to take them away");
        List<String> command = new ArrayList<>(List.of("unshare", "-U", "--"));
        command.addAll(player("notebooks/07-hosts-reordering.ipynb"));
        Result r = exec(Map.of("LAB_PORT", "" + freePort()), command);
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> skipped = r.lines().stream().filter(l -> l.startsWith("≠ skipped: no sandbox on this machine")).toList();
        assertTrue(skipped.size() > 1 && skipped.get(0).contains("(this user may not create namespaces")
                && skipped.stream().skip(1).noneMatch(l -> l.contains("(")), "the reason once, then short lines: " + skipped);
        assertTrue(r.out().contains("✓ with Java reading the file itself, reordering its lines changed the first bind"), r.out());
        assertFalse(r.out().contains("✗"), r.out());
    }

    @Test
    void stepSevenAsAUserWithoutRootRunsTheLibcCellsInAUserNamespace() throws Exception {
        assumeAnotherUserMayMakeSandboxes();
        // What the player reads, where that user can read it (the checkout may sit in root's private home).
        Path copy = readableByAll(ROOT.resolve("notebooks/07-hosts-reordering.ipynb"), ROOT.resolve(Notebooks.STARTUP));
        List<String> command = new ArrayList<>(List.of("env", "LAB_PORT=" + freePort()));
        command.addAll(asAnotherUser(copy, player("notebooks/07-hosts-reordering.ipynb")));
        Result r = exec(command);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("✓ this machine can make sandboxes (in a user namespace of this user's own, no root rights needed)"), r.out());
        assertTrue(r.out().contains("✓ glibc dropped the fe80::1%lo line"), r.out());
        assertFalse(r.out().contains("≠ skipped"), r.out());
        assertFalse(r.out().contains("✗"), r.out());
    }

    @Test
    void sigkillOfThePlayerLeavesNoListener() throws Exception {
        killedMidNotebook(this::player, false);
    }

    @Test
    void sigkillOfWhatStartedThePlayerStopsItAndLeavesNoListener() throws Exception {
        assumeTrue(!Lifelines.hangupIgnored(), "skipped: this run ignores SIGHUP (nohup), and so would the player, on purpose");
        killedMidNotebook(this::player, true); // a SIGKILLed `make lab`, say: the player follows it
    }

    @Test
    void sigkillOfTheKernelLeavesNoListener() throws Exception {
        killedMidNotebook(NotebookTest::kernel, false);
    }

    /** SIGKILLs the kernel or player ({@code runner}: its command for a notebook) mid-notebook, or {@code itsParent}. */
    private void killedMidNotebook(java.util.function.Function<String, List<String>> runner, boolean itsParent) throws Exception {
        int port = freePort();
        Path slow = withCell("01-single-server.ipynb", cell -> cell.toString().contains("Lab.stopAll()"), "Thread.sleep(120_000);");
        List<String> command = new ArrayList<>(itsParent ? List.of("sh", "-c", "\"$@\" & wait", "sh") : List.of());
        // A SIGKILLed execute_notebook.py leaves its kernel's connection file: in the run's temp folder, not the kit.
        command.addAll(List.of("env", "LAB_PORT=" + port, "JUPYTER_RUNTIME_DIR=" + TempFiles.temporaryFolder("lab-runtime")));
        command.addAll(runner.apply(slow.toString()));
        Process run = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle owner = null;
        try {
            List<Listeners.Listener> up = List.of();
            for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); up.isEmpty() && System.nanoTime() < end; ) {
                Thread.sleep(200);
                up = Listeners.onPort(port);
            }
            assertEquals(1, up.size(), "one server up mid-notebook");
            long server = up.get(0).pid(); // its parent, the kernel or player, is to be SIGKILLed: only if it is ours
            owner = Stream.concat(Stream.of(run.toHandle()), run.descendants()) // env execs the player: it is run itself
                    .filter(p -> p.children().anyMatch(c -> c.pid() == server)).findFirst().orElse(null);
            assertTrue(owner != null && owner.info().command().orElse("").contains("java"),
                    "the server on port " + port + " was started by this test's kernel or player JVM: " + up.get(0));
            if (itsParent) {
                run.destroyForcibly(); // the shell that started it
                assertEquals(List.of(), stillRunning(List.of(owner)), "the player went with what started it");
            } else {
                owner.destroyForcibly(); // SIGKILL: no shutdown hook runs
            }
            assertEquals(List.of(), listenersOnceGone(port), "no listener after SIGKILL");
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (owner != null) owner.destroyForcibly(); // by PID; gone already unless the test failed
            Files.delete(slow);
        }
    }

    @Test
    void aProgramHoldingPort3000MovesTheSessionToAFreePortAndSaysWho() throws Exception {
        Server other = Listeners.onPort(Lab.ARTICLE_PORT).isEmpty() ? foreignListener(Lab.ARTICLE_PORT) : null;
        List<String> command = new ArrayList<>(List.of("env", "-u", "LAB_PORT"));
        command.addAll(player("notebooks/01-single-server.ipynb"));
        Result r = exec(command);
        assertEquals(0, r.exit(), r.out() + r.err());
        Matcher moved = Pattern.compile("Port 3000 is held by \\[(.*)\\]; this session uses port (\\d+) instead").matcher(r.out());
        assertTrue(moved.find(), r.out());
        if (other != null) assertTrue(moved.group(1).equals("python3 (pid " + other.pid() + ")"), moved.group());
        int port = Integer.parseInt(moved.group(2));
        assertTrue(Pattern.compile("Listen on \\S+:" + port + "\n").matcher(r.out()).find(), "the session's servers use port " + port + ": " + r.out());
        assertFalse(r.out().contains("✗"), r.out());
        assertEquals(List.of(), Listeners.onPort(port));
    }

    @Test
    void aLabPortAnotherProgramHoldsIsKeptAndItsHolderNamed() throws Exception {
        int port = freePort();
        Server other = foreignListener(port); // a learner's forgotten server, or macOS's AirPlay on 5000
        Path notebook = notebookOf(codeCell("Lab.port();", List.of()));
        try {
            Result r = exec(Map.of("LAB_PORT", "" + port), player(notebook.toString()));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("Port " + port + " (from LAB_PORT).\nIt is held already by [python3 (pid " + other.pid()
                    + ")]: a server below may not start there"), r.out());
        } finally {
            Files.delete(notebook);
        }
    }

    @Test
    void interruptingACellStopsWhatItWaitsOnAndKeepsTheKernelAndItsServers() throws Exception {
        assumeNamespaces();
        int port = freePort();
        try (KernelDriver driver = new KernelDriver(Map.of("LAB_PORT", "" + port), null)) {
            ProcessHandle waitedOn = driver.waitedOn();
            assertEquals(1, Listeners.onPort(port).size(), "the first cell's server");

            driver.goOn(); // interrupt
            assertEquals("error EvaluationInterruptedException", driver.next());
            assertEquals("next " + port, driver.next(), "the kernel runs the next cell");
            assertEquals(List.of(), stillRunning(List.of(waitedOn)), "the command the interrupted cell waited on is stopped");
            assertEquals(1, Listeners.onPort(port).size(), "an interrupt stops the waiting, not the servers");

            driver.goOn(); // shut down
            assertEquals("shut down", driver.next());
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the kernel exits when Jupyter shuts it down");
            assertEquals(List.of(), listenersOnceGone(port), "the kernel's exit stops its servers");
        }
    }

    /**
     * Ctrl-C (SIGINT) or a SIGTERM on the notebooks' runner (make html, make test's notebooks), two notebooks at
     * once, each mid-cell: one line, exit 128 + the signal, no traceback, each kernel shut down by the runner before
     * it exits, and no server left. nbclient put handlers of its own on the loop per notebook, which undid each
     * other's: the runner stopped one kernel and waited on the other's cell.
     */
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void ctrlCOrSigtermOnTheNotebooksRunnerStopsEveryKernelWithOneLine(String signal) throws Exception {
        Path marks = TempFiles.temporaryFolder("lab-ctrl-c");
        List<Path> slow = new ArrayList<>();
        Run.Started run = null;
        try {
            for (int i = 0; i < 2; i++) { // the stopAll cell, first saying that the kernel has come this far
                slow.add(withCell("01-single-server.ipynb", cell -> cell.toString().contains("Lab.stopAll()"),
                        "Files.writeString(Path.of(\"" + marks.resolve("up-" + i) + "\"), \"up\"); Thread.sleep(120_000);"));
            }
            run = Run.started(new ProcessBuilder(kernel("--jobs", "2", slow.get(0).toString(), slow.get(1).toString())).directory(ROOT.toFile()));
            Run.Started runner = run; // a runner that has ended will not get there: say why at once, not after 90 s
            boolean up = Settled.settled(() -> Files.exists(marks.resolve("up-0")) && Files.exists(marks.resolve("up-1")),
                    both -> both || !runner.process().isAlive(), Duration.ofSeconds(90));
            if (!up && !run.process().isAlive()) {
                Result ended = run.finish();
                run = null;
                fail("the runner ended before both kernels reached their slow cell: " + ended.out() + ended.err());
            }
            assertTrue(up, "both kernels at their slow cell");
            List<ProcessHandle> kernels = run.process().children().toList();
            List<ProcessHandle> started = run.process().descendants().toList(); // the kernels and their servers
            assertEquals(2, kernels.size(), "two kernels: " + kernels);
            // To the runner alone: a terminal's Ctrl-C reaches make and the runner, not the kernels (each in a session of its own).
            assertEquals(0, exec(List.of("kill", "-" + signal, "" + run.process().pid())).exit());
            assertTrue(run.process().waitFor(60, TimeUnit.SECONDS), "the runner ends within a minute of SIG" + signal);
            assertEquals(List.of(), kernels.stream().filter(ProcessHandle::isAlive).toList(), "the runner shut each kernel down before it ended");
            Result r = run.finish();
            run = null;
            assertEquals(signal.equals("INT") ? 130 : 143, r.exit(), r.out() + r.err());
            String said = (signal.equals("INT") ? "interrupted" : "terminated") + ": stopping every notebook's kernel";
            assertEquals(1, r.err().lines().filter(said::equals).count(), r.err());
            assertFalse(r.err().contains("Traceback"), r.err());
            assertFalse(r.out().contains("FAILED") || r.out().contains("kernel failed"), r.out());
            assertEquals(List.of(), stillRunning(started), "no kernel and no server left");
        } finally {
            if (run != null) {
                Lifelines.killTree(run.process(), Duration.ofSeconds(10));
                run.finish();
            }
            for (Path copy : slow) Files.deleteIfExists(copy);
        }
    }

    @Test
    void sigkillOfJupyterStopsTheKernelAndEverythingItStarted() throws Exception {
        assumeNamespaces();
        int port = freePort();
        try (KernelDriver driver = new KernelDriver(Map.of("LAB_PORT", "" + port), null)) {
            ProcessHandle waitedOn = driver.waitedOn();
            assertEquals(1, Listeners.onPort(port).size(), "the first cell's server");
            List<ProcessHandle> started = driver.kernel.descendants().toList();

            driver.process.destroyForcibly(); // Jupyter is SIGKILLed: it cannot shut its kernel down
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the kernel follows Jupyter");
            assertEquals(List.of(), stillRunning(started), "and everything it started");
            assertEquals(List.of(), stillRunning(List.of(waitedOn)));
            assertEquals(List.of(), listenersOnceGone(port));
        }
    }

    /** A kernel that has run no cell yet: IJava runs lab.jsh only at the first cell, so KernelMain ties it to Jupyter. */
    @Test
    void sigkillOfJupyterBeforeAnyCellStopsTheKernel() throws Exception {
        try (KernelDriver driver = new KernelDriver(Map.of("LAB_PORT", "" + freePort(), "LAB_DRIVER_WAIT_FIRST", "1"), null)) {
            List<ProcessHandle> started = driver.kernel.descendants().toList();
            driver.process.destroyForcibly(); // Jupyter is SIGKILLed before the learner ran anything
            assertEquals(List.of(), stillRunning(List.of(driver.kernel)), "the kernel follows Jupyter");
            assertEquals(List.of(), stillRunning(started));
        }
    }

    private static JsonArray cells(String notebook) throws Exception {
        return JsonParser.parseString(Files.readString(ROOT.resolve("notebooks").resolve(notebook))).getAsJsonObject().getAsJsonArray("cells");
    }

    /** A copy of a notebook, in notebooks/, with the first cell that matches replaced by {@code source}. */
    private static Path withCell(String notebook, java.util.function.Predicate<JsonObject> which, String source) throws Exception {
        JsonObject root = JsonParser.parseString(Files.readString(ROOT.resolve("notebooks").resolve(notebook))).getAsJsonObject();
        for (var cell : root.getAsJsonArray("cells")) {
            if (which.test(cell.getAsJsonObject())) {
                cell.getAsJsonObject().addProperty("source", source);
                break;
            }
        }
        return written(root);
    }
}
