///usr/bin/env jbang "$0" "$@" ; exit $?
// exercises: the notebooks' "your turn" exercises, from the terminal (as Rustlings does).
//
// Each notebook has exercises: a cell where you write code, and a check after it.
// You write in your own copy of the notebook (my-notebooks/, what `make notebook`
// opens); this tool runs your copy up to the check and says ✓ or what is still wrong.
// Your progress is kept next to your copies (my-notebooks/.progress), never in the kit.
// Without Jupyter, `start ID` writes the starter to my-notebooks/ID.jsh: answer there in any
// editor, and verify runs that file in the starter cell's place.
//
//   jbang exercises@catalog list                   # every exercise: todo, done or n/a
//   jbang exercises@catalog start 01-bind-loop     # no Jupyter: my-notebooks/01-bind-loop.jsh to edit
//   jbang exercises@catalog verify 01-bind-loop    # run your copy up to its check
//   jbang exercises@catalog hint 01-bind-loop      # the first hint (then: hint 01-bind-loop 2)
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
// A notebook's cells get what the player gives them: play.java's //DEPS and //SOURCES, kept there only (JBang reads an included file's too).
//SOURCES play.java

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import lab.Cli;
import lab.Exercise;
import lab.Exercise.Info;
import lab.Failure;
import lab.GivenFiles;
import lab.Lab;
import lab.Localhost;
import lab.Notebooks;
import lab.Notebooks.Cell;
import lab.Resolving;
import lab.Servers;
import lab.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exercises", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The notebooks' exercises: list them, check yours, ask for a hint.",
                "You write in your copies of the notebooks (my-notebooks/, made by make notebook or by verify)."},
        subcommands = {exercises.ListAll.class, exercises.Verify.class, exercises.Start.class, exercises.Hint.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:an exercise is not done yet", "2:bad command line"})
class exercises implements Runnable {
    public static void main(String... args) {
        Resolving.useOsOrder(); // as in the kernel: before anything resolves a name
        System.exit(Cli.run(new exercises(), args));
    }

    @Override
    public void run() {
        throw Failure.usage("say what to do: list, verify ID, start ID or hint ID (see exercises --help)");
    }

    /** Where the learner's copies are, shared by the subcommands. */
    static class Mine {
        @Option(names = "--notebooks", paramLabel = "DIR", description = "your copies of the notebooks (default: $MY_NOTEBOOKS, else my-notebooks, in the kit's folder)")
        Path folder;

        /** The kit's my-notebooks wherever one runs this from: a terminal in Jupyter starts inside it. */
        Path folder() {
            if (folder != null) return folder;
            String env = System.getenv("MY_NOTEBOOKS"); // make's, relative to the kit's folder
            return Lab.home().resolve(env == null || env.isBlank() ? "my-notebooks" : env);
        }

        /** An answer written without Jupyter (see start): it takes the starter cell's place when verify runs. */
        Path answerFile(String id) {
            return folder().resolve(id + ".jsh");
        }

        /** A make command for the learner's copies: make's own default folder unless --notebooks named another. */
        String make(String target) {
            return Tools.make(target + (folder == null ? "" : " MY_NOTEBOOKS=" + folder.toAbsolutePath().normalize()));
        }

        /** The progress file lives with the learner's copies. */
        void keepProgress() {
            GivenFiles.fileInTheWay(folder()).ifPresent(file -> {
                throw Failure.usage(shown(file) + " is a file, not a folder for your copies (--notebooks DIR)");
            });
            System.setProperty(Exercise.PROGRESS, folder().resolve(".progress").toString());
        }
    }

    /** {@code path} as one would type it from here: relative below the current folder, else whole. */
    static String shown(Path path) {
        Path here = Path.of("").toAbsolutePath(), it = path.toAbsolutePath().normalize();
        if (it.equals(here)) return ".";
        return it.startsWith(here) ? here.relativize(it).toString() : it.toString();
    }

    /**
     * The index of exercise {@code id}'s check: the first code cell after its starter that checks it, wherever a
     * learner put cells of their own in between; -1 if none.
     */
    static int checkOf(List<Cell> cells, int starter, String id) {
        Pattern checks = Pattern.compile("Exercise\\.(check|notHere)\\(\\s*\"" + Pattern.quote(id) + "\"");
        for (int i = starter + 1; i < cells.size(); i++) {
            if (cells.get(i).isCode() && checks.matcher(cells.get(i).source()).find()) return i;
        }
        return -1;
    }

    /** The index of exercise {@code id}'s starter cell (the cell the learner writes in), or -1. */
    static int starterOf(List<Cell> cells, String id) {
        for (int i = 0; i < cells.size(); i++) {
            if (cells.get(i).exercise() != null && cells.get(i).exercise().id().equals(id)) return i;
        }
        return -1;
    }

    static List<Info> theExercises() {
        return Exercise.all(Lab.home().resolve("notebooks"));
    }

    @Command(name = "list", description = "One line per exercise: its id, todo, done or n/a (not on this system), its title and notebook.")
    static class ListAll implements Runnable {
        @Mixin
        Mine mine;

        @Override
        public void run() {
            mine.keepProgress();
            Map<String, String> progress = Exercise.progress();
            List<Info> all = theExercises();
            int width = all.stream().mapToInt(e -> e.id().length()).max().orElse(0);
            for (Info e : all) {
                String notebook = e.notebook().getFileName().toString().replace(".ipynb", "");
                String state = progress.getOrDefault(e.id(), "todo");
                System.out.printf("%-" + width + "s  %-4s  %s (%s)%n", e.id(), state, e.title(), notebook);
            }
            long count = all.stream().filter(e -> Exercise.DONE.equals(progress.get(e.id()))).count();
            long here = all.stream().filter(e -> !Exercise.NOT_HERE.equals(progress.get(e.id()))).count();
            System.out.println(count + " of " + here + " done" + (here < all.size() ? " (" + (all.size() - here) + " n/a on this system)" : "") + ". Write yours in " + shown(mine.folder())
                    + "/ (" + Tools.make("notebook") + "), then: " + Tools.jbang() + " exercises@catalog verify ID");
            System.out.println("No Jupyter? " + Tools.jbang() + " exercises@catalog start ID writes the starter to " + shown(mine.folder())
                    + "/ID.jsh, to answer in any editor.");
        }
    }

    @Command(name = "verify", description = "Run your copy of a notebook, as last saved, up to an exercise's check, and say ✓ or what is still wrong.")
    static class Verify implements java.util.concurrent.Callable<Integer> {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "exercises to check (default: all)")
        List<String> ids = new ArrayList<>();

        @Mixin
        Mine mine;

        @Override
        public Integer call() throws IOException {
            mine.keepProgress();
            Localhost.requireLoopback();
            Exercise.askForHintsInTheTerminal();
            List<Info> all = theExercises();
            List<Info> chosen = ids.isEmpty() ? all : ids.stream().map(id -> Exercise.find(all, id)).distinct().toList();
            Map<Path, List<String>> byNotebook = new LinkedHashMap<>();
            for (Info e : chosen) byNotebook.computeIfAbsent(e.notebook(), n -> new ArrayList<>()).add(e.id());
            int notYet = 0;
            for (Map.Entry<Path, List<String>> entry : byNotebook.entrySet()) {
                notYet += verify(copyOf(entry.getKey()), entry.getValue());
            }
            if (notYet > 0) throw Failure.failed(notYet + " of " + chosen.size() + " exercise(s) not done yet");
            Map<String, String> progress = Exercise.progress();
            long notHere = chosen.stream().filter(e -> Exercise.NOT_HERE.equals(progress.get(e.id()))).count();
            if (chosen.size() == 1) System.out.println(notHere == 1 ? "Nothing to do on this system." : "Done.");
            else System.out.println("All " + (chosen.size() - notHere) + " done" + (notHere > 0 ? " (" + notHere + " n/a on this system)." : "."));
            return Cli.OK;
        }

        /** The learner's copy of a notebook; made from the kit's when there is none yet, never overwritten. */
        private Path copyOf(Path original) throws IOException {
            Path copy = mine.folder().resolve(original.getFileName());
            if (!Files.exists(copy)) {
                Files.createDirectories(mine.folder());
                // Whole or not at all: another verify at the same instant reads a complete copy, never half of one.
                Path partial = Files.createTempFile(mine.folder(), ".copy-", ".ipynb.tmp");
                try {
                    Files.copy(original, partial, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.move(partial, copy); // no REPLACE_EXISTING: a copy made meanwhile stays
                } catch (java.nio.file.FileAlreadyExistsException another) {
                    return copy; // another verify made it at the same instant
                } finally {
                    Files.deleteIfExists(partial);
                }
                System.out.println("Made your copy " + shown(copy) + ": write your answers there (" + mine.make("notebook") + " opens it).");
            }
            return copy;
        }

        /** The learner's answer file as JShell reads it: UTF-8, without the mark some editors put first. */
        private static String answerIn(Path answer) throws IOException {
            try {
                String text = Files.readString(answer, StandardCharsets.UTF_8);
                return text.startsWith("\uFEFF") ? text.substring(1) : text;
            } catch (java.nio.charset.CharacterCodingException e) {
                throw Failure.failed(shown(answer) + " is not UTF-8 text: save it as UTF-8 in your editor, then verify again");
            }
        }

        /**
         * Plays {@code notebook} through the last check of {@code ids}; shows only the checks' output. Returns how
         * many are not done. Every answer file of the notebook takes its starter cell's place (a later cell may use
         * an earlier answer), and the checks of exercises not asked for are not played, so their marks stay.
         */
        private int verify(Path notebook, List<String> ids) throws IOException {
            List<Cell> cells = new ArrayList<>(Notebooks.read(notebook));
            Map<Integer, String> checks = new LinkedHashMap<>(); // check cell index -> exercise id, of those asked for
            Set<Integer> othersChecks = new HashSet<>();
            Map<Integer, Path> answers = new HashMap<>(); // starter cell index -> the answer file played in its place
            for (int starter = 0; starter < cells.size(); starter++) {
                Cell cell = cells.get(starter);
                if (cell.exercise() == null) continue;
                String id = cell.exercise().id();
                Path answer = mine.answerFile(id); // written in an editor, without Jupyter (see start)
                if (Files.isRegularFile(answer)) {
                    cells.set(starter, new Cell(cell.type(), answerIn(answer), cell.tags(), cell.exercise()));
                    answers.put(starter, answer);
                    System.out.println(ids.contains(id) ? "With your answer in " + shown(answer) + ", in place of the notebook's cell:"
                            : "(and your answer to " + id + " in " + shown(answer) + ", which later cells may use)");
                }
                int check = checkOf(cells, starter, id);
                if (check < 0) continue;
                if (ids.contains(id)) checks.put(check, id);
                else othersChecks.add(check);
            }
            for (String id : ids) {
                if (checks.containsValue(id)) continue;
                System.out.println("☐ " + id + ": your copy " + shown(notebook) + " has no starter cell or check for it;"
                        + " " + mine.make("reset NOTEBOOK=" + id.substring(0, 2)) + " restores it (yours goes to .backup/)");
            }
            if (checks.isEmpty()) return ids.size();
            int last = checks.keySet().stream().max(Integer::compare).orElseThrow();
            System.out.println("Running " + shown(notebook) + " up to its check" + (checks.size() > 1 ? "s" : "") + " ...");
            Switch out = new Switch(System.out);
            PrintStream original = System.out;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            // A learner's System.exit (JShell runs the cells in this JVM), or Ctrl-C: never an exit without a verdict.
            Thread ended = new Thread(() -> original.println("☐ " + String.join(", ", checks.values())
                    + ": the program ended before the check" + (checks.size() > 1 ? "s" : "") + " ran (a System.exit in the code, or Ctrl-C)"));
            Runtime.getRuntime().addShutdownHook(ended);
            try (Notebooks.Player player = new Notebooks.Player(System.out)) {
                player.compileAhead(); // each cell compiles while the one before it runs; closing waits for the last
                for (int i = 0; i <= last; i++) {
                    Cell cell = cells.get(i);
                    if (!cell.isCode() || othersChecks.contains(i)) continue;
                    boolean isCheck = checks.containsKey(i);
                    int n = i;
                    player.later(() -> out.showing(isCheck));
                    player.play(cell, problem -> {
                        if (problem != null && !isCheck) {
                            original.print(out.hidden());
                            original.println("✗ " + (answers.containsKey(n) ? "your answer in " + shown(answers.get(n))
                                    : "cell " + n + " of " + notebook.getFileName()) + " failed: " + problem);
                        }
                        out.hidden.reset();
                    });
                }
            } finally {
                System.setOut(original);
                Servers.stopAll();
                try {
                    Runtime.getRuntime().removeShutdownHook(ended);
                } catch (IllegalStateException exiting) {
                    // the hook runs: it says so
                }
            }
            int notDone = 0;
            for (String id : ids) {
                if (Exercise.result(id).orElse(false)) continue;
                notDone++;
                if (checks.containsValue(id) && Exercise.result(id).isEmpty()) {
                    System.out.println("☐ " + id + ": its check did not run to its end (see above)");
                }
            }
            return notDone;
        }
    }

    @Command(name = "start", description = {"Without Jupyter: write an exercise's starter to ID.jsh beside your copies,",
            "to answer in any editor; verify then runs it in the starter cell's place. Never overwrites yours."})
    static class Start implements Runnable {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        Mine mine;

        @Override
        public void run() {
            mine.keepProgress(); // the same check of the folder as list and verify
            Info e = Exercise.find(theExercises(), id);
            Path answer = mine.answerFile(e.id());
            String then = ", then: " + Tools.jbang() + " exercises@catalog verify " + e.id();
            if (Files.exists(answer)) {
                System.out.println("Your answer is already in " + shown(answer) + ": edit it there" + then);
                return;
            }
            List<Cell> cells = Notebooks.read(e.notebook());
            String starter = cells.get(starterOf(cells, e.id())).source(); // there: Exercise.all found it
            try {
                Files.createDirectories(mine.folder());
                Files.writeString(answer, starter.stripTrailing() + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW);
            } catch (IOException x) {
                throw Failure.failed("cannot write " + shown(answer) + ": " + x.getMessage());
            }
            System.out.println("Wrote " + shown(answer) + ", the starter of " + e.id() + " (" + e.title() + "): answer there in any editor" + then);
        }
    }

    @Command(name = "hint", description = "A hint for an exercise: the first, or the one you ask for by number.")
    static class Hint implements Runnable {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "N", defaultValue = "1", description = "which hint (default: ${DEFAULT-VALUE})")
        int n;

        @Override
        public void run() {
            if (n < 1) throw Failure.usage("hints count from 1");
            Info e = Exercise.find(theExercises(), id);
            System.out.println(Exercise.hintText(e, n));
            if (n <= e.hints().size()) { // after the last hint, the next number is the solution
                System.out.println("Still stuck? " + Tools.jbang() + " exercises@catalog hint " + id + " " + (n + 1)
                        + (n == e.hints().size() ? " shows the solution" : ""));
            }
        }
    }

    /** Output that goes to the terminal for a check, and is kept aside for the cells before it. */
    static final class Switch extends OutputStream {
        private final OutputStream terminal;
        final ByteArrayOutputStream hidden = new ByteArrayOutputStream();
        private boolean showing;

        Switch(OutputStream terminal) {
            this.terminal = terminal;
        }

        void showing(boolean show) {
            showing = show;
        }

        String hidden() {
            return hidden.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void write(int b) throws IOException {
            if (showing) terminal.write(b);
            else hidden.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (showing) terminal.write(b, off, len);
            else hidden.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            terminal.flush();
        }
    }
}
