package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Servers.Server;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.StartedServers.start;

/** The real JBang, through the repo's ./jbang launcher and its catalog, as a learner types it. */
class CatalogTest extends Kit {
    static final String SHEBANG = "///usr/bin/env jbang \"$0\" \"$@\" ; exit $?";

    static JsonObject catalog() throws Exception {
        return JsonParser.parseString(Files.readString(ROOT.resolve("jbang-catalog.json"))).getAsJsonObject();
    }

    @Test
    void pongAndPingRunFromTheCatalog() {
        int port = freePort();
        // A fresh clone has no launch entry yet: JBang runs, and may wait for another class's build.
        Server pong = start(List.of("./jbang", "pong@catalog", "--port", "" + port, "--exit-with-stdin"), Duration.ofMinutes(2));
        assertTrue(pong.listening(), pong.stderr());
        Result ping = exec(List.of("./jbang", "ping@catalog", "--port", "" + port));
        assertEquals(0, ping.exit(), ping.err());
        assertEquals(List.of("pong from " + pong.address()), ping.lines());
    }

    @Test
    void everyAliasRunsFromTheRootAndHasADescription() throws Exception {
        for (Map.Entry<String, com.google.gson.JsonElement> alias : catalog().getAsJsonObject("aliases").entrySet()) {
            JsonObject spec = alias.getValue().getAsJsonObject();
            assertTrue(spec.has("description") && !spec.get("description").getAsString().isBlank(), alias.getKey());
            Result r = exec(List.of("./jbang", alias.getKey() + "@catalog", "--help"));
            assertEquals(0, r.exit(), alias.getKey() + ": " + r.err());
            // picocli formats help texts: a bare % (fe80::1%lo0) is printed raw, with a warning.
            assertFalse(r.err().contains("[picocli WARN]"), alias.getKey() + "'s help formats: " + r.err());
            String script = Path.of(spec.get("script-ref").getAsString()).getFileName().toString().replace(".java", "");
            assertTrue(r.out().startsWith("Usage: " + script), r.out()); // lab@catalog is play with its defaults
        }
    }

    @Test
    void plainAliasWorksFromASubfolder() {
        Result r = exec(List.of("../jbang", "resolve", "--help"), ROOT.resolve("notebooks"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: resolve"), r.out());
    }

    /**
     * A terminal in Jupyter starts in a subfolder: there `../jbang pong@catalog`, as the notebooks write it, runs
     * the same tool (JBang itself read the catalog's file from the current folder, and failed with a
     * NullPointerException), and again as the launch cache replays it. Outside the kit it is one line, exit 2.
     */
    @Test
    void catalogAliasWorksFromASubfolderAndSaysWhereOutsideTheKit() {
        for (int run = 1; run <= 2; run++) {
            Result r = exec(List.of("../../jbang", "resolve@catalog", "--help"), ROOT.resolve("notebooks/solutions"));
            assertEquals(0, r.exit(), "run " + run + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: resolve"), r.out());
        }
        Result outside = exec(List.of(ROOT.resolve("jbang").toString(), "resolve@catalog", "--help"), TempFiles.temporaryFolder("lab-outside"));
        Run.oneLine(outside, 2, "jbang: resolve@catalog runs inside the kit's folder: cd \"" + ROOT + "\" first");
    }

    @Test
    void everyScriptIsAJBangScriptWithAHeader() throws Exception {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(ROOT.resolve("scripts"))) {
            scripts = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        assertFalse(scripts.isEmpty());
        for (Path script : scripts) {
            List<String> lines = Files.readAllLines(script);
            assertEquals(SHEBANG, lines.get(0), script + " starts with JBang's line");
            assertTrue(lines.get(1).startsWith("// "), script + " has a header comment");
            assertTrue(lines.contains("//JAVA 17+"), script + " declares //JAVA 17+");
            String name = script.getFileName().toString().replace(".java", "");
            assertTrue(catalog().getAsJsonObject("aliases").has(name), name + " is in jbang-catalog.json");
        }
    }

    @Test
    void theLauncherWritesNothingInHome() throws Exception {
        Path home = TempFiles.temporaryFolder("lab-home"); // removed at the run's end, whatever is in it
        Result r = exec(Map.of("HOME", home.toString()), List.of("./jbang", "--version"));
        assertEquals(0, r.exit(), r.err());
        try (Stream<Path> files = Files.list(home)) {
            assertEquals(List.of(), files.toList(), "no rc file, no ~/.jbang");
        }
    }
}
