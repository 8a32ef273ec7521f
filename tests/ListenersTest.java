package tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import lab.Lifelines;
import lab.Listeners;
import lab.OperatingSystem;
import lab.Servers.Server;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.pong;
import static tests.StartedServers.pongs;
import static tests.TempFiles.hostsFile;

/** Step 5: every server's PID and address, dual-stack ones included. */
@Tag("fast")
class ListenersTest extends Kit {

    /**
     * The native command each system's reader is shown, by the os.name its JDK reports: the kit's
     * one reading of os.name ("Darwin" holds "win").
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"Linux, LINUX, ss -ltnp", "Mac OS X, MACOS, lsof -nP", "Darwin, MACOS, lsof -nP",
            "Windows 11, WINDOWS, netstat -ano", "Windows Server 2022, WINDOWS, netstat -ano"})
    void eachSystemIsToldItsOwnNativeCommand(String osName, OperatingSystem kind, String command) {
        assertEquals(kind, OperatingSystem.of(osName));
        assertTrue(Listeners.nativeCommand(osName, 3000).startsWith(command), Listeners.nativeCommand(osName, 3000));
    }

    @Test
    void findsEveryServerWithItsPidAndAddress() {
        int port = freePort();
        Path hosts = hostsFile("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost");
        List<Server> servers = pongs(3, hosts, port);

        Result r = exec(tool("listeners", "--port", "" + port));
        assertEquals(0, r.exit(), r.err());
        List<List<String>> rows = r.lines().stream().skip(1).filter(l -> l.matches("^\\d+\\s.*"))
                .map(l -> List.of(l.split("\\s+", 5))).toList();
        assertEquals(3, rows.size(), r.out());
        for (Server s : servers) {
            List<String> row = rows.stream().filter(x -> x.get(0).equals("" + s.pid())).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for pid " + s.pid() + ":\n" + r.out()));
            assertEquals(List.of("java", "pong", s.address()), row.subList(1, 4), r.out());
            boolean ipv4 = !s.address().startsWith("[");
            // Java on Linux binds IPv4 through an IPv6 socket: it sits in /proc/net/tcp6 as ::ffff:a.b.c.d.
            assertEquals(ipv4 ? "IPv6 (as ::ffff:" + s.address().replace(":" + port, "") + ")" : "IPv6", row.get(4));
        }
        assertTrue(r.out().contains("ss -ltnp 'sport = :" + port + "'"), r.out());
    }

    @Test
    void saysSoWhenNobodyListens() {
        int port = freePort();
        Result r = exec(tool("listeners", "--port", "" + port));
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("No TCP listener on port " + port + "."), r.out());
    }

    @Test
    void agreesWithSs() {
        int port = freePort();
        Server s = pong("--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port);
        Result ss = exec(List.of("ss", "-ltnpH", "sport = :" + port));
        org.junit.jupiter.api.Assumptions.assumeTrue(ss.exit() == 0, "ss is not installed");
        assertTrue(ss.out().contains("pid=" + s.pid() + ","), ss.out());
        assertEquals(List.of(s.pid()), Listeners.onPort(port).stream().map(Listeners.Listener::pid).toList());
    }

    /** "pid address" pairs, sorted, to compare two views of the same listeners. */
    private static List<String> pidsAndAddresses(List<Listeners.Listener> listeners) {
        return listeners.stream().map(l -> l.pid() + " " + l.where() + (l.v4Mapped() ? " mapped" : "")).sorted().toList();
    }

    @Test
    void theMacOsPathReadsRealLsofAndAgreesWithProc() {
        int port = freePort();
        pongs(3, hostsFile("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost"), port);
        org.junit.jupiter.api.Assumptions.assumeTrue(lab.Tools.find("lsof").isPresent(), "lsof is not installed");
        List<Listeners.Listener> viaLsof = Listeners.fromLsof(port); // what macOS runs, the same lsof program
        assertEquals(3, viaLsof.size(), viaLsof.toString());
        assertEquals(pidsAndAddresses(Listeners.onPort(port)), pidsAndAddresses(viaLsof));
        assertTrue(viaLsof.stream().allMatch(l -> l.command().equals("java")), viaLsof.toString());
        // And named by what they run, as notebook 04's "held by pong" and 05's table need on a Mac.
        assertTrue(viaLsof.stream().allMatch(l -> l.program().equals("pong") && l.owner().startsWith("pong (pid ")), viaLsof.toString());
    }

    /**
     * A Mac's path with an lsof that hangs (as a stuck network mount can make it): the tool
     * stops it after 10 s and says so in one line, and the lsof, killed, leaves nothing running.
     */
    @Test
    void aHungLsofIsStoppedAndSaidInOneLine() throws Exception {
        Path bin = TempFiles.temporaryFolder("lab-hung-lsof"), started = bin.resolve("started");
        TempFiles.standIn(bin, "lsof", "echo $$ > " + started + "; exec sleep 300");
        Map<String, String> env = Map.of("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        Result r = exec(env, tool("listeners", List.of("-Dos.name=Mac OS X"), "--port", "" + freePort()));
        Run.oneLine(r, 1, "listeners: lsof did not list the listeners within 10 s, and was stopped");
        long lsof = Long.parseLong(Files.readString(started).strip());
        assertTrue(Settled.settled(() -> ProcessHandle.of(lsof).map(Lifelines::hasEnded).orElse(true), gone -> gone), "the hung lsof was killed");
    }

    static List<String> recorded(String name) throws Exception {
        return java.nio.file.Files.readAllLines(ROOT.resolve("tests/recorded").resolve(name));
    }

    @Test
    void theWindowsPathReadsRecordedNetstatOutput() throws Exception {
        // Recorded on real Windows machines; sources in the files' first lines.
        List<String> kodbank = recorded("windows-netstat-kodbank.txt");
        assertEquals(List.of("12560 [::1]:5173"), pidsAndAddresses(Listeners.fromNetstatOutput(kodbank, 5173)),
                "the listener, not its TIME_WAIT and ESTABLISHED connections");
        assertEquals(List.of("852 [::]:135"), pidsAndAddresses(Listeners.fromNetstatOutput(kodbank, 135)));

        List<String> fireflow = recorded("windows-netstat-fireflow.txt");
        assertEquals(List.of("2180 127.0.0.1:9983", "2180 [::1]:9983"), pidsAndAddresses(Listeners.fromNetstatOutput(fireflow, 9983)),
                "one program on both loopback addresses");
        assertEquals(List.of("1172 *:135", "1172 [::]:135"), pidsAndAddresses(Listeners.fromNetstatOutput(fireflow, 135)));
        assertEquals(List.of("9788 *:3000"), pidsAndAddresses(Listeners.fromNetstatOutput(fireflow, 3000)));
        assertEquals(List.of(), Listeners.fromNetstatOutput(fireflow, 13), "no port 13 listed");
    }

    @Test
    void theMacPathReadsLsofsLinkLocalAddressAsTheOnePongPrinted() {
        // The NAME the article's macOS lsof printed ("Listen to localhost", step 5: "crystal 8920 m 11u IPv6 TCP
        // [fe80:1::1]:3000"), in the -F pctn form the tool asks for: lo0's number sits in the address.
        List<String> mac = List.of("p8920", "ccrystal", "tIPv6", "n[fe80:1::1]:3000", "p8921", "ccrystal", "tIPv6", "n[::1]:3000",
                "p8922", "ccrystal", "tIPv4", "n127.0.0.1:3000", "p8923", "cnode", "tIPv6", "n[fe80::1]:3000");
        List<Listeners.Listener> read = Listeners.fromLsofOutput(mac, 3000);
        assertEquals(List.of("8920 [fe80::1]:3000", "8921 [::1]:3000", "8922 127.0.0.1:3000", "8923 [fe80::1]:3000"), pidsAndAddresses(read),
                "the addresses pong printed, which notebook 05 looks for");
        assertTrue(read.get(0).blocks(lab.Resolving.literal("fe80::1")), "so a fourth pong names who holds [fe80::1]:3000");
    }
}
