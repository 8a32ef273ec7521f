package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import lab.Sandbox;
import lab.Servers.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.LeftBehind.sigkillLeavesNothing;
import static tests.Scripts.tool;
import static tests.Settled.once;
import static tests.Settled.stderrOnceItSays;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;

/**
 * Linux: pong inside `unshare -n -m` with a private /etc/hosts, beside a libc server
 * (tests/article_server.py) and without IPv6, and what Lab.exec runs there. The real
 * /etc/hosts is never touched; each namespace has its own lo and its own copy.
 */
class NamespaceTest extends Kit {

    @BeforeEach
    void needsNamespaces() {
        assumeNamespaces();
    }

    /** Starts servers in the sandbox until one fails, and returns their addresses, then the failure's exit code. */
    private static List<String> startUntilFailure(Sandbox box, List<String> server, int max) throws Exception {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i <= max; i++) {
            Server s = start(box.inside(server));
            if (!s.listening()) {
                seen.add("exit " + s.exitCode(WAIT));
                return seen;
            }
            assertEquals("pong from " + s.address(), Net.askInside(box, s.address()), "reply inside the namespace");
            seen.add(s.address());
        }
        return seen;
    }

    @Test
    void pongBindsWhatTheArticlesServerBinds() throws Exception {
        // Lines in an order glibc will re-sort (RFC 3484's table puts ::1 first).
        Path hosts = hostsFile("127.0.0.1 localhost", "127.0.0.2 localhost", "::1 localhost");
        int port = freePort();
        List<String> libc, java;
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hosts))) {
            libc = startUntilFailure(box, List.of("python3", ROOT.resolve("tests/article_server.py").toString(), "localhost", "" + port), 5);
        }
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hosts))) {
            java = startUntilFailure(box, tool("pong", "--exit-with-stdin", "--port", "" + port), 5);
        }
        assertEquals(4, libc.size(), "three servers, then a failure: " + libc);
        assertEquals("exit 1", libc.get(3));
        assertEquals(libc, java, "pong and the libc server bind the same addresses in the same order");
    }

    @Test
    void threeServersTakeTheArticlesThreeAddressesInOrderAndTheFourthFails() throws Exception {
        // The article's Mac: ::1, fe80::1 on the loopback, 127.0.0.1, in that order.
        Path hosts = hostsFile("::1 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hosts).withAddress("fe80::1/64"))) {
            List<String> seen = startUntilFailure(box, tool("pong", "--exit-with-stdin", "--hosts-file", hosts.toString(), "--port", "" + port), 5);
            assertEquals(List.of("[::1]:" + port, "[fe80::1]:" + port, "127.0.0.1:" + port, "exit 1"), seen);
        }
    }

    @Test
    void missingIpv6IsSaidAndSkipped() throws Exception {
        Path hosts = hostsFile("::1 localhost", "127.0.0.1 localhost");
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hosts).withoutIpv6())) {
            List<String> pong = tool("pong", "--exit-with-stdin", "--hosts-file", hosts.toString(), "--port", "" + port);
            Server first = start(box.inside(pong));
            assertTrue(first.listening(), first.stderr());
            assertEquals("127.0.0.1:" + port, first.address());
            String skipping = "skipping [::1]:" + port + ": IPv6 is not set up on this machine's loopback";
            assertTrue(stderrOnceItSays(first, skipping).contains(skipping), first.stderr());

            Server second = start(box.inside(pong));
            assertEquals(1, second.exitCode(WAIT));
            String last = second.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.contains("[::1]:" + port + " (IPv6 is not set up on this machine's loopback)")
                    && last.contains("127.0.0.1:" + port + " (held by pong (pid " + first.pid() + "))"), last);
            assertFalse(second.stderr().contains("Exception"), second.stderr());
        }
    }

    /** Lab.freePort probes [::], both families at once: where IPv6 is off that bind may fail, and every exercise check failed so. */
    @Test
    void withoutIpv6ACellStillGetsAFreePort() throws Exception {
        Path notebook = TempFiles.temporaryFolder("lab-no-ipv6").resolve("free-port.ipynb");
        Files.writeString(notebook, """
                {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
                  "source": "System.out.println(\\"a free port: \\" + (Lab.freePort() > 0));"}],
                 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
                """);
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hostsFile("::1 localhost", "127.0.0.1 localhost")).withoutIpv6())) {
            Run.Result r = Run.exec(box.inside(tool("play", notebook.toString())));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("a free port: true"), r.out());
        }
    }

    @Test
    void whatLabExecRunsDiesWithTheProgramThatRanIt() throws Exception {
        Server cell = start(lab.Servers.javaCommand(System.getProperty("java.class.path"), List.of(), "tests.ExecInSandbox",
                List.of("sleep", "300")));
        assertEquals("ready", cell.firstLine, cell.stderr());
        List<ProcessHandle> inside = once(cell, Settled::isSleep);
        assertTrue(inside.stream().anyMatch(Settled::isSleep), "Lab.exec runs the command: " + inside);
        sigkillLeavesNothing(cell, inside);
    }
}
