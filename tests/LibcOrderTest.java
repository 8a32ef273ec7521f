package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lab.Sandbox;
import lab.Servers.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/**
 * Steps 7 and 8 on Linux, for libc programs: a private /etc/hosts and /etc/gai.conf in
 * a sandbox. Python's getaddrinfo is the independent reference; the kit's
 * `resolve --list` (Java in the OS order) must agree with it, and nc and curl
 * are run for real.
 */
class LibcOrderTest extends Kit {
    private static final Path V6_FIRST = hostsFile("::1 localhost", "127.0.0.1 localhost");
    private static final Path V4_FIRST = hostsFile("127.0.0.1 localhost", "::1 localhost");

    @BeforeEach
    void needsNamespaces() {
        assumeNamespaces();
    }

    /** localhost's addresses inside a fresh sandbox, per libc (Python) and per the kit; both must agree. */
    private static List<String> libcOrder(Sandbox.Spec spec) {
        try (Sandbox box = Sandbox.start(spec)) {
            Result libc = exec(box.inside(List.of("python3", ROOT.resolve("tests/getaddrinfo.py").toString(), "localhost")));
            assertEquals(0, libc.exit(), libc.err());
            Result kit = exec(box.inside(tool("resolve", "--list")));
            assertEquals(0, kit.exit(), kit.err());
            assertEquals(libc.lines(), kit.lines(), "the kit's OS order is getaddrinfo's order");
            return libc.lines();
        }
    }

    @Test
    void glibcSortsByRfc6724WhateverTheLineOrder() {
        assertEquals(List.of("::1", "127.0.0.1"), libcOrder(Sandbox.Spec.hosts(V6_FIRST)));
        assertEquals(List.of("::1", "127.0.0.1"), libcOrder(Sandbox.Spec.hosts(V4_FIRST)), "reordering the lines changed nothing");
    }

    @Test
    void gaiConfChangesTheOrder() {
        Path ipv4Up = hostsFile("precedence ::ffff:0:0/96 100");
        assertEquals(List.of("127.0.0.1", "::1"), libcOrder(Sandbox.Spec.hosts(V6_FIRST).withGaiConf(ipv4Up)));
    }

    @Test
    void oneGaiConfLineReplacesTheWholeTable() {
        // 45 is below ::1's default 50, but with its own table ::1 falls to the catch-all ::/0 at 40.
        Path ipv4At45 = hostsFile("precedence ::ffff:0:0/96 45");
        assertEquals(List.of("127.0.0.1", "::1"), libcOrder(Sandbox.Spec.hosts(V6_FIRST).withGaiConf(ipv4At45)));
        // The same value beside the rest of the default table keeps ::1 first.
        Path fullTable = hostsFile("precedence ::1/128 50", "precedence ::/0 40", "precedence ::ffff:0:0/96 45",
                "precedence 2002::/16 30", "precedence ::/96 20");
        assertEquals(List.of("::1", "127.0.0.1"), libcOrder(Sandbox.Spec.hosts(V6_FIRST).withGaiConf(fullTable)));
    }

    /**
     * Fedora ships no /etc/gai.conf, and the lab creates nothing in the real /etc: step 8's gai.conf cells
     * say so (≠, tagged machine-dependent), and its exercise checks the line's form. Played where /etc is
     * an overlay, in a mount namespace of its own, that hides gai.conf.
     */
    @Test
    void withoutEtcGaiConfAsOnFedoraStep8SaysWhyAndItsExerciseChecksTheForm() throws Exception {
        assumeTrue(Sandbox.rights().equals("as root"), "skipped: an overlay on /etc needs root");
        Path scratch = temporaryFolder("lab-no-gai"), real = Path.of("/etc/gai.conf");
        byte[] before = Files.exists(real) ? Files.readAllBytes(real) : null;
        Result probe = exec(withoutGaiConf(scratch, List.of("sh", "-c", "test ! -e /etc/gai.conf")));
        assumeTrue(probe.exit() == 0, () -> "skipped: no overlay on /etc here: " + probe.err().strip());
        Map<String, String> strict = Map.of("LAB_STRICT", "1", "LAB_PORT", "" + freePort());
        Result played = exec(strict, withoutGaiConf(scratch, tool("play", "notebooks/08-address-sorting.ipynb")));
        assertEquals(0, played.exit(), played.out() + played.err());
        assertTrue(played.out().contains("≠ skipped: cannot make a sandbox: this machine has no /etc/gai.conf"), played.out());
        assertFalse(played.out().contains("✗") || played.out().contains("[] and []"), played.out());

        Path mine = temporaryFolder("my-notebooks");
        Path notebook = ROOT.resolve("notebooks/08-address-sorting.ipynb");
        Files.writeString(mine.resolve(notebook.getFileName()), ExercisesTest.solved(notebook));
        Result verified = exec(strict, withoutGaiConf(scratch,
                tool("exercises", "verify", "08-gai-ipv4-first", "--notebooks", mine.toString())));
        assertEquals(0, verified.exit(), verified.out() + verified.err());
        assertTrue(verified.out().contains("checking its form") && verified.out().contains("✓ 08-gai-ipv4-first"), verified.out());
        assertArrayEquals(before, Files.exists(real) ? Files.readAllBytes(real) : null, "the real /etc/gai.conf is untouched");
    }

    /**
     * {@code command} where /etc has no gai.conf: an overlay whose upper layer deletes it (a whiteout).
     * The layers are on a tmpfs of the same private mount namespace (an overlay cannot be Docker's
     * upper layer), so they go with it, and nothing is written in {@code scratch} itself.
     */
    private static List<String> withoutGaiConf(Path scratch, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "--", "sh", "-c",
                "set -e; mount -t tmpfs tmpfs \"$1\"; mkdir \"$1/up\" \"$1/work\"; mknod \"$1/up/gai.conf\" c 0 0;"
                        + " mount -t overlay overlay -o \"lowerdir=/etc,upperdir=$1/up,workdir=$1/work\" /etc; shift; exec \"$@\"",
                "sh", scratch.toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    @Test
    void glibcDropsScopedLinesThatJavaKeeps() {
        Path mac = hostsFile("::1 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");
        List<String> libc = libcOrder(Sandbox.Spec.hosts(mac).withAddress("fe80::1/64"));
        assertEquals(List.of("::1", "127.0.0.1"), libc);
        Result java = exec(tool("resolve", "--list", "--hosts-file", mac.toString()));
        assertEquals(List.of("::1", "fe80::1", "127.0.0.1"), java.lines(), java.err());
    }

    @Test
    void serversRestartedUnderANewGaiConfBindInTheNewOrderAndNcFollows() throws Exception {
        int port = freePort();
        Path ipv4Up = hostsFile("precedence ::ffff:0:0/96 100");
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(V6_FIRST).withGaiConf(ipv4Up))) {
            List<String> pong = tool("pong", "--exit-with-stdin", "--port", "" + port);
            Server first = start(box.inside(pong)), second = start(box.inside(pong));
            assertEquals(List.of("127.0.0.1:" + port, "[::1]:" + port), List.of(first.address(), second.address()));
            Result nc = exec(box.inside(List.of("nc", "-v", "localhost", "" + port)));
            assertEquals("pong from 127.0.0.1:" + port, nc.out().strip(), nc.err());
            assertTrue(nc.err().contains("(127.0.0.1) " + port + " port"), nc.err());
        }
    }

    @Test
    void curlIgnoresTheHostsFileForLocalhost() throws Exception {
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(hostsFile("127.0.0.2 localhost")))) {
            Server server = start(box.inside(tool("pong", "--exit-with-stdin", "--port", "" + port)));
            assertEquals("127.0.0.2:" + port, server.address(), "pong follows the sandbox's /etc/hosts");
            Result nc = exec(box.inside(List.of("nc", "localhost", "" + port)));
            assertEquals("pong from 127.0.0.2:" + port, nc.out().strip(), "nc follows it too: " + nc.err());
            Result curl = exec(box.inside(List.of("curl", "-sv", "--http0.9", "http://localhost:" + port + "/")));
            assertEquals(7, curl.exit(), "curl could not connect: " + curl.err());
            assertTrue(curl.err().contains("Trying 127.0.0.1:" + port), curl.err());
            assertFalse(curl.err().contains("127.0.0.2"), "curl never tried the hosts file's address: " + curl.err());
        }
    }
}
