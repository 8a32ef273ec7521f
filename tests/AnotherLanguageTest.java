package tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import lab.Servers.Server;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Run.oneLine;
import static tests.Scripts.tool;
import static tests.StartedServers.pong;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/**
 * The kit on a learner's machine in another language. The C library translates the system's
 * messages and Java passes them on: a German Linux says "Die Adresse wird bereits verwendet", not
 * "Address already in use". The tools must still tell a taken address from a refused connection,
 * and the notebooks' checks, which read what the tools say, must still pass. The German locale is
 * made for the test with localedef, in a folder of its own (LOCPATH): the machine's stays as it is.
 */
class AnotherLanguageTest extends Kit {
    private static final Once<Optional<Map<String, String>>> GERMAN = new Once<>(AnotherLanguageTest::german);

    /** The environment of a German learner: LANG, and no LC_ALL or LANGUAGE to override it; empty where none can be made. */
    private static Optional<Map<String, String>> german() {
        Path locales = temporaryFolder("lab-locale");
        try {
            Result made = exec(List.of("localedef", "-i", "de_DE", "-f", "UTF-8", locales.resolve("de_DE.UTF-8").toString()));
            Map<String, String> env = Map.of("LOCPATH", locales.toString(), "LANG", "de_DE.UTF-8", "LC_ALL", "", "LANGUAGE", "");
            Result said = exec(env, List.of("ls", "/no/such/file"));
            return made.exit() == 0 && !said.err().contains("No such file") ? Optional.of(env) : Optional.empty();
        } catch (java.io.UncheckedIOException noLocaledef) {
            return Optional.empty();
        }
    }

    private static Map<String, String> withGerman(String... more) {
        Optional<Map<String, String>> env = GERMAN.get();
        assumeTrue(env.isPresent(), "skipped: no German locale or messages here (localedef, and glibc's German messages: libc-l10n)");
        Map<String, String> all = new java.util.HashMap<>(env.get());
        for (int i = 0; i < more.length; i += 2) all.put(more[i], more[i + 1]);
        return all;
    }

    @Test
    void aTakenAddressAndARefusedConnectionAreToldApartInGerman() {
        int port = freePort();
        Path hosts = hostsFile("127.0.0.1 localhost");
        Server first = pong("--hosts-file", hosts.toString(), "--port", "" + port);
        assertTrue(first.listening(), first.stderr());
        oneLine(exec(withGerman(), tool("pong", "--hosts-file", hosts.toString(), "--port", "" + port)), 1,
                "pong: cannot listen on localhost:" + port + ": Address already in use on every address it resolves to: 127.0.0.1:"
                        + port + " (held by pong (pid " + first.pid() + "))");

        int nobody = freePort();
        oneLine(exec(withGerman(), tool("ping", "--hosts-file", hosts.toString(), "--port", "" + nobody, "--java-socket")), 1,
                "new Socket(\"localhost\", " + nobody + ") tried 127.0.0.1:" + nobody + " only: Connection refused");
    }

    @Test
    void aPrivilegedPortIsStillAUsageErrorInGerman() throws Exception {
        Map<String, String> env = withGerman();
        List<String> command = new ArrayList<>(BadInputTest.withoutTheRightToBindPort80());
        command.addAll(tool("pong", "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "80"));
        oneLine(exec(env, command), 2, "port 80 is privileged: binding it needs root or CAP_NET_BIND_SERVICE; pick a port from 1024 up");
    }

    /** The handout's page is English: its fourth server's real bind error is printed in English on a German machine too. */
    @Test
    void theHandoutsBindErrorIsEnglishOnAGermanMachine() throws Exception {
        Path out = temporaryFolder("lab-handout");
        Result r = exec(withGerman(), tool("handout", "--no-pdf", "--out", out.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        String html = java.nio.file.Files.readString(out.resolve("handout.html"));
        assertTrue(html.contains("<code>bind: Address already in use</code>"), html);
    }

    /** Steps 4 and 6 check what pong and ping say: the fourth server's "Address already in use", Java's "refused". */
    @Test
    void theBindFailureAndClientStepsPassInGerman() {
        Result r = exec(withGerman("LAB_PORT", "" + freePort()),
                tool("play", "notebooks/04-bind-failure.ipynb", "notebooks/06-client-ordering.ipynb"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("✗"), r.out());
        assertTrue(r.out().contains("✓ the next one failed with Address already in use"), r.out());
        assertTrue(r.out().contains("Die Adresse wird bereits verwendet"), "Java's own exception, as the cell shows it, is German: " + r.out());
    }
}
