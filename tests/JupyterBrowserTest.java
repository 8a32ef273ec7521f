package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import lab.Notebooks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.temporaryFolder;

/**
 * A learner in a real browser: `make notebook`, headless Chromium on a notebook's
 * page, the Cell menu's Run All, typing into a cell and the Save button, as a
 * workshop does them. What the browser adds to JupyterServerTest: the page picks
 * the lab's kernel by itself, Run All shows notebook 04's bind error and goes on
 * (the cell is tagged raises-exception, which a kernel that stops at an error needs;
 * IJava goes on either way), Save writes the learner's copy, which `exercises`
 * then checks, and every notebook's answers are folded with their markdown rendered.
 */
class JupyterBrowserTest extends Kit {
    private static final Duration RUN_ALL = Duration.ofMinutes(3);

    @BeforeEach
    void needsChromium() {
        assumeTrue(Browser.installed(), "no Chromium here: make setup installs it where apt has it");
    }

    @Test
    void aLearnerTypesTheBindLoopRunsAllSavesAndTheExerciseIsDone() throws Exception {
        Path mine = temporaryFolder("my-notebooks"), kitCopy = ROOT.resolve("notebooks/01-single-server.ipynb");
        byte[] kitBefore = Files.readAllBytes(kitCopy);
        String solution = Files.readString(ROOT.resolve("notebooks/solutions/01-bind-loop.jsh")).strip();
        int labPort = freePort();
        try (Jupyter jupyter = new Jupyter(freePort(), Map.of("LAB_PORT", "" + labPort), "MY_NOTEBOOKS=" + mine);
             Browser browser = new Browser(jupyter.pageOf("01-single-server.ipynb"), 1200)) {
            kernelReady(browser);
            // Into the exercise's cell: click it, select all, type the loop (CodeMirror indents as it would for a learner).
            int cell = browser.evaluate("Jupyter.notebook.get_cells().findIndex(c => c.metadata.exercise"
                    + " && c.metadata.exercise.id === '01-bind-loop')").getAsInt();
            assertTrue(cell > 0, "the exercise's cell is on the page");
            browser.evaluate("(() => { const c = Jupyter.notebook.get_cell(" + cell + "); Jupyter.notebook.select(" + cell + ");"
                    + " Jupyter.notebook.edit_mode(); c.code_mirror.focus(); c.code_mirror.execCommand('selectAll'); })()");
            browser.type(solution);
            String typed = browser.evaluate("Jupyter.notebook.get_cell(" + cell + ").get_text()").getAsString();
            assertEquals(words(solution), words(typed), "the cell holds what was typed");

            JsonArray cells = runAll(browser);
            List<String> problems = problems(cells, List.of());
            assertEquals(List.of(), problems, "every cell ran without an error or a line on stderr\n" + jupyter.log());
            String checked = text(cells.get(cell + 1).getAsJsonObject());
            assertTrue(checked.contains("✓") && !checked.contains("☐"), "the check under the exercise passes:\n" + checked);

            browser.evaluate("document.querySelector('#save_checkpoint > a').click()"); // File, Save and Checkpoint
            String saved = Settled.settled(() -> savedSource(mine.resolve("01-single-server.ipynb"), cell),
                    source -> source != null && words(source).equals(words(typed)), WAIT);
            assertTrue(saved != null && words(saved).equals(words(typed)), "Save wrote the typed cell to my-notebooks: " + savedSource(mine.resolve("01-single-server.ipynb"), cell));
        }
        assertArrayEquals(kitBefore, Files.readAllBytes(kitCopy), "the kit's notebook is untouched");
        Result listed = exec(Map.of("LAB_PORT", "" + freePort()), tool("exercises", "list", "--notebooks", mine.toString()));
        assertTrue(listed.out().lines().anyMatch(l -> l.matches("01-bind-loop\\s+done\\s.*")), "the kernel's check kept progress:\n" + listed.out());
        Result verified = exec(Map.of("LAB_PORT", "" + freePort()), tool("exercises", "verify", "01-bind-loop", "--notebooks", mine.toString()));
        assertEquals(0, verified.exit(), "the saved notebook passes exercises verify:\n" + verified.out() + verified.err());
    }

    @Test
    void runAllShowsTheBindFailureAndRunsEveryCellAfterIt() throws Exception {
        try (Jupyter jupyter = new Jupyter(freePort(), Map.of("LAB_PORT", "" + freePort()), "MY_NOTEBOOKS=" + temporaryFolder("my-notebooks"));
             Browser browser = new Browser(jupyter.pageOf("04-bind-failure.ipynb"), 1200)) {
            kernelReady(browser);
            JsonArray cells = runAll(browser);
            int failing = -1;
            for (int i = 0; i < cells.size(); i++) {
                if (tags(cells.get(i).getAsJsonObject()).contains(Notebooks.RAISES)) failing = i;
            }
            assertTrue(failing > 0, "notebook 04 has a cell tagged " + Notebooks.RAISES);
            assertEquals(List.of(), problems(cells, List.of(failing)), "only the tagged cell fails\n" + jupyter.log());
            JsonObject error = outputs(cells.get(failing).getAsJsonObject()).asList().stream().map(JsonElement::getAsJsonObject)
                    .filter(o -> o.get("output_type").getAsString().equals("error")).findFirst().orElse(null);
            assertTrue(error != null && error.get("evalue").getAsString().contains("Address already in use"),
                    "the tagged cell shows the bind error: " + error);
            String shown = browser.evaluate("document.querySelectorAll('.cell')[" + failing + "].querySelector('.output_error').innerText")
                    .getAsString();
            assertTrue(shown.contains("Address already in use"), "the page shows it: " + shown);
        }
    }

    /**
     * Every notebook as the browser renders it: each question's answer is folded away in a
     * {@code <details>}, and its markdown is rendered there (code, not `backticks`). A one-line
     * {@code <details>…</details>} is an HTML block to the renderer, which shows markdown inside it raw.
     */
    @Test
    void everyAnswerIsFoldedAndItsMarkdownRendered() throws Exception {
        try (Jupyter jupyter = new Jupyter(freePort(), Map.of("LAB_PORT", "" + freePort()), "MY_NOTEBOOKS=" + temporaryFolder("my-notebooks"));
             Browser browser = new Browser("about:blank", 1200)) {
            List<String> problems = new java.util.ArrayList<>();
            for (String notebook : NotebookTest.notebooks().toList()) {
                JsonObject go = new JsonObject();
                go.addProperty("url", jupyter.pageOf(notebook));
                browser.call("Page.navigate", go);
                boolean loaded = Settled.settled(() -> browser.holds("!!(window.Jupyter && Jupyter.notebook"
                        + " && Jupyter.notebook._fully_loaded && document.title.startsWith('" + notebook.replace(".ipynb", "") + "'))"),
                        up -> up, Duration.ofMinutes(1));
                assertTrue(loaded, notebook + " did not load:\n" + browser.log());
                JsonArray answers = com.google.gson.JsonParser.parseString(browser.evaluate("JSON.stringify(Array.from("
                        + "document.querySelectorAll('.text_cell_render details')).map(d => ({open: d.open, text: d.textContent})))")
                        .getAsString()).getAsJsonArray();
                if (answers.size() < 2) problems.add(notebook + ": " + answers.size() + " folded answer(s)");
                for (JsonElement a : answers) {
                    String text = a.getAsJsonObject().get("text").getAsString();
                    if (a.getAsJsonObject().get("open").getAsBoolean()) problems.add(notebook + ": an answer shows unfolded");
                    if (text.contains("`") || text.contains("</details>")) problems.add(notebook + ": raw markdown in " + text.strip());
                }
                String page = browser.evaluate("Array.from(document.querySelectorAll('.text_cell_render')).map(e => e.textContent).join('\\n')")
                        .getAsString();
                if (page.contains("<details>") || page.contains("<summary>")) problems.add(notebook + ": HTML shown as text");
                jupyter.shutDownKernels(); // each page started one, and leaving it does not stop it
            }
            assertEquals(List.of(), problems);
        }
    }

    /** The page has loaded, picked the lab's kernel by itself (no dialog) and is connected to it. */
    private static void kernelReady(Browser browser) throws Exception {
        boolean ready = Settled.settled(() -> browser.holds("!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                + " && Jupyter.notebook.kernel.is_connected()"
                + " && document.querySelector('#kernel_indicator_icon').title === 'Kernel Idle')"), up -> up, Duration.ofMinutes(2));
        assertTrue(ready, "the notebook's kernel did not become idle:\n" + browser.log());
        assertEquals("Java (localhost-lab)", browser.evaluate("document.querySelector('.kernel_indicator_name').innerText").getAsString(),
                "the page shows the lab's kernel");
        assertEquals(0, browser.evaluate("document.querySelectorAll('.modal.in').length").getAsInt(), "no dialog asks for a kernel");
    }

    /** Cell menu, Run All; then every code cell's model once none is queued or running. */
    private static JsonArray runAll(Browser browser) throws Exception {
        browser.evaluate("document.querySelector('#run_all_cells > a').click()");
        String cells = "JSON.stringify(Jupyter.notebook.get_cells().map(c => ({type: c.cell_type, count: c.input_prompt_number,"
                + " tags: (c.metadata.tags || []), outputs: c.output_area ? c.output_area.toJSON() : []})))";
        String done = Settled.settled(() -> {
            try {
                boolean idle = !browser.evaluate("Jupyter.notebook.kernel_busy").getAsBoolean();
                String now = browser.evaluate(cells).getAsString();
                return idle && !now.contains("\"count\":\"*\"") ? now : null;
            } catch (Exception | AssertionError notYet) {
                return null;
            }
        }, now -> now != null, RUN_ALL);
        assertTrue(done != null, "Run All still running after " + RUN_ALL);
        return com.google.gson.JsonParser.parseString(done).getAsJsonArray();
    }

    /** Code cells that did not run, that failed, or that printed on stderr, but for {@code allowed}. */
    private static List<String> problems(JsonArray cells, List<Integer> allowed) {
        List<String> problems = new java.util.ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            JsonObject cell = cells.get(i).getAsJsonObject();
            if (!cell.get("type").getAsString().equals("code") || allowed.contains(i)) continue;
            if (!(cell.get("count") instanceof JsonPrimitive count && count.isNumber())) problems.add("cell " + i + " did not run"); // absent, null or "*"
            for (JsonElement o : outputs(cell)) {
                JsonObject output = o.getAsJsonObject();
                String type = output.get("output_type").getAsString();
                if (type.equals("error")) problems.add("cell " + i + ": " + output.get("ename") + " " + output.get("evalue"));
                if (type.equals("stream") && output.get("name").getAsString().equals("stderr")) problems.add("cell " + i + " on stderr: " + said(output));
            }
        }
        return problems;
    }

    private static JsonArray outputs(JsonObject cell) {
        return cell.getAsJsonArray("outputs");
    }

    private static List<String> tags(JsonObject cell) {
        return cell.getAsJsonArray("tags").asList().stream().map(JsonElement::getAsString).toList();
    }

    /** What a cell printed. */
    private static String text(JsonObject cell) {
        StringBuilder text = new StringBuilder();
        for (JsonElement output : outputs(cell)) text.append(said(output.getAsJsonObject()));
        return text.toString();
    }

    /** One output's text, if it has any. */
    private static String said(JsonObject output) {
        return output.has("text") ? Notebooks.joined(output.get("text")) : "";
    }

    /** The source of cell {@code index} in a saved notebook, or null before it is there. */
    private static String savedSource(Path notebook, int index) {
        try {
            List<Notebooks.Cell> cells = Notebooks.read(notebook);
            return index < cells.size() ? cells.get(index).source() : null;
        } catch (RuntimeException e) {
            return null; // being written
        }
    }

    /** Code compared word by word: the editor's own indenting may differ from the file's. */
    private static List<String> words(String code) {
        return List.of(code.strip().split("\\s+"));
    }
}
