package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import lab.Notebooks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every notebook has the shape a learner can follow: code cells that fit a notebook's width and
 * a reader's eye (at most 15 lines of at most 100 characters), one start-up cell, a prediction,
 * questions with answers to reveal, and links to the steps before and after it by their titles.
 */
class NotebookCellsTest extends Kit {
    static java.util.stream.Stream<String> notebooks() throws Exception {
        return NotebookTest.notebooks();
    }

    @ParameterizedTest
    @MethodSource("notebooks")
    void everyCodeCellIsShortAndNarrow(String notebook) {
        List<String> tooBig = new ArrayList<>();
        List<Notebooks.Cell> cells = Notebooks.read(ROOT.resolve("notebooks").resolve(notebook));
        for (int i = 0; i < cells.size(); i++) {
            if (!cells.get(i).isCode()) continue;
            List<String> lines = cells.get(i).source().strip().lines().toList();
            if (lines.size() > 15) tooBig.add("cell " + i + ": " + lines.size() + " lines");
            for (String line : lines) if (line.length() > 100) tooBig.add("cell " + i + ": " + line.length() + " characters: " + line);
        }
        assertEquals(List.of(), tooBig);
    }

    @ParameterizedTest
    @MethodSource("notebooks")
    void oneStartUpCellAPredictionQuestionsAndLinksToItsNeighbours(String notebook) throws Exception {
        List<String> names = notebooks().toList();
        int at = names.indexOf(notebook);
        List<Notebooks.Cell> cells = Notebooks.read(ROOT.resolve("notebooks").resolve(notebook));
        List<String> problems = new ArrayList<>();
        if (!cells.get(1).source().contains("Class.forName(\"lab.Lab\")") || !cells.get(1).source().contains("Lab.port()"))
            problems.add("cell 1 is not the start-up cell");
        if (cells.stream().filter(c -> c.isCode() && c.source().contains("Class.forName(\"lab.Lab\")")).count() != 1)
            problems.add("more than one start-up cell");
        if (cells.stream().noneMatch(Notebooks.Cell::isPrediction)) problems.add("no prediction cell");
        String text = String.join("\n", cells.stream().filter(c -> !c.isCode()).map(Notebooks.Cell::source).toList());
        if (!text.contains("## Questions") || !text.contains("<details><summary>Answer</summary>")) problems.add("no questions with answers");
        String top = cells.get(0).source();
        if (at > 0 && !top.contains("← [" + title(names.get(at - 1)) + "](" + names.get(at - 1) + ")")) problems.add("no link back to " + names.get(at - 1));
        if (at < names.size() - 1 && !top.contains("[" + title(names.get(at + 1)) + "](" + names.get(at + 1) + ") →"))
            problems.add("no link on to " + names.get(at + 1));
        assertEquals(List.of(), problems);
    }

    /** nbformat 4.5, which the notebooks declare, wants an id on every cell: without one Jupyter warns, and will refuse. */
    @ParameterizedTest
    @MethodSource("notebooks")
    void everyCellHasAnIdOfItsOwn(String notebook) throws Exception {
        JsonObject root = JsonParser.parseString(Files.readString(ROOT.resolve("notebooks").resolve(notebook))).getAsJsonObject();
        assertEquals("4.5", root.get("nbformat").getAsInt() + "." + root.get("nbformat_minor").getAsInt());
        List<String> ids = new ArrayList<>();
        for (JsonElement cell : root.getAsJsonArray("cells")) {
            JsonElement id = cell.getAsJsonObject().get("id");
            ids.add(id == null ? "(none)" : id.getAsString());
        }
        assertEquals(List.of(), ids.stream().filter(id -> !id.matches("[A-Za-z0-9_-]{1,64}")).toList(), "ids nbformat refuses");
        assertEquals(ids.size(), Set.copyOf(ids).size(), "ids used twice: " + ids);
    }

    /** "Step 2: a second server, same port", from the notebook's first heading. */
    private static String title(String notebook) {
        String first = Notebooks.read(ROOT.resolve("notebooks").resolve(notebook)).get(0).source().lines().findFirst().orElse("");
        return first.replaceFirst("^#\\s*", "").strip();
    }
}
