package lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import jdk.jshell.EvalException;
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

    private Notebooks() {}

    public record Cell(String type, String source, List<String> tags) {
        public boolean isCode() {
            return type.equals("code");
        }

        public boolean mustRaise() {
            return tags.contains(RAISES);
        }
    }

    /** The cells of a notebook, with a clear one-line failure for a file that is not one. */
    public static List<Cell> read(Path notebook) {
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(notebook)).getAsJsonObject();
        } catch (IOException e) {
            throw Cli.usage("cannot read " + notebook);
        } catch (JsonParseException | IllegalStateException e) {
            throw Cli.usage(notebook + " is not a notebook (not JSON)");
        }
        if (!root.has("cells")) throw Cli.usage(notebook + " is not a notebook (no cells)");
        List<Cell> cells = new ArrayList<>();
        for (JsonElement element : root.getAsJsonArray("cells")) {
            JsonObject cell = element.getAsJsonObject();
            List<String> tags = new ArrayList<>();
            JsonObject metadata = cell.has("metadata") ? cell.getAsJsonObject("metadata") : new JsonObject();
            if (metadata.has("tags")) metadata.getAsJsonArray("tags").forEach(t -> tags.add(t.getAsString()));
            cells.add(new Cell(cell.get("cell_type").getAsString(), joined(cell.get("source")), tags));
        }
        return cells;
    }

    private static String joined(JsonElement source) {
        if (source.isJsonArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonElement line : (JsonArray) source) text.append(line.getAsString());
            return text.toString();
        }
        return source.getAsString();
    }

    /** Markdown as plain terminal text (CommonMark's own text renderer). */
    public static String text(String markdown) {
        return TextContentRenderer.builder().build().render(Parser.builder().build().parse(markdown)) + "\n";
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

        public Player(PrintStream out) {
            this.out = out;
            this.shell = JShell.builder().executionEngine("local").out(out).err(out).build();
            shell.addToClasspath(System.getProperty("java.class.path"));
            try {
                String startup = Files.readString(Path.of(STARTUP));
                String problem = run(new Cell("code", startup, List.of()));
                if (problem != null) throw Cli.failed("start-up " + STARTUP + " failed: " + problem);
            } catch (IOException e) {
                throw Cli.usage("cannot read " + STARTUP + ": run play from the repo root");
            }
        }

        /** Runs a cell; returns null if it behaved as its tags say, else what went wrong. */
        public String run(Cell cell) {
            String raised = null;
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            String remaining = cell.source();
            while (raised == null && !remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                if (!info.completeness().isComplete()) {
                    raised = "incomplete code: " + remaining.strip().lines().findFirst().orElse("");
                    break;
                }
                remaining = info.remaining();
                for (SnippetEvent event : shell.eval(info.source())) {
                    if (event.exception() != null) {
                        raised = describe(event.exception());
                    } else if (event.status() == Snippet.Status.REJECTED) {
                        raised = "does not compile: " + shell.diagnostics(event.snippet())
                                .map(d -> d.getMessage(null)).collect(Collectors.joining("; "));
                    } else if (remaining.isBlank() && isExpression(event) && event.value() != null && !event.value().isEmpty()) {
                        out.println(event.value()); // like the kernel: the last expression's value is the cell's result
                    }
                }
            }
            out.flush();
            if (raised != null) {
                out.println("  ! " + raised);
                return cell.mustRaise() ? null : raised;
            }
            return cell.mustRaise() ? "this cell is tagged " + RAISES + " but did not raise" : null;
        }

        private static boolean isExpression(SnippetEvent event) {
            return event.causeSnippet() == null && (event.snippet().kind() == Snippet.Kind.EXPRESSION
                    || event.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
        }

        private static String describe(Exception e) {
            if (e instanceof EvalException eval) return eval.getExceptionClassName() + ": " + eval.getMessage();
            return e.toString();
        }

        @Override
        public void close() {
            shell.close();
        }
    }
}
