package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import lab.Prediction;
import lab.Tools;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.HUNG;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.temporaryFolder;

/** Predict, then see: the comparison's three answers, and the player asking at a terminal only. */
class PredictionTest extends Kit {
    private static final String NOTEBOOK = """
            {"cells": [
             {"cell_type": "code", "metadata": {"tags": ["prediction"]}, "execution_count": null, "outputs": [],
              "source": "// Predict: how many addresses does the article's localhost have?\\nString guess = \\"\\";"},
             {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
              "source": "Prediction.compare(guess, 3, \\"::1, fe80::1 and 127.0.0.1\\");"}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """;

    /** The line a cell's Prediction.compare prints (read as a value: other classes print beside this one). */
    private static String compared(String guess, Object happened) {
        return Prediction.verdict(guess, happened, "why.");
    }

    @Test
    void aGuessMatchesInTheFormsALearnerWritesIt() {
        for (String guess : List.of("[fe80::1]:3000", "fe80::1", " [FE80::1] ", "fe80::1.", "fe80::1%lo0", "[fe80::1%lo0]:3000"))
            assertEquals("✓ you predicted " + guess.strip() + ", and it is [fe80::1]:3000", compared(guess, "[fe80::1]:3000"));
        assertTrue(compared("127.0.0.1", "127.0.0.1:3000").startsWith("✓"));
        assertTrue(compared("n", "no").startsWith("✓"));
        assertEquals("≠ you predicted ::1, but it is [fe80::1]:3000. why.", compared("::1", "[fe80::1]:3000"));
        assertTrue(compared("fe80:", "fe80::1").startsWith("≠"), "only a port is dropped, never part of an address");
        // The prompts say [::1]:3000; where 3000 was taken the session's port differs, and the address is the lesson.
        assertTrue(compared("[::1]:3000", "[::1]:4123").startsWith("✓"), compared("[::1]:3000", "[::1]:4123"));
        assertTrue(compared("[fe80::1%lo0]:3000", "[fe80::1]:4123").startsWith("✓"));
        assertTrue(compared("127.0.0.1:3000", "127.0.0.1:4123").startsWith("✓"));
        assertTrue(compared("127.0.0.1:3000", "[::1]:4123").startsWith("≠"), "another address, whatever its port");
        assertEquals("→ it is 3 (no prediction written: to try, run the guess cell with yours, then this one, not the cells between). why.",
                compared("", 3));
    }

    @Test
    void whatThisMachineCannotShowIsNotJudged() {
        // No sandbox here, say: the guess is neither right nor wrong, and the reason says what happens elsewhere.
        assertEquals("→ this machine cannot show it. why. You predicted 127.0.0.1.", compared("127.0.0.1", null));
        assertEquals("→ this machine cannot show it. why.", compared("", null));
    }

    @Test
    void theStepPlayerAsksForThePredictionAtATerminal() throws Exception {
        assumeTrue(Tools.find("script").isPresent(), "skipped: util-linux script (a terminal for the player) is not installed");
        Path folder = temporaryFolder("prediction");
        Path notebook = folder.resolve("predict.ipynb");
        Files.writeString(notebook, NOTEBOOK);
        Path answers = folder.resolve("answers");
        Files.writeString(answers, "3\n\n"); // the prediction, then Enter before the next cell
        Path out = folder.resolve("out");
        List<String> command = new ArrayList<>(List.of("script", "-qec", String.join(" ", tool("play", "--step", notebook.toString())), "/dev/null"));
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectInput(answers.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS);
        if (!ended) lab.Lifelines.killTree(p, WAIT); // script and the player under it: nothing left running
        assertTrue(ended, "the player ends: " + Files.readString(out));
        String seen = Files.readString(out);
        assertTrue(seen.contains("? Predict: how many addresses does the article's localhost have?"), seen);
        assertTrue(seen.contains("String guess = \"3\";"), "the answer is written into the cell:\n" + seen);
        assertTrue(seen.contains("✓ you predicted 3, and it is 3"), seen);
        // The next cell's code shows before the key that runs it.
        int code = seen.indexOf("│ Prediction.compare(guess, 3"), enter = seen.indexOf("[Enter] runs it");
        assertTrue(code >= 0 && enter > code, "the code, then [Enter]:\n" + seen);
    }

    @Test
    void withoutATerminalTheStepPlayerGoesOn() throws Exception {
        Path notebook = temporaryFolder("prediction").resolve("predict.ipynb");
        Files.writeString(notebook, NOTEBOOK);
        Result r = exec(tool("play", "--step", notebook.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("Your prediction"), r.out());
        assertTrue(r.out().contains("→ it is 3 (no prediction written: to try, play the notebook with "), r.out());
        assertTrue(r.out().contains("play@catalog --step, which asks for yours)"), "the terminal's way, not Jupyter's: " + r.out());
        assertTrue(r.err().contains("play: --step waits for Enter on a terminal, and this is none: playing without stops"), r.err());
    }
}
