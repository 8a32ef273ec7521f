package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import lab.Notebooks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every code cell fits a notebook's width and a reader's eye: at most 15 lines of at most 100 characters. */
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
}
