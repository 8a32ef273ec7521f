package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import lab.Servers.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.AnotherUser.asAnotherUser;
import static tests.AnotherUser.assumeAnotherUserMayMakeSandboxes;
import static tests.LeftBehind.sigkillLeavesNothing;
import static tests.Run.exec;
import static tests.Scripts.STATE;
import static tests.Scripts.tool;
import static tests.Settled.once;
import static tests.Settled.settled;
import static tests.Settled.stderrOnceItSays;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/**
 * --sandbox article: the article's Mac on this machine. With namespaces: the
 * exact [::1], [fe80::1], 127.0.0.1 sequence, the fourth failure, and the real
 * nc reaching [::1]. Without them (a user namespace takes root's rights away):
 * the 127.0.0.2 fallback, said plainly.
 */
// One class at a time in the article's shared sandbox: its state is this run's, and asserted.
@ResourceLock("lab.article-sandbox")
class ArticleModeTest extends Kit {
    /** This user's ID, as `id -u` says: the sandbox's state folder is named after it. */
    private static final String USER_ID = exec(List.of("id", "-u")).out().strip();

    /** The command run without any namespace rights: in a new user namespace, as an unmapped user. */
    private static List<String> withoutRights(List<String> command) {
        List<String> all = new ArrayList<>(List.of("unshare", "-U", "--"));
        all.addAll(command);
        return all;
    }

    /** Starts n+1 article-mode pongs as in n+1 terminals; returns the servers, the last being the one that failed. */
    private static List<Server> pongs(int n, int port, boolean withRights) {
        return pongs(n, port, withRights ? UnaryOperator.identity() : ArticleModeTest::withoutRights);
    }

    private static List<Server> pongs(int n, int port, UnaryOperator<List<String>> as) {
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i <= n; i++) servers.add(start(as.apply(tool("pong", "--sandbox", "article", "--exit-with-stdin", "--port", "" + port))));
        return servers;
    }

    private static List<String> addresses(List<Server> servers) {
        return servers.stream().map(s -> s.listening() ? s.address() : "not listening").toList();
    }

    @Test
    void theArticlesSequenceTheFourthFailureAndNcReachingIpv6Loopback() throws Exception {
        assumeNamespaces();
        int port = freePort();
        List<Server> servers = pongs(3, port, true);
        assertEquals(List.of("[::1]:" + port, "[fe80::1]:" + port, "127.0.0.1:" + port, "not listening"), addresses(servers));
        Server fourth = servers.get(3);
        assertEquals(1, fourth.exitCode(WAIT));
        assertTrue(fourth.stderr().contains("Address already in use"), fourth.stderr());
        assertTrue(stderrOnceItSays(servers.get(0), "\n").startsWith("pong: article mode: in a private Linux sandbox"), servers.get(0).stderr());
        assertTrue(lab.Listeners.onPort(port).isEmpty(), "the servers listen in the sandbox, not on this machine's loopback");

        Result nc = exec(tool("sandbox", "--", "nc", "-v", "localhost", "" + port));
        assertEquals(0, nc.exit(), nc.err());
        assertEquals("pong from [::1]:" + port, nc.out().strip());
        assertTrue(nc.err().contains("Connection to localhost (::1) " + port + " port"), nc.err());

        Result ping = exec(tool("ping", "--sandbox", "article", "--port", "" + port));
        assertEquals("pong from [::1]:" + port, ping.out().strip(), ping.err());
    }

    @Test
    void serversJoinTheSandboxAfterItsFirstServerHasGone() {
        assumeNamespaces();
        int port = freePort();
        List<String> pong = tool("pong", "--sandbox", "article", "--exit-with-stdin", "--port", "" + port);
        Server first = start(pong), second = start(pong);
        first.stop(); // its process held the sandbox; the second server keeps it alive
        Server third = start(pong);
        assertEquals("[::1]:" + port, third.address(), "the freed address, in the same sandbox as the second: " + third.stderr());
        assertEquals("pong from [fe80::1]:" + port, exec(tool("sandbox", "--", "sh", "-c", "nc [fe80::1]%lo " + port + " || nc fe80::1%lo " + port)).out().strip());
        assertTrue(second.listening());
    }

    @Test
    void theLastOneOutRemovesTheSandboxsStateFolder() throws Exception {
        assumeNamespaces();
        Path mine = STATE.resolve("localhost-lab-" + USER_ID);
        Server server = start(tool("pong", "--sandbox", "article", "--exit-with-stdin", "--port", "" + freePort()));
        assertTrue(server.listening(), server.stderr());
        assertTrue(Files.isDirectory(mine.resolve("article")), "the shared sandbox keeps its state there while it lives");
        server.stop();
        assertFalse(settled(() -> Files.exists(mine), exists -> !exists), "nothing left in the temp folder: " + mine);
    }

    @Test
    void toolsStartedAllAtOnceShareTheSandboxAndTheLastOneOutCleansUp() throws Exception {
        assumeNamespaces();
        Path mine = STATE.resolve("localhost-lab-" + USER_ID);
        List<java.util.concurrent.CompletableFuture<Result>> runs = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        for (int i = 0; i < 12; i++) runs.add(java.util.concurrent.CompletableFuture.supplyAsync(
                () -> exec(tool("resolve", "--sandbox", "article", "--list")), pool));
        pool.shutdown();
        for (var run : runs) {
            Result r = run.join();
            assertEquals(List.of("::1", "fe80::1", "127.0.0.1"), r.lines(), r.err()); // each joined or made the article's sandbox
        }
        assertFalse(settled(() -> Files.exists(mine), exists -> !exists), "nothing left in the temp folder: " + mine);
    }

    @Test
    void theHintNamesTheJBangCommandThatRunsHere() throws Exception {
        assumeNamespaces();
        if (lab.Tools.find("jbang").isEmpty()) {
            Result kit = exec(tool("resolve", "--sandbox", "article"));
            assertTrue(kit.err().contains("(`./jbang resolve@catalog --sandbox article` says what is exact)"), kit.err());
        }
        Path bin = temporaryFolder("lab-bin");
        Files.createSymbolicLink(bin.resolve("jbang"), ROOT.resolve("jbang")); // JBang installed on PATH
        Result installed = exec(Map.of("PATH", bin + ":" + System.getenv("PATH")), tool("resolve", "--sandbox", "article"));
        assertTrue(installed.err().contains("(`jbang resolve@catalog --sandbox article` says what is exact)"), installed.err());
    }

    @Test
    void sigkillOfTheLauncherLeavesNothingInTheSandbox() throws Exception {
        assumeNamespaces();
        int port = freePort();
        Server server = start(tool("pong", "--sandbox", "article", "--exit-with-stdin", "--port", "" + port));
        assertTrue(server.listening(), server.stderr());
        List<ProcessHandle> inside = server.process.descendants().toList();
        assertFalse(inside.isEmpty(), "the launcher runs pong (and the sandbox's holder) as children");
        sigkillLeavesNothing(server, inside);
    }

    @Test
    void theRunInsideKeepsTheLaunchersJvmTuning() throws Exception {
        assumeNamespaces();
        int port = freePort();
        // Without play's C1-only and serial GC inside, the article-mode lab took twice the CPU.
        // Pong's own options hold C1 only already: the serial GC, which it has not, shows what is passed on.
        Server server = start(tool("pong", List.of("-XX:+UseSerialGC"), "--sandbox", "article", "--exit-with-stdin", "--port", "" + port));
        assertTrue(server.listening(), server.stderr());
        List<String> inside = server.process.descendants().filter(ArticleModeTest::isPong).map(LeftBehind::commandLine).toList();
        assertTrue(inside.stream().anyMatch(c -> c.contains(" -XX:+UseSerialGC ") && c.contains(" -XX:TieredStopAtLevel=1 ")), "pong inside: " + inside);
        server.stop();
    }

    @Test
    void sigkillOfTheSandboxToolKillsWhatItRuns() throws Exception {
        assumeNamespaces();
        Server tool = start(tool("sandbox", "--hosts", hostsFile("127.0.0.1 localhost").toString(), "--", "sh", "-c", "echo ready; exec sleep 300"));
        assertEquals("ready", tool.firstLine, tool.stderr());
        List<ProcessHandle> inside = once(tool, Settled::isSleep); // "ready" comes from sh just before it execs sleep
        assertTrue(inside.stream().anyMatch(Settled::isSleep), "the command runs: " + inside);
        sigkillLeavesNothing(tool, inside);
    }

    /**
     * Ctrl-C or SIGTERM of the sandbox tool in the article's shared sandbox: what it runs stops, it leaves
     * without a stack trace (its hook was the first to need the server code), and the last one out removes the state.
     */
    @Test
    void sigtermOfTheSandboxToolLeavesTheSharedSandboxWithoutATrace() throws Exception {
        assumeNamespaces();
        Path mine = STATE.resolve("localhost-lab-" + USER_ID);
        Run.Started tool = Run.started(Map.of(), tool("sandbox", "--", "sh", "-c", "echo ready; exec sleep 300"));
        try {
            List<ProcessHandle> inside = settled(() -> tool.process().descendants().filter(Settled::isSleep).toList(), l -> !l.isEmpty(), Run.HUNG);
            assertFalse(inside.isEmpty(), "the command runs in the sandbox");
            tool.process().destroy(); // SIGTERM
            Result r = tool.finish(); // all it wrote, once it has ended
            assertEquals(128 + 15, r.exit(), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertEquals(List.of(), LeftBehind.stillRunning(inside));
            assertFalse(settled(() -> Files.exists(mine), exists -> !exists), "nothing left in the temp folder: " + mine);
        } finally {
            tool.stop();
        }
    }

    @Test
    void fallbackWithoutNamespaceRightsUses127002AndSaysSo() throws Exception {
        assumeNamespaces(); // root with namespaces is what lets this test take the rights away
        int port = freePort();
        List<Server> servers = pongs(3, port, false);
        assertEquals(List.of("[::1]:" + port, "127.0.0.2:" + port, "127.0.0.1:" + port, "not listening"), addresses(servers));
        assertEquals(1, servers.get(3).exitCode(WAIT));
        assertTrue(servers.get(3).stderr().contains("Address already in use"), servers.get(3).stderr());
        String said = stderrOnceItSays(servers.get(0), "\n");
        assertTrue(said.startsWith("pong: article mode, fallback: no namespaces here (this user may not create namespaces")
                && said.contains("127.0.0.2 standing in for fe80::1"), said);
        assertEquals("pong from [::1]:" + port, Net.ask("[::1]:" + port), "on this machine's own loopback");

        Result ping = exec(withoutRights(tool("ping", "--sandbox", "article", "--port", "" + port)));
        assertEquals("pong from [::1]:" + port, ping.out().strip(), ping.err());
        Result explained = exec(withoutRights(tool("resolve", "--sandbox", "article", "--port", "" + port)));
        assertTrue(explained.out().contains("stands in  [fe80::1]:" + port + " -> 127.0.0.2:" + port), "the port asked for:\n" + explained.out());

        servers.forEach(Server::stop);
        List<String> left = settled(() -> fallbackFilesOf(servers), List::isEmpty);
        assertEquals(List.of(), left, "each server's private hosts file goes with it");
    }

    /** The fallback's private hosts files of these servers still in the temp folder. */
    private static List<String> fallbackFilesOf(List<Server> servers) {
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> servers.stream().anyMatch(s -> n.startsWith("localhost-lab-article-" + s.pid() + "-"))).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void withoutRootAUserNamespaceOfItsOwnGivesTheExactSequence() throws Exception {
        assumeNamespaces();
        assumeAnotherUserMayMakeSandboxes();
        int port = freePort();
        List<Server> servers = pongs(3, port, AnotherUser::asAnotherUser);
        assertEquals(List.of("[::1]:" + port, "[fe80::1]:" + port, "127.0.0.1:" + port, "not listening"), addresses(servers), servers.get(0).stderr());
        assertEquals(1, servers.get(3).exitCode(WAIT));
        assertTrue(servers.get(3).stderr().contains("Address already in use"), servers.get(3).stderr());
        List<ProcessHandle> inner = servers.get(0).process.descendants().filter(ArticleModeTest::isPong).toList();
        assertEquals(List.of("nobody"), inner.stream().map(h -> h.info().user().orElse("?")).distinct().toList(), "the user stays themselves inside");

        Result ping = exec(asAnotherUser(tool("ping", "--sandbox", "article", "--port", "" + port)));
        assertEquals("pong from [::1]:" + port, ping.out().strip(), ping.err());
        Result explained = exec(asAnotherUser(tool("resolve", "--sandbox", "article", "--port", "" + port)));
        assertTrue(explained.out().contains("(Linux sandbox, in a user namespace of this user's own, no root rights needed)"), explained.out());
        assertTrue(explained.out().contains("  exact      three servers on [::1]:" + port + ", [fe80::1]:" + port + " and 127.0.0.1:" + port)
                && explained.out().contains("`nc localhost " + port + "` reaching [::1]:" + port) && (port == 3000 || !explained.out().matches("(?s).*:3000(?![0-9]).*")),
                "the port asked for, throughout:\n" + explained.out());
        List<ProcessHandle> second = once(servers.get(1), ArticleModeTest::isPong);
        assertTrue(second.stream().anyMatch(ArticleModeTest::isPong), "the second launcher runs pong inside: " + second);
        sigkillLeavesNothing(servers.get(1), second);
    }

    /** A container's user often has no passwd entry: its sandbox's state folder is named and owned by its user ID. */
    @Test
    void aUserWithoutANameGetsTheArticlesSandboxToo() throws Exception {
        assumeNamespaces();
        assumeAnotherUserMayMakeSandboxes();
        Result r = exec(AnotherUser.asAUserWithoutAName(tool("resolve", "--sandbox", "article", "--list")));
        assertEquals(List.of("::1", "fe80::1", "127.0.0.1"), r.lines(), r.err());
    }

    private static boolean isPong(ProcessHandle process) {
        return LeftBehind.commandLine(process).contains(" pong ");
    }

    /**
     * A container's root without NET_ADMIN (Docker's default, and the devcontainer before it asked for it):
     * namespaces can be made but lo cannot come up there. A user namespace of its own gives every right
     * inside it, so article mode still makes the real sandbox.
     */
    @Test
    void aRootWithoutNetAdminStillMakesTheSandboxInAUserNamespace() {
        assumeNamespaces();
        assumeTrue(AnotherUser.isRoot(), "only root can drop a capability from its bounding set");
        List<String> withoutNetAdmin = new ArrayList<>(List.of("setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--"));
        assumeTrue(exec(Run.concat(withoutNetAdmin, List.of("unshare", "--map-current-user", "-n", "true"))).exit() == 0,
                "skipped: this machine gives no user namespace to a root without NET_ADMIN");
        withoutNetAdmin.addAll(tool("resolve", "--sandbox", "article", "--list"));
        Result r = exec(withoutNetAdmin);
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("::1", "fe80::1", "127.0.0.1"), r.lines(), "the real fe80::1, not the fallback's 127.0.0.2: " + r.err());
        assertTrue(r.err().startsWith("resolve: article mode: in a private Linux sandbox"), r.err());
    }

    @Test
    void noNamespaceRightsIsOneLineAndExit1ForTheSandboxTool() {
        assumeNamespaces();
        Run.oneLine(exec(withoutRights(tool("sandbox", "--", "true"))), 1,
                "sandbox: cannot make a sandbox: this user may not create namespaces (unshare -n -m: unshare: unshare failed: Operation not permitted; "
                        + "in a user namespace of its own: unshare: unshare failed: Operation not permitted); allow unprivileged user namespaces");
        Result said = exec(withoutRights(tool("sandbox", "--", "true")));
        assertTrue(said.err().strip().endsWith("(the lab itself is never run with sudo)") && !said.err().contains("run as root"),
                "the way out is never sudo, which leaves .lab/ to root: " + said.err());
        Run.oneLine(exec(withoutRights(tool("sandbox", "--hosts", hostsFile("127.0.0.1 localhost").toString(), "--", "true"))), 1,
                "cannot make a sandbox: this user may not create namespaces");
    }

    @Test
    void badSandboxOptionsAreOneLineAndExit2() {
        Run.oneLine(exec(tool("pong", "--sandbox", "mac")), 2, "unknown sandbox 'mac': the only one is 'article'");
        Path hosts = hostsFile("127.0.0.1 localhost");
        Run.oneLine(exec(tool("ping", "--sandbox", "article", "--hosts-file", hosts.toString())), 2,
                "--sandbox article brings its own hosts file; drop --hosts-file");
        Run.oneLine(exec(tool("sandbox", "--gai-conf", "/nonexistent/gai.conf")), 2, "cannot read gai.conf /nonexistent/gai.conf");
    }

    @Test
    void thePlayerInArticleModeShowsTheSequenceAndWhatIsExact() {
        assumeNamespaces();
        int port = freePort();
        Result r = exec(Map.of("LAB_PORT", "" + port),
                tool("play", "--sandbox", "article", "notebooks/04-bind-failure.ipynb", "notebooks/06-client-ordering.ipynb"));
        assertEquals(0, r.exit(), r.out() + r.err());
        String out = r.out();
        int a = out.indexOf("Listen on [::1]:" + port), b = out.indexOf("Listen on [fe80::1]:" + port), c = out.indexOf("Listen on 127.0.0.1:" + port);
        assertTrue(0 < a && a < b && b < c, "the article's order:\n" + out);
        assertTrue(out.contains("✓ the next one failed with Address already in use"), out);
        assertTrue(out.contains("localhost -> ::1\nlocalhost -> fe80::1\nlocalhost -> 127.0.0.1\n"), out);
        assertTrue(out.contains("✓ the reply came from the first address in resolver order"), out);
        assertTrue(out.contains("  exact      three servers on [::1]:" + port + ", [fe80::1]:" + port + " and 127.0.0.1:" + port)
                && out.contains("  stands in  /etc/hosts -> a private copy"), out);
        assertEquals(1, out.split("What article mode reproduces", -1).length - 1, "explained once:\n" + out);
    }
}
