package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/**
 * The learner's own copies: `make notebook` serves copies in MY_NOTEBOOKS (never
 * notebooks/, so `git pull` keeps working), Jupyter's saves land there, a second
 * `make notebook` keeps them, and `make reset` brings one back with a backup.
 */
class MyNotebooksTest extends Kit {
    static final String FIRST = "01-single-server.ipynb";

    @Test
    void jupyterSavesIntoTheLearnersCopiesWhichMakeNotebookNeverOverwrites() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        byte[] original = Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST));
        String before = gitStatusOfNotebooks(); // a maintainer's own edits there are theirs: only a change counts
        String edited;
        try (Jupyter jupyter = serving(mine)) {
            for (Path notebook : originals()) assertTrue(Files.exists(mine.resolve(notebook.getFileName())), "copied: " + notebook);
            assertTrue(Files.exists(mine.resolve("README.md")));

            // The cells run in the learner's folder, with the lab's start-up from the kit.
            String id = jupyter.post("/api/sessions", "{\"path\": \"" + FIRST + "\", \"type\": \"notebook\", \"kernel\": {\"name\": \"localhost-lab\"}}")
                    .getAsJsonObject("kernel").get("id").getAsString();
            String said = jupyter.runCell(id, "System.out.println(System.getProperty(\"user.dir\")); System.out.println(Lab.class.getName());");
            assertEquals(List.of(mine.toString(), "lab.Lab"), said.lines().toList(), said);

            // What autosave does: PUT the notebook model back with a change.
            JsonObject model = jupyter.get("/api/contents/" + FIRST);
            JsonObject content = model.getAsJsonObject("content");
            JsonObject cell = new JsonObject();
            cell.addProperty("cell_type", "markdown");
            cell.addProperty("id", UUID.randomUUID().toString().substring(0, 8));
            cell.add("metadata", new JsonObject());
            cell.addProperty("source", "My own note " + UUID.randomUUID());
            content.getAsJsonArray("cells").add(cell);
            edited = cell.get("source").getAsString();
            JsonObject save = new JsonObject();
            save.addProperty("type", "notebook");
            save.addProperty("format", "json");
            save.add("content", content);
            jupyter.put("/api/contents/" + FIRST, save.toString());
        }
        assertTrue(Files.readString(mine.resolve(FIRST)).contains(edited), "the save reached the learner's copy");
        assertArrayEquals(original, Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST)), "the kit's notebook is untouched");
        assertEquals(before, gitStatusOfNotebooks(), "git sees no change in notebooks/");

        try (Jupyter again = serving(mine)) {
            assertTrue(Files.readString(mine.resolve(FIRST)).contains(edited), "a second make notebook keeps the learner's copy");
            assertTrue(again.log().lines().noneMatch(l -> l.contains("copied notebooks/" + FIRST)), again.log());
        }
    }

    @Test
    void resetBringsTheOriginalBackAndKeepsTheLearnersVersion() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Path copy = mine.resolve(FIRST);
        for (String which : List.of("01", "1", FIRST, "notebooks/" + FIRST)) {
            String learners = "{\"cells\": [], \"note\": \"" + which + "\"}";
            Files.writeString(copy, learners);
            Result r = exec(List.of("make", "-s", "reset", "NOTEBOOK=" + which, "MY_NOTEBOOKS=" + mine));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertArrayEquals(Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST)), Files.readAllBytes(copy), which);
            List<Path> backups = backups(mine).stream().filter(b -> read(b).equals(learners)).toList();
            assertEquals(1, backups.size(), "one backup of the learner's version: " + backups(mine));
            assertTrue(backups.get(0).getFileName().toString().matches("01-single-server\\..+\\.ipynb"), backups.toString());
            assertTrue(r.out().contains(backups.get(0).toString()), "says where the backup is: " + r.out());
        }
        assertEquals(4, backups(mine).size(), "no backup overwrote another");
    }

    /** Where the backup cannot be written (here .backup is a file; elsewhere a folder root made), the learner's copy stays. */
    @Test
    void resetThatCannotKeepTheLearnersVersionChangesNothing() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Path copy = mine.resolve(FIRST);
        String learners = "{\"cells\": [], \"note\": \"mine\"}";
        Files.writeString(copy, learners);
        Files.writeString(mine.resolve(".backup"), "not a folder");
        Result r = exec(List.of("make", "-s", "reset", "NOTEBOOK=01", "MY_NOTEBOOKS=" + mine));
        assertEquals(2, r.exit(), "make's own code for a recipe that failed: " + r.out() + r.err());
        assertEquals(learners, Files.readString(copy), "the learner's version is still there");
        List<String> ours = r.err().lines().filter(l -> l.startsWith("reset: ")).toList();
        assertEquals(List.of("reset: cannot keep your version in " + mine + "/.backup/ (is it yours, and a folder?), so "
                + copy + " stays as it is"), ours, r.err());
        assertEquals("", r.out(), "it says nothing else");
    }

    @Test
    void resetWithoutANotebookSaysHowToUseIt() {
        Path mine = temporaryFolder("my-notebooks");
        for (List<String> args : List.<List<String>>of(List.of(), List.of("NOTEBOOK=99"), List.of("NOTEBOOK=no-such"))) {
            List<String> command = new java.util.ArrayList<>(List.of("make", "-s", "reset", "MY_NOTEBOOKS=" + mine));
            command.addAll(args);
            Result r = exec(command);
            assertEquals(2, r.exit(), args + ": " + r.err());
            List<String> ours = r.err().lines().filter(l -> l.startsWith("reset: ")).toList();
            assertEquals(1, ours.size(), args + ": one line: " + r.err());
            assertTrue(ours.get(0).contains("make reset NOTEBOOK=01") || ours.get(0).contains("no notebook"), ours.get(0));
        }
        assertEquals(List.of(), list(mine), "nothing written");
    }

    /**
     * make notebook with a bad PORT stops before Jupyter starts (one line, exit 2), not in every notebook's first
     * cell; a NOTEBOOKS file that is not there fails the copy. (Were the check gone, --version ends Jupyter at once.)
     */
    @Test
    void makeNotebookRefusesABadPortAndAMissingNotebookBeforeJupyterStarts() {
        Path mine = temporaryFolder("my-notebooks");
        for (String port : List.of("abc", "0", "70000")) {
            // Not make test's own flags (-j, -k): this make alone, as a learner types it.
            Result r = exec(List.of("env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL",
                    "make", "-s", "notebook", "PORT=" + port, "MY_NOTEBOOKS=" + mine, "NOTEBOOK_ARGS=--version"));
            assertEquals(2, r.exit(), port + ": " + r.out() + r.err());
            assertEquals(List.of("make: PORT=" + port + " is not a port: a number from 1 to 65535, such as PORT=4000"),
                    r.err().lines().filter(l -> !l.contains(": *** [")).toList(), r.err()); // make[1]: under make test
        }
        Result missing = exec(List.of("make", "-s", "my-notebooks", "MY_NOTEBOOKS=" + mine, "NOTEBOOKS=notebooks/" + FIRST + " notebooks/99-none.ipynb"));
        assertEquals(2, missing.exit(), missing.out() + missing.err());
        assertTrue(missing.err().contains("99-none.ipynb"), missing.err());
        assertTrue(Files.exists(mine.resolve(FIRST)), "the notebooks that are there are copied");
    }

    /** What git says of notebooks/, where the kit is a git checkout (a bundle is not). */
    private static String gitStatusOfNotebooks() {
        return Files.exists(ROOT.resolve(".git")) ? exec(List.of("git", "status", "--porcelain", "notebooks/")).out() : "";
    }

    /** The real `make notebook MY_NOTEBOOKS=mine` on a free port, serving the learner's folder. */
    private Jupyter serving(Path mine) throws Exception {
        Jupyter jupyter = new Jupyter(freePort(), Map.of(), "MY_NOTEBOOKS=" + mine);
        assertFalse(jupyter.get("/api/contents").getAsJsonArray("content").isEmpty(), "Jupyter serves the learner's folder");
        return jupyter;
    }

    static List<Path> originals() throws Exception {
        try (Stream<Path> files = Files.list(ROOT.resolve("notebooks"))) {
            return files.filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.ipynb")).sorted().toList();
        }
    }

    static List<Path> backups(Path mine) {
        return list(mine.resolve(".backup"));
    }

    static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
