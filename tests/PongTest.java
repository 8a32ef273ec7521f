package tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import lab.Lifelines;
import lab.Listeners;
import lab.Servers.Server;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.StartedServers.foreignListener;
import static tests.StartedServers.pong;
import static tests.TempFiles.hostsFile;

/** Steps 1-4: one server per address of localhost, in resolver order, then "Address already in use". */
@Tag("fast")
class PongTest extends Kit {

    @Test
    void bindsOneServerPerAddressInResolverOrderThenFails() throws Exception {
        int port = freePort();
        Path hosts = hostsFile("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost");
        List<String> order = javaResolves(hosts, "system", "localhost");
        assertEquals(List.of("::1", "127.0.0.2", "127.0.0.1"), order, "a private hosts file keeps its order in Java");

        List<Server> servers = new ArrayList<>();
        for (String address : order) {
            Server s = pong("--hosts-file", hosts.toString(), "--port", "" + port);
            assertTrue(s.listening(), "server " + (servers.size() + 1) + " should listen: " + s.stderr());
            assertEquals(withPort(address, port), s.address());
            servers.add(s);
        }

        Server next = pong("--hosts-file", hosts.toString(), "--port", "" + port);
        assertEquals(1, next.exitCode(WAIT));
        List<String> errors = next.stderr().lines().toList();
        assertEquals(1, errors.size(), "one line: " + errors);
        String line = errors.get(0);
        assertTrue(line.contains("Address already in use") && line.contains("localhost:" + port), line);
        for (int i = 0; i < order.size(); i++) {
            String address = withPort(order.get(i), port);
            assertTrue(line.contains(address + " (held by pong (pid " + servers.get(i).pid() + "))"), line);
        }
    }

    @Test
    void aServerStartedFromAShellGoesWithTheShellEvenOnSigkill() throws Exception {
        assumeTrue(!Lifelines.hangupIgnored(), "skipped: this run ignores SIGHUP (nohup), and so would pong, on purpose");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" & echo $!; wait", "sh"));
        command.addAll(Scripts.tool("pong", "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port));
        Process shell = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle server = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            server = ProcessHandle.of(Long.parseLong(out.readLine().strip())).orElseThrow();
            assertEquals("Listen on 127.0.0.1:" + port, out.readLine());
            shell.destroyForcibly(); // SIGKILL, as a killed `make pong` or terminal: no signal reaches pong
            assertEquals(List.of(), LeftBehind.listenersOnceGone(port), "the port is free again");
            assertEquals(List.of(), LeftBehind.stillRunning(List.of(server)), "the server went with its shell");
        } finally {
            shell.destroyForcibly().waitFor();
            if (server != null) server.destroyForcibly(); // by PID, only if the test failed
        }
    }

    /** A busy laptop may start a server slower than the wait for its first line: a second wait still takes that line. */
    @Test
    void aServerSlowerThanTheWaitIsStillWaitedForOnce() {
        Server slow = StartedServers.start(List.of("sh", "-c", "sleep 4; echo Listen on slowly; exec cat"), Duration.ofSeconds(3));
        assertEquals("Listen on slowly", slow.firstLine);
        java.io.UncheckedIOException never = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                () -> StartedServers.start(List.of("sh", "-c", "exec cat >/dev/null"), Duration.ofMillis(300)));
        assertEquals("no output from sh within PT0.6S: ", never.getCause().getMessage());
    }

    @Test
    void aServerWhoseShellWentWhileJBangStartedItDoesNotRunOn() throws Exception {
        assumeTrue(!Lifelines.hangupIgnored(), "skipped: this run ignores SIGHUP (nohup), and so would pong, on purpose");
        int port = freePort();
        // `; :` keeps sh as ./jbang's parent; with no launch cache, JBang's own JVM runs before pong does.
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\"; :", "sh", ROOT.resolve("jbang").toString(), "pong@catalog",
                "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port));
        Path err = TempFiles.temporaryFolder("lab-pong").resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectError(err.toFile());
        builder.environment().put("LAB_LAUNCH_CACHE", "off");
        Process shell = builder.start();
        List<ProcessHandle> started = List.of();
        try {
            ProcessHandle jbang = jbangOf(shell);
            // Held still until the shell is gone, or a quick JBang could start pong under the live shell.
            assertEquals(0, exec(List.of("kill", "-STOP", "" + jbang.pid())).exit());
            ProcessHandle launcher = shell.children().findFirst().orElseThrow(); // pong, once JBang is done
            started = shell.descendants().toList(); // to kill by PID if the test fails: they are init's once the shell is gone
            shell.destroyForcibly().waitFor(); // gone before pong could watch it: pong starts under init
            assertEquals(0, exec(List.of("kill", "-CONT", "" + jbang.pid())).exit());
            jbang.onExit().get(2, TimeUnit.MINUTES); // a cold JBang may build pong first
            assertEquals(List.of(), LeftBehind.stillRunning(List.of(launcher)), "pong saw that its shell was gone, and went");
            assertEquals(List.of(), LeftBehind.listenersOnceGone(port), "the port is free");
            String said = Files.readString(err);
            assertTrue(said.contains("pong: what ran it (pid " + shell.pid() + ") has ended, so it ends too"), said);
        } finally { // by PID, only if the test failed
            List<ProcessHandle> all = new ArrayList<>(started);
            all.addAll(shell.descendants().toList());
            shell.destroyForcibly().waitFor();
            all.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** JBang's own JVM under {@code shell}, once ./jbang starts it: it may wait first while other tests build. */
    private static ProcessHandle jbangOf(Process shell) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline && shell.isAlive()) {
            Optional<ProcessHandle> jbang = shell.descendants().filter(PongTest::isJBang).findFirst();
            if (jbang.isPresent()) return jbang.get();
            Thread.sleep(50);
        }
        throw new AssertionError("./jbang never started JBang");
    }

    private static boolean isJBang(ProcessHandle p) {
        return Listeners.commandLine(p.pid()).map(a -> a.contains("dev.jbang.Main")).orElse(false); // its class path passes 4,096 bytes
    }

    @Test
    void repliesNameTheBoundAddress() {
        int port = freePort();
        Path hosts = hostsFile("127.0.0.3 localhost", "::1 localhost");
        for (int i = 0; i < 2; i++) {
            Server s = pong("--hosts-file", hosts.toString(), "--port", "" + port);
            assertEquals("pong from " + s.address(), Net.ask(s.address()));
        }
    }

    @Test
    void aRepeatedAddressCountsOnce() throws Exception {
        int port = freePort();
        Path hosts = hostsFile("127.0.0.1 localhost", "::1 localhost", "127.0.0.1 localhost");
        assertTrue(pong("--hosts-file", hosts.toString(), "--port", "" + port).listening());
        assertTrue(pong("--hosts-file", hosts.toString(), "--port", "" + port).listening());
        Server third = pong("--hosts-file", hosts.toString(), "--port", "" + port);
        assertEquals(1, third.exitCode(WAIT), third.stderr());
    }

    @Test
    void namesTheHolderWhenAnotherProgramHasThePort() throws Exception {
        int port = freePort();
        Server other = foreignListener(port);
        Server pong = pong("--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port);
        assertEquals(1, pong.exitCode(WAIT));
        String line = pong.stderr().strip();
        assertTrue(line.contains("Address already in use") && line.contains("(pid " + other.pid() + ")")
                && line.contains("python3"), line);
    }

    /** What a JVM with this hosts file and preferIPv6Addresses setting resolves {@code name} to. */
    static List<String> javaResolves(Path hosts, String preferIpv6, String name) {
        List<String> options = new ArrayList<>(List.of("-Djdk.net.hosts.file=" + hosts));
        if (preferIpv6 != null) options.add("-Djava.net.preferIPv6Addresses=" + preferIpv6);
        Result r = exec(lab.Servers.javaCommand(System.getProperty("java.class.path"), options, "tests.PrintAddresses", List.of(name)));
        assertEquals(0, r.exit(), r.err());
        return r.lines();
    }

    static String withPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
