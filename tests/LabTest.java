package tests;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lab.Listeners;
import lab.Sandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.LeftBehind.noChildrenLeft;
import static tests.Ports.unusedPort;
import static tests.Run.exec;
import static tests.Scripts.STATE;

/**
 * The real `make lab`: every notebook in order in one JShell, as a learner without Jupyter plays
 * them, plainly and with SANDBOX=article. LAB_STRICT=1 makes the player fail a cell that prints a
 * ≠ line without the tag machine-dependent, and in article mode any cell that prints one.
 */
// Alone: checks every process of this JVM (noChildrenLeft), and plays the article's sandbox.
@Isolated
class LabTest extends Kit {

    /** `make lab VARIABLES` on {@code port}, strict, with this run's sandbox state (a learner's live sandbox is never joined). */
    private static Run.Started makeLab(int port, String... variables) {
        List<String> command = new ArrayList<>(List.of("make", "lab"));
        command.addAll(List.of(variables));
        return Run.started(Map.of("LAB_PORT", "" + port, "LAB_STRICT", "1", "LAB_SANDBOX_STATE", STATE.toString()), command);
    }

    private static void playedEveryNotebook(Result r) throws Exception {
        assertEquals(0, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("✗"), "every cell as the notebook expects, no wrong lesson:\n" + r.out());
        assertEquals(NotebookTest.notebooks().toList(), played(r.out()), "every notebook, in order:\n" + r.out());
    }

    /**
     * The plain `make lab` and `make lab SANDBOX=article`, played once and side by side, whichever test
     * asks first: each on a port of its own (article mode's inside its sandbox), so neither sees the other.
     */
    private record Played(Result plain, Result article, List<String> hostOthers) {}
    private static final class Plain {
        static final int PORT = unusedPort();
        static final int ARTICLE_PORT = unusedPort();
        static final Once<Played> BOTH = new Once<>(Plain::both);
        static final Once<Result> RUN = new Once<>(() -> BOTH.get().plain());

        /** Article mode's port is held on the host meanwhile: a server there would find it taken, and the watcher says who. */
        private static Played both() {
            try (HostPort host = new HostPort(ARTICLE_PORT)) {
                Run.Started article = Sandbox.unavailable().isEmpty() ? makeLab(ARTICLE_PORT, "SANDBOX=article") : null;
                Run.Started plain = makeLab(PORT);
                try {
                    return new Played(plain.finish(), article == null ? null : article.finish(), host.others());
                } finally {
                    if (article != null && article.process().isAlive()) article.finish(); // never left running
                }
            } catch (Exception e) {
                throw new AssertionError("holding port " + ARTICLE_PORT + " on the host", e);
            }
        }
    }

    @Test
    void theWholeLabPlaysInOneJShell() throws Exception {
        Result r = Plain.RUN.get();
        playedEveryNotebook(r);
        assertTrue(r.out().contains("✓"), "the notebooks check claims:\n" + r.out());
        // The untouched exercises say how to ask for a hint in a terminal, where no cell can call Exercise.hint.
        assertTrue(r.out().contains("\n  Stuck? " + lab.Tools.jbang() + " exercises@catalog hint 01-bind-loop\n"), r.out());
        assertFalse(r.out().contains("Stuck? Exercise.hint("), r.out());
        noChildrenLeft();
        assertEquals(List.of(), Listeners.onPort(Plain.PORT));
    }

    /**
     * Each notebook in the terminal, as in the whole lab (LAB_STRICT=1: exit 0 and no ✗ there, so no
     * ≠ outside a machine-dependent cell): its own section checks at least one claim.
     */
    @ParameterizedTest
    @MethodSource("tests.NotebookTest#notebooks")
    void eachNotebookPlaysInTheTerminalAndChecksAClaim(String notebook) throws Exception {
        Result r = Plain.RUN.get();
        assertEquals(0, r.exit(), r.out() + r.err());
        String section = section(r.out(), notebook);
        assertTrue(section.contains("✓"), "the notebook checks at least one claim:\n" + section);
        assertFalse(section.contains("✗"), section);
        // The questions' folded answers, as a terminal can show them: no raw HTML.
        assertTrue(section.contains("\nAnswer: ") && !section.contains("<details>") && !section.contains("</details>"),
                "the answers read as text:\n" + section.substring(Math.max(0, section.indexOf("Questions"))));
    }

    /** The notebooks the player played, by name, from its "══════ NAME ══════" lines. */
    static List<String> played(String out) {
        return out.lines().filter(l -> l.startsWith("══════ ")).map(l -> l.replace("══════", "").strip()).toList();
    }

    /** What the player printed for {@code notebook}: from its "══════ name ══════" line to the next one. */
    static String section(String out, String notebook) {
        String header = "══════ " + notebook + " ══════";
        int start = out.indexOf(header);
        assertTrue(start >= 0, notebook + " is played:\n" + out);
        int end = out.indexOf("\n══════ ", start + header.length());
        return out.substring(start, end < 0 ? out.length() : end);
    }

    @Test
    void theWholeLabInArticleModeShowsTheArticlesSequenceAndNoNotEqualLine() throws Exception {
        assumeNamespaces();
        int port = Plain.ARTICLE_PORT;
        Result r = Plain.BOTH.get().article();
        playedEveryNotebook(r);
        assertTrue(r.err().contains("play: article mode: in a private Linux sandbox"), r.err());
        assertEquals(List.of(), r.lines().stream().filter(l -> l.startsWith("≠")).toList(), "no ≠ line in article mode:\n" + r.out());
        assertTrue(showsTheArticlesSequence(r.lines(), port), "servers on [::1], [fe80::1], 127.0.0.1, then Address already in use:\n" + r.out());
        noChildrenLeft();
        assertEquals(List.of(), Plain.BOTH.get().hostOthers(), "the servers listened in the sandbox, never on this machine's loopback");
    }

    @Test
    void theSequenceCheckTellsTheArticleFromAOneAddressLocalhost() {
        List<String> article = List.of("pid 1: Listen on [::1]:3000", "  │ Lab.require(second.listening(), \"\");",
                "pid 2: Listen on [fe80::1]:3000", "✓ two servers listen on port 3000: [::1]:3000 and [fe80::1]:3000",
                "pid 3: Listen on 127.0.0.1:3000", "pid 4: pong: cannot listen on localhost:3000: Address already in use on every address");
        assertTrue(showsTheArticlesSequence(article, 3000));
        assertFalse(showsTheArticlesSequence(article, 3001), "another port");
        assertFalse(showsTheArticlesSequence(article.subList(0, 5), 3000), "no fourth server failing");
        assertFalse(showsTheArticlesSequence(List.of("pid 1: Listen on 127.0.0.1:3000",
                "pid 2: pong: cannot listen on localhost:3000: Address already in use on every address"), 3000), "one address");
        assertFalse(showsTheArticlesSequence(List.of("pid 1: Listen on [::1]:3000", "pid 2: Listen on 127.0.0.1:3000",
                "pid 3: Listen on [fe80::1]:3000", "pid 4: pong: Address already in use :3000"), 3000), "another order");
    }

    /**
     * Whether, among the lines about port {@code port}, three servers come up on [::1], [fe80::1]
     * and 127.0.0.1 in a row and the next line is the fourth failing with "Address already in use".
     */
    static boolean showsTheArticlesSequence(List<String> lines, int port) {
        List<String> events = lines.stream().filter(l -> l.contains(":" + port)).map(l -> {
            if (l.contains("Address already in use")) return "Address already in use";
            int at = l.indexOf("Listen on ");
            return at < 0 ? "" : l.substring(at + "Listen on ".length()).strip();
        }).filter(e -> !e.isEmpty()).toList();
        List<String> article = List.of("[::1]:" + port, "[fe80::1]:" + port, "127.0.0.1:" + port, "Address already in use");
        return java.util.Collections.indexOfSubList(events, article) >= 0;
    }
}
