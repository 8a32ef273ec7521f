package tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Exercise;
import lab.Lifelines;
import lab.Notebooks;
import lab.Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.LeftBehind.noChildrenLeft;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.temporaryFolder;

/**
 * The exercises, as a learner meets them: every untouched starter fails its
 * check, every solution in notebooks/solutions passes it, the terminal front
 * lists, verifies and hints, and progress stays in the learner's folder.
 */
// Alone: checks every process of this JVM (noChildrenLeft).
@Isolated
class ExercisesTest extends Kit {
    static final Path NOTEBOOKS = ROOT.resolve("notebooks");
    /** As Jupyter writes notebooks: an unrun cell keeps its "execution_count": null. */
    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private static List<Exercise.Info> all() {
        return Exercise.all(NOTEBOOKS);
    }

    @Test
    void everyNotebookHasAtLeastTwoExercisesEachWithTwoHintsAndOneSolution() throws Exception {
        Map<String, Long> perNotebook = new LinkedHashMap<>();
        for (Path notebook : Notebooks.inOrder(NOTEBOOKS)) perNotebook.put(notebook.getFileName().toString(), 0L);
        all().forEach(e -> perNotebook.merge(e.notebook().getFileName().toString(), 1L, Long::sum));
        List<String> problems = new ArrayList<>();
        perNotebook.forEach((n, count) -> { if (count < 2) problems.add(n + " has " + count + " exercise(s)"); });
        for (Exercise.Info e : all()) {
            if (e.hints().size() < 2) problems.add(e.id() + " has " + e.hints().size() + " hint(s)");
            if (!Files.isRegularFile(NOTEBOOKS.resolve("solutions/" + e.id() + ".jsh"))) problems.add(e.id() + " has no solution file");
            if (!e.id().startsWith(e.notebook().getFileName().toString().substring(0, 3))) problems.add(e.id() + " is not named after its notebook");
        }
        assertEquals(all().size(), all().stream().map(Exercise.Info::id).distinct().count(), "ids are unique");
        try (var solutions = Files.list(NOTEBOOKS.resolve("solutions"))) {
            List<String> ids = all().stream().map(Exercise.Info::id).toList();
            solutions.map(f -> f.getFileName().toString().replace(".jsh", "")).filter(s -> !ids.contains(s))
                    .forEach(s -> problems.add("solutions/" + s + ".jsh belongs to no exercise"));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void onAFreshCloneEveryExerciseIsTodo() {
        Path mine = temporaryFolder("my-notebooks");
        Result r = exercises("list", "--notebooks", mine.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> ids = all().stream().map(Exercise.Info::id).toList();
        List<String> rows = r.lines().stream().filter(l -> ids.contains(l.split("\\s+")[0])).toList();
        assertEquals(ids.size(), rows.size(), r.out());
        for (String row : rows) assertEquals("todo", row.split("\\s+")[1], row);
    }

    /**
     * `exercises verify` on untouched copies and on solved ones, run once and side by side (a folder
     * and a free port each), whichever test asks first; with `git status` of the kit's notebooks before.
     */
    private record Verified(Result starters, Path solved, Result solutions, String trackedBefore) {}
    private static final Once<Verified> VERIFIED = new Once<>(ExercisesTest::verifyBoth);

    private static Verified verifyBoth() {
        try {
            Path untouched = temporaryFolder("my-notebooks"), solved = temporaryFolder("my-notebooks");
            String tracked = exec(List.of("git", "status", "--porcelain", "--", "notebooks")).out();
            for (Path notebook : Notebooks.inOrder(NOTEBOOKS)) Files.writeString(solved.resolve(notebook.getFileName()), solved(notebook));
            int startersPort = Ports.unusedPort(), solutionsPort = Ports.unusedPort();
            Run.Started starters = Run.started(Map.of("LAB_PORT", "" + startersPort), tool("exercises", "verify", "--notebooks", untouched.toString()));
            Result solutions = exercises(solutionsPort, "verify", "--notebooks", solved.toString());
            Verified verified = new Verified(starters.finish(), solved, solutions, tracked);
            for (int port : List.of(startersPort, solutionsPort)) {
                assertEquals(List.of(), LeftBehind.listenersOnceGone(port), "listeners left on port " + port);
            }
            return verified;
        } catch (Exception e) {
            throw new AssertionError("exercises verify", e);
        }
    }

    @Test
    void untouchedStartersFailTheirChecksAndNothingIsDone() throws Exception {
        Result r = VERIFIED.get().starters();
        assertEquals(1, r.exit(), r.out() + r.err());
        for (Exercise.Info e : all()) {
            assertTrue(r.out().contains("☐ " + e.id() + ", not yet: "), "the starter of " + e.id() + " fails its check:\n" + r.out());
            assertFalse(r.out().contains("✓ " + e.id() + ": done"), r.out());
            // In the terminal, the hint is a command to type there, not the call a notebook cell would make.
            assertTrue(r.out().contains("\n  Stuck? " + lab.Tools.jbang() + " exercises@catalog hint " + e.id() + "\n"), r.out());
        }
        assertFalse(r.out().contains("Exercise.hint("), r.out());
        assertTrue(r.err().contains("exercises: " + all().size() + " of " + all().size() + " exercise(s) not done yet"), r.err());
        assertFalse(r.out().contains("✗"), "the cells around the exercises run:\n" + r.out());
        noChildrenLeft();
    }

    @Test
    void everySolutionPassesItsCheckAndIsThenDone() throws Exception {
        Verified verified = VERIFIED.get();
        Path mine = verified.solved();
        Result r = verified.solutions();
        assertEquals(0, r.exit(), r.out() + r.err());
        for (Exercise.Info e : all()) assertTrue(r.out().contains("✓ " + e.id() + ": done"), e.id() + ":\n" + r.out());
        assertFalse(r.out().contains("☐") || r.out().contains("✗"), r.out());

        Result listed = exercises("list", "--notebooks", mine.toString());
        for (Exercise.Info e : all()) assertTrue(listed.out().lines().anyMatch(l -> l.matches(e.id() + "\\s+done\\s.*")), listed.out());
        assertTrue(Files.isRegularFile(mine.resolve(".progress")), "progress is kept with the learner's copies");
        Result status = exec(List.of("git", "status", "--porcelain", "--", "notebooks"));
        assertEquals(verified.trackedBefore(), status.out(), "the kit's tracked notebooks are untouched");
        noChildrenLeft();
    }

    @Test
    void inJupyterTheSameChecksKeepTheSameProgressAndGiveHints() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        JsonObject solved = JsonParser.parseString(solved(first.notebook())).getAsJsonObject();
        JsonObject ask = codeCell("Exercise.hint(\"" + first.id() + "\");");
        solved.getAsJsonArray("cells").add(ask);
        Path copy = mine.resolve(first.notebook().getFileName());
        Files.writeString(copy, JSON.toJson(solved));
        Map<String, String> env = Map.of("LAB_PORT", "" + freePort(), Exercise.PROGRESS, mine.resolve(".progress").toString());
        Path html = temporaryFolder("html");
        Result r = exec(env, NotebookTest.kernel("--html", html.toString(), copy.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("✓ " + first.id() + ": done"), r.out());
        Result listed = exercises("list", "--notebooks", mine.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.matches(first.id() + "\\s+done\\s.*")), listed.out());
        // The kernel runs in the notebook's folder, and still finds the hints (LAB_HOME in its spec).
        String page = Files.readString(html.resolve(copy.getFileName().toString().replace(".ipynb", ".html")));
        assertTrue(page.contains("Hint 1 of " + first.hints().size() + " for " + first.id()), "the hint cell's output");
        noChildrenLeft();
    }

    @Test
    void makeLabInAJupyterTerminalLeavesTheLearnersProgressAlone() throws Exception {
        // make notebook names the progress file for Jupyter, whose terminals pass it on; there, `make lab`
        // plays the kit's unsolved originals, whose failing checks would mark the learner's exercises todo.
        Path progress = temporaryFolder("my-notebooks").resolve(".progress");
        Path notebook = all().get(0).notebook();
        List<String> ids = all().stream().filter(e -> e.notebook().equals(notebook)).map(Exercise.Info::id).toList();
        String done = "# localhost-lab: the exercises you have done\n" + String.join("", ids.stream().map(id -> id + " done\n").toList());
        Files.writeString(progress, done);
        Map<String, String> env = Map.of("LAB_PORT", "" + freePort(), Exercise.PROGRESS, progress.toString());
        Result lab = exec(env, List.of("make", "-s", "lab", "NOTEBOOKS=" + ROOT.relativize(notebook)));
        assertEquals(0, lab.exit(), lab.out() + lab.err());
        for (String id : ids) assertTrue(lab.out().contains("☐ " + id), "the starter's check ran, and failed: " + id + "\n" + lab.out());
        assertEquals(done, Files.readString(progress), "the learner's progress, after make lab");
        noChildrenLeft();
    }

    @Test
    void twoKernelsCheckingAtOnceLoseNoMark() throws Exception {
        // Two notebooks open, each running its checks: each rewrites the progress file, and must keep the other's lines.
        Path mine = temporaryFolder("my-notebooks"), go = mine.resolve("go");
        Map<String, String> env = Map.of(Exercise.PROGRESS, mine.resolve(".progress").toString());
        List<Run.Started> kernels = new ArrayList<>();
        for (String who : List.of("left", "right")) {
            kernels.add(Run.started(env, Servers.javaCommand(System.getProperty("java.class.path"), List.of(), "tests.RecordProgress",
                    List.of(go.toString(), who, "150"))));
        }
        try {
            for (Run.Started k : kernels) {
                assertEquals("ready\n", Settled.settled(() -> read(k.out()), "ready\n"::equals, WAIT), "a checker started: " + k.command());
            }
            Files.createFile(go); // both at once
            for (Run.Started k : kernels) assertEquals(0, k.finish().exit());
        } finally {
            for (Run.Started k : kernels) k.stop();
        }
        Result listed = exercises("list", "--notebooks", mine.toString());
        List<String> marks = Files.readAllLines(mine.resolve(".progress")).stream().filter(l -> l.endsWith(" done")).toList();
        assertEquals(300, marks.size(), "marks kept of 2 × 150: " + marks.size() + "\n" + listed.out());
        noChildrenLeft();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void aBrokenSolutionIsTodoAgainAndAnotherExerciseStaysDone() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0), second = all().get(1);
        Path notebook = mine.resolve(first.notebook().getFileName());
        Files.writeString(notebook, solved(first.notebook()));
        assertEquals(0, exercises("verify", first.id(), second.id(), "--notebooks", mine.toString()).exit());
        Files.writeString(notebook, Files.readString(first.notebook())); // the starter again: as make reset would
        Result r = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertEquals(1, r.exit(), r.out());
        Result listed = exercises("list", "--notebooks", mine.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.matches(first.id() + "\\s+todo\\s.*")), listed.out());
        if (second.notebook().equals(first.notebook())) {
            assertTrue(listed.out().lines().anyMatch(l -> l.matches(second.id() + "\\s+done\\s.*")), listed.out());
        }
        noChildrenLeft();
    }

    @Test
    void aCellThatFailsBeforeTheCheckIsShownWithWhatItPrintedAndTheCheckStillRuns() throws Exception {
        // verify compiles ahead while cells run: the failed cell's hidden output must still come before its ✗ line.
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        Files.writeString(mine.resolve(first.notebook().getFileName()), afterTheStartUp(solved(first.notebook()),
                "System.out.println(\"said before it failed\");\nif (port > 0) throw new IllegalStateException(\"broken on purpose\");"));
        Result r = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertTrue(r.out().contains("said before it failed\n  ! java.lang.IllegalStateException: broken on purpose\n✗ cell 2 of " + first.notebook().getFileName()
                + " failed: java.lang.IllegalStateException: broken on purpose\n"), r.out());
        assertEquals(0, r.exit(), "the solution still passes its check: " + r.out());
        noChildrenLeft();
    }

    /** As the player: verify, and the servers its cells started, go with the shell that ran it, even when that is SIGKILLed. */
    @Test
    void verifyGoesWithItsShellEvenOnSigkill() throws Exception {
        assumeTrue(!Lifelines.hangupIgnored(), "skipped: this run ignores SIGHUP (nohup), and so would verify, on purpose");
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        Files.writeString(mine.resolve(first.notebook().getFileName()), afterTheStartUp(Files.readString(first.notebook()),
                "Lab.pong(); Thread.sleep(120_000); // a cell that takes its time"));
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; wait", "sh", "env", "LAB_PORT=" + freePort()));
        command.addAll(tool("exercises", "verify", first.id(), "--notebooks", mine.toString()));
        Process shell = new ProcessBuilder(command).directory(ROOT.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<ProcessHandle> started = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            ProcessHandle verify = ProcessHandle.of(Long.parseLong(out.readLine().strip())).orElseThrow();
            started.add(verify);
            assertTrue(Settled.settled(() -> verify.descendants().findAny().isPresent(), b -> b), "its cell started a server");
            started.addAll(verify.descendants().toList());
            shell.destroyForcibly().waitFor(); // SIGKILL, as a closed terminal: no signal reaches verify
            assertEquals(List.of(), LeftBehind.stillRunning(started), "verify and its server went with the shell");
        } finally {
            shell.destroyForcibly().waitFor();
            started.forEach(ProcessHandle::destroyForcibly); // by PID, only if the test failed
        }
        noChildrenLeft();
    }

    @Test
    void verifyMakesAMissingCopyAndNeverOverwritesOne() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        Result made = exercises("verify", first.id(), "--notebooks", mine.toString());
        Path copy = mine.resolve(first.notebook().getFileName());
        assertTrue(made.out().contains("Made your copy " + copy), made.out());
        Files.writeString(copy, solved(first.notebook()));
        Result again = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertFalse(again.out().contains("Made your copy"), again.out());
        assertEquals(solved(first.notebook()), Files.readString(copy));

        // Progress that cannot be saved (.progress is a folder here) is said, and leaves no file of ours.
        Files.delete(mine.resolve(".progress"));
        Files.createDirectories(mine.resolve(".progress/keep"));
        Result unsaved = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertTrue(unsaved.out().contains("(progress not saved: "), unsaved.out());
        try (var inside = Files.list(mine)) {
            assertEquals(List.of(), inside.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(), "no temp file left");
        }
        // A file where the folder of copies should be, or above it: one line, nothing made.
        Path aFile = Files.writeString(mine.resolve("a-file"), "x");
        for (Path folder : List.of(aFile, aFile.resolve("sub"))) {
            for (String[] args : List.of(new String[] {"verify", first.id()}, new String[] {"list"})) {
                List<String> command = new ArrayList<>(List.of(args));
                command.addAll(List.of("--notebooks", folder.toString()));
                Run.oneLine(exercises(command.toArray(String[]::new)), 2,
                        aFile + " is a file, not a folder for your copies (--notebooks DIR)");
            }
        }
    }

    /**
     * A terminal in Jupyter starts in my-notebooks/: from there, verify checks the kit's copies (it once made
     * my-notebooks/my-notebooks/ from the starter, and said "not yet" whatever the learner had written).
     */
    @Test
    void fromInsideMyNotebooksVerifyChecksTheLearnersOwnCopy() throws Exception {
        Path kit = temporaryFolder("lab-kit"), mine = Files.createDirectories(kit.resolve("my-notebooks"));
        Files.copy(ROOT.resolve("jbang-catalog.json"), kit.resolve("jbang-catalog.json")); // what marks the kit's folder
        for (String file : List.of("notebooks", "scripts", "jbang")) Files.createSymbolicLink(kit.resolve(file), ROOT.resolve(file));
        Exercise.Info first = all().get(0);
        Files.writeString(mine.resolve(first.notebook().getFileName()), solved(first.notebook()));
        List<String> command = new ArrayList<>(List.of("env", "-u", "MY_NOTEBOOKS", "-u", "LAB_HOME", "LAB_PORT=" + freePort()));
        command.addAll(tool("exercises", "verify", first.id()));
        Result r = exec(command, mine);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("✓ " + first.id() + ": done"), r.out());
        assertFalse(r.out().contains("Made your copy") || r.out().contains("✗"), "every cell before the check ran:\n" + r.out());
        // And the commands it prints work from there: the kit's launcher, one folder up.
        Result hint = exec(Run.concat(List.of("env", "-u", "LAB_HOME"), tool("exercises", "hint", first.id())), mine);
        assertTrue(hint.out().contains("Still stuck? ../jbang exercises@catalog hint " + first.id() + " 2"), hint.out());
        Result list = exec(Run.concat(List.of("env", "-u", "LAB_HOME", "-u", "MY_NOTEBOOKS"), tool("exercises", "list")), mine);
        assertTrue(list.out().contains("Write yours in ./ (make -C .. notebook), then: ../jbang exercises@catalog verify ID"), list.out());
        try (var inside = Files.list(mine)) {
            assertEquals(java.util.Set.of(mine.resolve(first.notebook().getFileName()), mine.resolve(".progress"), mine.resolve(".progress.lock")),
                    inside.collect(java.util.stream.Collectors.toSet()), "nothing else in my-notebooks/ (the progress, and the lock kernels share it by)");
        }
        noChildrenLeft();
    }

    /**
     * On a Mac there is no /proc, so 05-pid-from-proc's check cell says so instead of checking: verify passes
     * over it, and list shows it n/a, not todo forever. Here its Mac branch alone, as a Mac runs it.
     */
    @Test
    void anExerciseThisSystemCannotCheckIsNeverCountedAsNotDone() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info proc = Exercise.find(all(), "05-pid-from-proc");
        JsonObject root = JsonParser.parseString(Files.readString(proc.notebook())).getAsJsonObject();
        int replaced = 0;
        for (JsonElement cell : root.getAsJsonArray("cells")) {
            String source = cell.getAsJsonObject().get("source").getAsString();
            if (!source.contains("Exercise.notHere(\"" + proc.id() + "\"")) continue;
            cell.getAsJsonObject().addProperty("source", "Exercise.notHere(\"" + proc.id() + "\", \"no /proc here (macOS, Windows): "
                    + "it needs Linux, or WSL on Windows\"); // the branch a Mac takes");
            replaced++;
        }
        assertEquals(1, replaced, "the check cell has a branch for a system without /proc");
        Files.writeString(mine.resolve(proc.notebook().getFileName()), JSON.toJson(root));
        Result r = exercises("verify", proc.id(), "--notebooks", mine.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("– " + proc.id() + ": not on this system: no /proc here (macOS, Windows)"), r.out());
        assertTrue(r.out().endsWith("Nothing to do on this system.\n"), r.out());
        Result listed = exercises("list", "--notebooks", mine.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.matches(proc.id() + "\\s+n/a\\s.*")), listed.out());
        assertTrue(listed.out().contains("0 of " + (all().size() - 1) + " done (1 n/a on this system)."), listed.out());

        Files.writeString(mine.resolve(proc.notebook().getFileName()), solved(proc.notebook())); // on Linux, solved
        assertEquals(0, exercises("verify", proc.id(), "--notebooks", mine.toString()).exit());
        Result again = exercises("list", "--notebooks", mine.toString());
        assertTrue(again.out().lines().anyMatch(l -> l.matches(proc.id() + "\\s+done\\s.*")), again.out());
        assertTrue(again.out().contains("1 of " + all().size() + " done."), "verify ID checks that one alone: " + again.out());
        noChildrenLeft();
    }

    /** JShell runs the cells in verify's own JVM: an answer that calls System.exit still gets a line, not silence. */
    @Test
    void anAnswerThatEndsTheProgramIsSaidSo() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        String solution = Files.readString(NOTEBOOKS.resolve("solutions/" + first.id() + ".jsh"));
        int body = solution.indexOf("{\n") + 2; // the method's first line: it ends the program instead
        Files.writeString(mine.resolve(first.id() + ".jsh"), solution.substring(0, body) + "    System.exit(0);\n" + solution.substring(body));
        Result r = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertTrue(r.out().contains("☐ " + first.id() + ": the program ended before the check ran"), r.out() + r.err());
        assertFalse(r.out().contains("✓ " + first.id()), r.out());
    }

    /** Rustlings' way, for a learner without Jupyter: the starter in a file of its own, answered in any editor. */
    @Test
    void withoutJupyterAnAnswerFileIsVerifiedInTheStarterCellsPlace() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Exercise.Info first = all().get(0);
        Path answer = mine.resolve(first.id() + ".jsh");
        Result started = exercises("start", first.id(), "--notebooks", mine.toString());
        assertEquals(0, started.exit(), started.out() + started.err());
        assertTrue(started.out().startsWith("Wrote " + answer + ", the starter of " + first.id()), started.out());
        String starter = Notebooks.read(first.notebook()).stream()
                .filter(c -> c.exercise() != null && c.exercise().id().equals(first.id())).findFirst().orElseThrow().source();
        assertEquals(starter.stripTrailing() + "\n", Files.readString(answer), "the notebook's starter cell");

        String solution = Files.readString(NOTEBOOKS.resolve("solutions/" + first.id() + ".jsh"));
        Files.writeString(answer, solution); // as the learner writes it in an editor
        Result again = exercises("start", first.id(), "--notebooks", mine.toString());
        assertTrue(again.out().startsWith("Your answer is already in " + answer), again.out());
        assertEquals(solution, Files.readString(answer), "start never overwrites the learner's answer");

        Files.write(answer, ("// gr\u00fc\u00dfe\n" + solution).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Run.oneLine(exercises("verify", first.id(), "--notebooks", mine.toString()), 1,
                answer + " is not UTF-8 text: save it as UTF-8 in your editor, then verify again");
        Files.writeString(answer, "\uFEFF" + solution); // some editors put a byte-order mark first
        Result r = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("With your answer in " + answer + ", in place of the notebook's cell:"), r.out());
        assertTrue(r.out().contains("✓ " + first.id() + ": done"), r.out());

        // The notebook's next exercise, answered the same way, and a cell of the learner's own between its
        // starter and its check (in the copy verify made): verify plays the first answer in its place, finds the
        // check past the learner's cell, and leaves the first one's check, and so its mark, alone.
        Exercise.Info second = all().get(1);
        assertEquals(first.notebook(), second.notebook(), "two exercises of one notebook");
        Files.writeString(mine.resolve(second.id() + ".jsh"), Files.readString(NOTEBOOKS.resolve("solutions/" + second.id() + ".jsh")));
        Path copy = mine.resolve(first.notebook().getFileName());
        List<Notebooks.Cell> cells = Notebooks.read(copy);
        int itsStarter = cells.indexOf(cells.stream().filter(c -> c.exercise() != null && c.exercise().id().equals(second.id())).findFirst().orElseThrow());
        Files.writeString(copy, withCodeCellAt(Files.readString(copy), itsStarter + 1, "System.out.println(\"my own try\");"));
        Result next = exercises("verify", second.id(), "--notebooks", mine.toString());
        assertEquals(0, next.exit(), next.out() + next.err());
        assertTrue(next.out().contains("✓ " + second.id() + ": done"), next.out());
        assertTrue(next.out().contains("(and your answer to " + first.id() + " in " + mine.resolve(first.id() + ".jsh")), next.out());
        assertFalse(next.out().contains("✓ " + first.id()) || next.out().contains("☐ " + first.id()),
                "the first exercise's check is not played: " + next.out());
        Result list = exercises("list", "--notebooks", mine.toString());
        for (Exercise.Info e : List.of(first, second)) {
            assertTrue(list.out().lines().anyMatch(l -> l.matches(e.id() + "\\s+done\\s.*")), e.id() + " stays done:\n" + list.out());
        }

        // A progress file that cannot be read is left as it is, never rewritten with only the latest line.
        Path progress = mine.resolve(".progress");
        byte[] kept = (Files.readString(progress) + "# \u00e9t\u00e9\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(progress, kept);
        Result unread = exercises("verify", first.id(), "--notebooks", mine.toString());
        assertTrue(unread.out().contains("(progress not saved: cannot read " + progress), unread.out());
        org.junit.jupiter.api.Assertions.assertArrayEquals(kept, Files.readAllBytes(progress), "the progress file is untouched");
        noChildrenLeft();
    }

    @Test
    void hintsComeOneAtATimeThenTheSolution() throws Exception {
        Exercise.Info e = all().get(0);
        Result one = exercises("hint", e.id());
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.out().startsWith("Hint 1 of " + e.hints().size() + " for " + e.id() + ": " + e.hints().get(0)), one.out());
        assertTrue(one.out().contains("exercises@catalog hint " + e.id() + " 2"), one.out());
        Result last = exercises("hint", e.id(), "" + e.hints().size());
        assertTrue(last.out().startsWith("Hint " + e.hints().size() + " of"), last.out());
        assertTrue(last.out().contains("exercises@catalog hint " + e.id() + " " + (e.hints().size() + 1) + " shows the solution"), last.out());
        Result past = exercises("hint", e.id(), "" + (e.hints().size() + 1));
        assertTrue(past.out().startsWith("No more hints for " + e.id() + ". The solution (notebooks/solutions/" + e.id() + ".jsh):\n"), past.out());
        String solution = Files.readString(NOTEBOOKS.resolve("solutions/" + e.id() + ".jsh")).stripTrailing();
        assertTrue(past.out().contains(solution), "the solution itself, which Jupyter's file list does not show:\n" + past.out());
    }

    /**
     * Exercise 10's check expects this system's own answers about 127.0.0.1 beside the wildcard, asked of
     * its kernel with real sockets: Linux refuses both orders. A Mac allows both; the tests cannot meet that
     * kernel here, so a Mac's answer, written as a learner's code, must fail here, naming Linux's rule.
     */
    @Test
    void theWildcardExerciseExpectsThisSystemsOwnAnswers() throws Exception {
        Exercise.WildcardRule mac = Exercise.WildcardRule.of("Mac OS X", true, true);
        assertEquals(List.of(true, true), List.of(mac.wild(), mac.back()));
        assertEquals("this system (Mac OS X): 127.0.0.1 and 0.0.0.0 share one port, in either order "
                + "(Java sets SO_REUSEADDR, with which macOS and the BSDs allow it)", mac.rule());
        assertTrue(Exercise.WildcardRule.of("Windows 11", true, false).rule()
                .startsWith("this system (Windows 11): 127.0.0.1 binds beside a held 0.0.0.0, but 0.0.0.0 not"));
        assumeTrue(System.getProperty("os.name").equals("Linux"), "skipped: not Linux");
        Exercise.WildcardRule here = Exercise.wildcardRuleHere();
        assertEquals(List.of(false, false), List.of(here.wild(), here.back()), here.rule());
        assertEquals("Linux: 127.0.0.1 and 0.0.0.0 on one port clash, in either order", here.rule());

        // A learner's code that gives the Mac's answer: right about the same address and two different ones.
        Exercise.Info wildcard = Exercise.find(all(), "10-specific-beside-wildcard");
        Path mine = temporaryFolder("my-notebooks");
        String starter = Files.readString(wildcard.notebook());
        String macLike = starter.replace("return true; // fix me", "return !held.equals(other); // fix me");
        assertFalse(macLike.equals(starter), "the starter's line");
        Files.writeString(mine.resolve(wildcard.notebook().getFileName()), macLike);
        Result r = exercises("verify", wildcard.id(), "--notebooks", mine.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("☐ " + wildcard.id() + ", not yet: " + here.rule()), r.out());
        noChildrenLeft();
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        List<List<String>> bad = List.of(List.of("hint", "no-such"), List.of("verify", "no-such"),
                List.of("hint", all().get(0).id(), "0"), List.of("frobnicate"), List.of());
        for (List<String> args : bad) {
            Result r = exercises(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), args + ": " + r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    /** The terminal front, on a free port of its own (checked after the test). */
    private Result exercises(String... args) {
        return exercises(freePort(), args);
    }

    private static Result exercises(int port, String... args) {
        return exec(Map.of("LAB_PORT", "" + port), tool("exercises", args));
    }

    /** {@code notebook} with a code cell of {@code source} after its start-up cell, which declares port. */
    private static String afterTheStartUp(String notebook, String source) {
        return withCodeCellAt(notebook, 2, source);
    }

    /** {@code notebook} with a code cell of {@code source} at index {@code at}. */
    private static String withCodeCellAt(String notebook, int at, String source) {
        JsonObject root = JsonParser.parseString(notebook).getAsJsonObject();
        JsonArray cells = new JsonArray();
        for (int i = 0; i < root.getAsJsonArray("cells").size(); i++) {
            if (i == at) cells.add(codeCell(source));
            cells.add(root.getAsJsonArray("cells").get(i));
        }
        root.add("cells", cells);
        return JSON.toJson(root);
    }

    /** A code cell of {@code source}, as a notebook holds one before it runs. */
    private static JsonObject codeCell(String source) {
        JsonObject cell = new JsonObject();
        cell.addProperty("cell_type", "code");
        cell.add("metadata", new JsonObject());
        cell.add("execution_count", JsonNull.INSTANCE);
        cell.add("outputs", new JsonArray());
        cell.addProperty("source", source);
        return cell;
    }

    /** A notebook's text with every starter replaced by its solution, as a learner who finished would have it. */
    static String solved(Path notebook) throws Exception {
        JsonObject root = JsonParser.parseString(Files.readString(notebook)).getAsJsonObject();
        for (JsonElement cell : root.getAsJsonArray("cells")) {
            JsonObject metadata = cell.getAsJsonObject().getAsJsonObject("metadata");
            if (metadata == null || !metadata.has("exercise")) continue;
            String id = metadata.getAsJsonObject("exercise").get("id").getAsString();
            cell.getAsJsonObject().addProperty("source", Files.readString(NOTEBOOKS.resolve("solutions/" + id + ".jsh")));
        }
        return JSON.toJson(root);
    }
}
