///usr/bin/env jbang "$0" "$@" ; exit $?
// play: the lab's notebooks in a terminal, for readers who have only a JDK.
//
// It reads a notebook (.ipynb) and plays it in JShell: markdown cells are printed
// as text, code cells run one after another, each followed by its output. The
// classpath and start-up are the kernel's, so one notebook serves both. Each notebook
// starts as on a kernel of its own: after it, its servers are stopped and its variables
// forgotten. One JShell plays them all, so that only the first waits for JShell to
// start. Each cell compiles while the one before it runs (a cell mostly waits on a
// JVM it started); what they print keeps the notebook's order. Servers a cell starts
// die with the player, even if it is killed.
//
//   jbang play@catalog notebooks/01-single-server.ipynb
//   jbang play@catalog --step notebooks/03-third-server.ipynb    # Enter before each cell
//   jbang play@catalog --sandbox article notebooks/*.ipynb        # localhost as on the article's Mac
//   jbang lab@catalog                                             # the whole lab: what `make lab` runs
//
// LAB_STRICT=1 (for the tests) fails a cell that prints a line starting with ≠ (this machine
// differs from the article) unless the cell is tagged machine-dependent; in article mode it
// fails any such cell, since there every outcome is the article's.
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//DEPS org.commonmark:commonmark:0.26.0
// The whole library and every tool a cell may start (`java -cp` this classpath); exercises.java includes this list.
//SOURCES lab/*.java pong.java ping.java listeners.java resolve.java sandbox.java doctor.java

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;

import lab.Article;
import lab.ArticleStory;
import lab.Cli;
import lab.Exercise;
import lab.Failure;
import lab.Lab;
import lab.Localhost;
import lab.Notebooks;
import lab.Notebooks.Cell;
import lab.Prediction;
import lab.Resolving;
import lab.SandboxOption;
import lab.Servers;
import lab.SharedSandbox;
import lab.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "play", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Play localhost-lab notebooks in the terminal with JShell: text, then each cell and its output.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every cell ran as expected", "1:a cell failed, or a cell tagged raises-exception did not raise", "2:bad command line"})
class play implements Callable<Integer>, Cli.Checked {
    /** The tag of a cell whose ≠ line is a lesson of its own on a machine unlike the article's. */
    static final String MACHINE_DEPENDENT = "machine-dependent";
    /** The cell running now ("NOTEBOOK cell N"), for the line that an interrupted player ends with; null once done. */
    private static volatile String playing;

    @Parameters(paramLabel = "NOTEBOOK", arity = "0..*", description = "notebooks to play, in order (default: every notebooks/NN-*.ipynb: the whole lab)")
    List<Path> notebooks = new ArrayList<>();

    @Option(names = "--step", description = "wait for Enter before each code cell, and ask for each prediction (only on a terminal)")
    boolean step;

    @Mixin
    SandboxOption sandbox;

    public static void main(String... args) {
        // As in the kernel: the OS resolver order, set before anything resolves a name.
        Resolving.useOsOrder();
        // As for the article-mode kernel: the tests keep the shared sandbox's state in a folder of their own.
        String state = System.getenv("LAB_SANDBOX_STATE");
        if (state != null && !state.isBlank()) System.setProperty(SharedSandbox.STATE, state);
        // Progress is the learner's, kept by their kernels and by exercises verify. A Jupyter terminal passes
        // LAB_PROGRESS on, and the player plays the unsolved originals: their checks must not mark anything todo.
        System.setProperty(Exercise.PROGRESS, "");
        Exercise.askForHintsInTheTerminal();
        Prediction.askForGuessesInTheTerminal();
        System.exit(Cli.run(new play(), args));
    }


    /** Asks the prediction cell's question (its comment) at the prompt, and writes the answer between its first quotes. */
    private static Cell predicted(Cell cell, BufferedReader keyboard) throws IOException {
        cell.source().lines().filter(l -> l.strip().startsWith("//"))
                .forEach(l -> System.out.println("  ? " + l.strip().substring(2).strip()));
        if (!cell.source().contains("\"\"")) { // a learner's copy, answered already
            System.out.println("  (this cell already holds a guess: it plays as written)");
            return cell;
        }
        System.out.print("Your prediction: ");
        System.out.flush();
        String answer = keyboard.readLine();
        if (answer == null || answer.isBlank()) return cell;
        String quoted = "\"" + answer.strip().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return new Cell(cell.type(), cell.source().replaceFirst("\"\"", Matcher.quoteReplacement(quoted)), cell.tags(), cell.exercise());
    }

    /** The player once JShell has started; its failure as it would have been thrown here. */
    private static Notebooks.Player started(CompletableFuture<Notebooks.Player> starting) {
        try {
            return starting.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }

    /** What the cells print from now on, kept as well as shown: for LAB_STRICT. */
    private static ByteArrayOutputStream alsoKeepOutput() {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        PrintStream shown = System.out;
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                shown.write(b);
                kept.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                shown.write(b, off, len);
                kept.write(b, off, len);
            }

            @Override
            public void flush() {
                shown.flush();
            }
        }, true, StandardCharsets.UTF_8));
        return kept;
    }

    /** With LAB_STRICT: why the ≠ line a cell printed fails it, or null. */
    private static String wrongLesson(Cell cell, String printed) {
        boolean article = Article.current().isPresent();
        // In article mode, a client not installed here is a missing tool, not another outcome than the article's.
        String unlike = printed.lines().filter(l -> l.startsWith("≠"))
                .filter(l -> !(article && Tools.saysMissing(l))).findFirst().orElse(null);
        if (unlike == null) return null;
        if (article) return "this cell printed \"" + unlike + "\" in article mode, where every outcome must be the article's";
        if (!cell.tags().contains(MACHINE_DEPENDENT)) return "this cell printed \"" + unlike + "\" but is not tagged " + MACHINE_DEPENDENT;
        return null;
    }

    /** Its reader is gone (a pipe to head, a closed terminal): stop now, with the servers, rather than play on unread. */
    private static void outputClosed() {
        playing = null;
        System.err.println("play: its output was closed (a pipe that ended?), so it stops here");
        System.exit(Failure.FAILED);
    }

    /** A bad LAB_PORT is a bad command line (exit 2), said before JShell starts. */
    @Override
    public void check() {
        String labPort = System.getenv("LAB_PORT");
        if (labPort == null || labPort.isBlank()) return;
        try {
            Lab.portFromEnvironment(labPort);
        } catch (IllegalArgumentException e) {
            throw Failure.usage(e.getMessage());
        }
    }

    /** Whether stdin and stdout are a terminal: from JDK 22 on, System.console() is there even when they are not. */
    private static boolean onATerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException before22) {
            return true; // before JDK 22 there is a console only on a terminal
        }
    }

    @Override
    public Integer call() throws IOException {
        if (notebooks.isEmpty()) notebooks = Notebooks.inOrder(Lab.home().resolve("notebooks")); // the whole lab
        Localhost.requireLoopback();
        ByteArrayOutputStream printed = "1".equals(System.getenv("LAB_STRICT")) ? alsoKeepOutput() : null;
        // JShell takes half a second to start: it starts beside the next two steps, which take as long.
        CompletableFuture<Notebooks.Player> starting = CompletableFuture.supplyAsync(() -> new Notebooks.Player(System.out));
        List<List<Cell>> all = new ArrayList<>();
        for (Path notebook : notebooks) all.add(Notebooks.read(notebook)); // a file that is not one: its line alone
        Lab.sayWhatLocalhostIs(); // first: the one thing that decides how many servers bind here
        boolean stepping = step && onATerminal();
        if (step && !stepping) System.err.println("play: --step waits for Enter on a terminal, and this is none: playing without stops");
        BufferedReader keyboard = stepping ? new BufferedReader(new InputStreamReader(System.in)) : null;
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>()); // "NOTEBOOK cell N", in order
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { // Ctrl-C: where it stopped, not a silent end
            String at = playing;
            if (at != null) System.err.println("\nplay: interrupted at " + at + "; the servers it started stop with it");
        }));
        try (Notebooks.Player player = started(starting)) {
            // Each cell compiles while the one before it runs; whatever they print keeps the notebook's order.
            if (keyboard == null) player.compileAhead();
            for (int n = 0; n < notebooks.size(); n++) {
                String name = notebooks.get(n).getFileName().toString(), title = "\n══════ " + name + " ══════";
                player.later(() -> {
                    System.out.println(title);
                    playing = name; // before its first cell
                });
                int[] index = {-1};
                for (Cell cell : all.get(n)) {
                    index[0]++;
                    if (!cell.isCode()) {
                        String text = Notebooks.text(cell.source());
                        player.later(() -> System.out.println(text));
                        continue;
                    }
                    String where = name + " cell " + index[0];
                    if (keyboard != null) {
                        player.await(); // the text above shows before the prompt
                        playing = where; // at its prompt
                    }
                    if (keyboard != null && cell.isPrediction()) cell = predicted(cell, keyboard);
                    String code = Notebooks.indent(cell.source(), "  │ ");
                    boolean shownAlready = keyboard != null && !cell.isPrediction();
                    if (shownAlready) {
                        System.out.println(code); // the code first, then the key that runs it
                        System.out.print("[Enter] runs it ");
                        System.out.flush();
                        if (keyboard.readLine() == null) { // the input ended (Ctrl-D): the rest plays without stops
                            System.out.println();
                            keyboard = null;
                        }
                    }
                    Cell played = cell;
                    player.later(() -> {
                        if (!shownAlready) System.out.println(code);
                        if (printed != null) printed.reset();
                        playing = where;
                        if (System.out.checkError()) outputClosed(); // `make lab | head`: nobody reads the rest
                    });
                    player.play(cell, asTagged -> {
                        String problem = asTagged; // null: it raised, or not, as its tags say
                        if (problem == null && printed != null) problem = wrongLesson(played, printed.toString(StandardCharsets.UTF_8));
                        if (problem != null) {
                            System.out.println("✗ " + problem);
                            failed.add(where);
                        }
                    });
                }
                player.later(Servers::stopAll); // no server outlives its notebook
                player.forgetNotebook(); // nor does a variable: each notebook starts as on a kernel of its own
            }
        } finally {
            playing = null;
        }
        if (Article.current().isPresent()) ArticleStory.explainIfActive(Lab.port()); // once, unless notebook 07 did
        if (!failed.isEmpty()) {
            throw Failure.failed(failed.size() + " cell(s) did not run as the notebook expects: " + String.join(", ", failed));
        }
        return Cli.OK;
    }
}
