package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import lab.Sandbox;
import lab.Servers.Server;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Run.oneLine;
import static tests.Scripts.tool;
import static tests.StartedServers.foreignListener;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/** Bad input gets one clear line, no stack trace, and exit 2 (usage) or 1 (runtime). */
@Tag("fast")
class BadInputTest extends Kit {
    @ParameterizedTest
    @ValueSource(strings = {"pong", "ping", "listeners", "resolve"})
    void unknownOption(String tool) {
        oneLine(exec(tool(tool, "--bogus")), 2, "Unknown option: '--bogus'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pong", "ping", "listeners", "resolve"})
    void portThatIsNotANumber(String tool) {
        oneLine(exec(tool(tool, "--port", "abc")), 2, "'abc' is not a port number (1-65535)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "-1"})
    void portOutOfRange(String port) {
        oneLine(exec(tool("pong", "--port", port)), 2, port + " is out of range (1-65535)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pong", "ping", "resolve"})
    void unresolvableHost(String tool) {
        Path hosts = hostsFile("127.0.0.1 localhost");
        oneLine(exec(tool(tool, "--hosts-file", hosts.toString(), "--host", "nowhere.invalid")), 2, "lists no address for 'nowhere.invalid'");
    }

    /** Java resolves an empty name to a loopback address: the tools refuse it, as the doctor does. */
    @ParameterizedTest
    @ValueSource(strings = {"pong", "ping", "resolve"})
    void emptyHost(String tool) {
        oneLine(exec(tool(tool, "--host", "", "--port", "" + freePort())), 2, "'' is not a host name");
    }

    /**
     * A PATH folder whose name Java cannot hold (non-ASCII, in a shell with no locale: env -i) is skipped
     * when the kit looks for setpriv, nc or jbang, not a trace at start-up.
     */
    @Test
    void aPathFolderJavaCannotNameIsSkipped() {
        // From JDK 19 this JVM would write the name in its own encoding: in UTF-8 only, "ü" reaches env as it is.
        assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "skipped: this JVM does not pass file names as UTF-8");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/nonexistent/über:" + System.getenv("PATH")));
        command.addAll(tool("ping", "--port", "" + port));
        Result r = exec(command);
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("ping: nothing answered on localhost:" + port) && !r.err().contains("Exception"), r.err());
    }

    @Test
    void unreadableHostsFile() {
        oneLine(exec(tool("pong", "--hosts-file", "/nonexistent/hosts")), 2, "cannot read hosts file /nonexistent/hosts");
    }

    @Test
    void nonLoopbackHostNeedsTheFlag() {
        // 192.0.2.0/24 is reserved for documentation: no machine has it, nothing is sent there.
        Path hosts = hostsFile("192.0.2.10 faraway");
        oneLine(exec(tool("pong", "--hosts-file", hosts.toString(), "--host", "faraway")), 2,
                "'faraway' gives 192.0.2.10, not a loopback address; the lab stays on loopback (add --allow-non-loopback to bind it anyway)");
        oneLine(exec(tool("ping", "--hosts-file", hosts.toString(), "--host", "faraway")), 2, "the lab only talks to loopback");

        Result allowed = exec(tool("pong", "--hosts-file", hosts.toString(), "--host", "faraway", "--allow-non-loopback", "--port", "" + freePort()));
        assertEquals(1, allowed.exit(), allowed.err());
        assertTrue(allowed.err().startsWith("warning: 'faraway' gives 192.0.2.10, not a loopback address"), allowed.err());
    }

    @Test
    void wildcardIsNotLoopback() {
        oneLine(exec(tool("pong", "--host", "0.0.0.0", "--port", "" + freePort())), 2, "not a loopback address");
    }

    @Test
    void privilegedPortWithoutTheRights() throws Exception {
        List<String> command = new ArrayList<>(withoutTheRightToBindPort80());
        command.addAll(tool("pong", "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "80"));
        oneLine(exec(command), 2, "port 80 is privileged: binding it needs root or CAP_NET_BIND_SERVICE; pick a port from 1024 up");
    }

    /** What to run a command under so that it may not bind port 80 (for root: a user namespace); skips where anyone may. */
    static List<String> withoutTheRightToBindPort80() throws java.io.IOException {
        // Read with a buffer: some kernels answer a 1-byte read of a sysctl, as Files.readString does, with 1 byte only.
        String start = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).get(0).trim();
        assumeTrue(Integer.parseInt(start) > 80, "this machine lets anyone bind port 80 (ip_unprivileged_port_start=" + start + ")");
        if (!AnotherUser.isRoot()) return List.of();
        // Root may bind it, so drop the right: in a new user namespace we hold no capability on this network.
        assumeTrue(Sandbox.unavailable().isEmpty(), "cannot drop root's rights here: " + Sandbox.unavailable().orElse(""));
        return List.of("unshare", "-U", "--");
    }

    @Test
    void aLoopbackThatIsDownStopsThePlayerAndTheChecksBeforeAnyCell() throws Exception {
        // A new network namespace starts with its loopback down, as a bare `unshare -n` leaves it.
        List<String> down = AnotherUser.isRoot() ? List.of("unshare", "-n", "--") : List.of("unshare", "-r", "-n", "--");
        Result can = exec(Run.concat(down, List.of("true")));
        assumeTrue(can.exit() == 0, "cannot make a network namespace here: " + can.err());
        Result play = exec(Run.concat(down, tool("play", "notebooks/01-single-server.ipynb")));
        oneLine(play, 1, "play: this machine's loopback interface is down");
        assertFalse(play.out().contains("══════"), "no cell runs: " + play.out());
        Path mine = temporaryFolder("lab-mine");
        Result verify = exec(Map.of("MY_NOTEBOOKS", mine.toString()), Run.concat(down, tool("exercises", "verify")));
        oneLine(verify, 1, "exercises: this machine's loopback interface is down");
        assertEquals("", verify.out(), "no notebook runs, no copy is made");
    }

    @Test
    void portTakenByAProgramOutsideTheLab() throws Exception {
        int port = freePort();
        Server other = foreignListener(port);
        oneLine(exec(tool("pong", "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port)), 1,
                "127.0.0.1:" + port + " (held by python3 (pid " + other.pid() + "))");
    }

    /** Files Java would quietly ignore, answering "localhost" with its own ::1 instead. */
    @Test
    void aHostsFileJavaWouldIgnoreIsOneLineAndExit2() throws Exception {
        Path dir = temporaryFolder("lab-bad-hosts");
        Path empty = Files.writeString(dir.resolve("empty"), "");
        Path binary = Files.write(dir.resolve("binary"), new byte[] {0x7f, 'E', 'L', 'F', 0, 1, 2, (byte) 0xff});
        Path onlyComments = Files.writeString(dir.resolve("comments"), "# nothing here\n\n");
        Path noLocalhost = Files.writeString(dir.resolve("other"), "127.0.0.1 other\n");
        for (String tool : List.of("pong", "ping", "resolve")) {
            oneLine(exec(tool(tool, "--hosts-file", empty.toString())), 2, "hosts file " + empty + " lists no address");
            oneLine(exec(tool(tool, "--hosts-file", onlyComments.toString())), 2, "hosts file " + onlyComments + " lists no address");
            oneLine(exec(tool(tool, "--hosts-file", binary.toString())), 2, "hosts file " + binary + " is not a text file");
            oneLine(exec(tool(tool, "--hosts-file", dir.toString())), 2, "hosts file " + dir + " is a folder, not a file");
            oneLine(exec(tool(tool, "--hosts-file", noLocalhost.toString())), 2, "hosts file " + noLocalhost + " lists no address for 'localhost'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "soon"})
    void pingTimeoutMustBeAPositiveNumber(String timeout) {
        Result r = exec(tool("ping", "--timeout", timeout, "--port", "" + freePort()));
        oneLine(r, 2, timeout.equals("soon") ? "Invalid value for option '--timeout'" : "--timeout must be at least 1 ms, not " + timeout);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"cells\": 5}", "{\"cells\": [3]}", "{\"cells\": [{\"source\": \"1\"}]}", "[]", "not json"})
    void aFileThatIsNotANotebookIsNamedInOneLineAndExit2(String text) throws Exception {
        Path file = temporaryFolder("lab-bad").resolve("bad.ipynb");
        Files.writeString(file, text);
        Result r = exec(Map.of("LAB_PORT", "" + freePort()), tool("play", file.toString()));
        oneLine(r, 2, file + " is not a notebook");
        assertEquals("", r.out(), "nothing was played, nor said before the line");
    }

    /** A device or a pipe named as a file: /dev/zero filled the memory with a stack trace, a FIFO hung the tool. */
    @Test
    void aDeviceOrAPipeGivenAsAFileIsOneLineAndExit2() throws Exception {
        Path fifo = temporaryFolder("lab-fifo").resolve("hosts");
        assertEquals(0, exec(List.of("mkfifo", fifo.toString())).exit());
        for (Path notAFile : List.of(Path.of("/dev/zero"), fifo)) {
            oneLine(exec(tool("resolve", "--hosts-file", notAFile.toString())), 2, "hosts file " + notAFile + " is not a regular file");
            oneLine(exec(tool("play", notAFile.toString())), 2, "notebook " + notAFile + " is not a regular file");
            oneLine(exec(tool("handout", "--no-pdf", "--template", notAFile.toString())), 2, "template " + notAFile + " is not a regular file");
        }
        oneLine(exec(tool("sandbox", "--hosts", "/dev/zero", "--", "true")), 2, "/dev/zero is not a regular file");
    }

    /** "@FILE" is an argument as typed: picocli read FILE into the command line (a device hung it) and echoed its lines. */
    @Test
    void anAtFileArgumentIsNotRead() {
        Result r = exec(tool("resolve", "@/etc/passwd"));
        oneLine(r, 2, "Unmatched argument at index 0: '@/etc/passwd'");
        assertFalse(r.err().contains("root:"), r.err());
    }

    @Test
    void aNewlineTypedIntoAnOptionStaysOnOneLine() {
        oneLine(exec(tool("resolve", "--host", "x\ny")), 2, "cannot resolve host 'x\\ny'");
    }

    /** 0.0.0.0 and :: are where a server listens: clients differ on them (Java goes to its host's address), and no URL should hold them. */
    @Test
    void theDoctorRefusesAWildcardAsTheHostToConnectTo() {
        for (String host : List.of("0.0.0.0", "::", "[::]")) {
            oneLine(exec(tool("doctor", "--port", "" + freePort(), "--host", host)), 2, host + " is where a server listens (every address)");
        }
        oneLine(exec(tool("doctor", "--port", "" + freePort(), "--host", " ")), 2, "' ' is not a host name");
    }

    @Test
    void theDoctorTakesAnAddressThatIsNoneAsAHostItCannotResolve() {
        for (String host : List.of("999.1.1.1", ":::::")) {
            oneLine(exec(tool("doctor", "--port", "" + freePort(), "--host", host)), 2, "cannot resolve host '" + host + "'");
        }
    }

    @Test
    void theHandoutsFilesAndFolderAreCheckedInOneLine() throws Exception {
        Path dir = temporaryFolder("lab-bad-handout");
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path notJson = Files.writeString(dir.resolve("not.ipynb"), "x"), noCells = Files.writeString(dir.resolve("empty.ipynb"), "{}");
        for (Path notebook : List.of(notJson, noCells, Path.of("/etc/passwd"))) {
            oneLine(exec(tool("handout", "--no-pdf", "--out", dir.resolve("out").toString(), "--notebook", notebook.toString())), 2,
                    notebook + " is not a notebook");
        }
        oneLine(exec(tool("handout", "--no-pdf", "--out", dir.toString(), "--template", "/usr/bin/env")), 2, "template /usr/bin/env is not a text file");
        for (Path out : List.of(file, file.resolve("sub"))) {
            oneLine(exec(tool("handout", "--no-pdf", "--out", out.toString())), 2, "cannot make the folder --out " + out + ": a file is in the way");
        }
        // A folder the system will not make (no file in the way): a runtime failure, with the system's reason.
        oneLine(exec(tool("handout", "--no-pdf", "--out", "/proc/lab-handout")), 1, "cannot make the folder --out /proc/lab-handout: the system refused");
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void aSandboxTakesFilesAndPrefixesThatFit() throws Exception {
        Path hosts = hostsFile("127.0.0.1 localhost");
        oneLine(exec(tool("sandbox", "--hosts", hosts.getParent().toString(), "--", "true")), 2, "hosts file " + hosts.getParent() + " is a folder, not a file");
        for (String cidr : List.of("fe80::1/129", "127.0.0.2/33", "fe80::1/999")) {
            oneLine(exec(tool("sandbox", "--hosts", hosts.toString(), "--address", cidr, "--", "true")), 2,
                    "'" + cidr + "' is not an address with a prefix length");
        }
    }

    @Test
    void aBadLabPortIsNamedOnceAndExit2() {
        Result r = exec(Map.of("LAB_PORT", "abc"), tool("play", "notebooks/01-single-server.ipynb"));
        oneLine(r, 2, "LAB_PORT=abc: 'abc' is not a port number (1-65535)");
        assertEquals("", r.out(), "no cell ran");
    }
}
