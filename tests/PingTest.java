package tests;

import java.nio.file.Path;
import java.util.List;

import lab.Servers.Server;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.pong;
import static tests.StartedServers.pongs;
import static tests.TempFiles.hostsFile;

/** Step 6: nc walks the list and falls back; Java's plain Socket takes one address and does not. */
@Tag("fast")
class PingTest extends Kit {

    @Test
    void fallsBackToTheNextAddressLikeNc() {
        int port = freePort();
        Server only = pong("--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port);
        Path both = hostsFile("::1 localhost", "127.0.0.1 localhost");

        Result r = exec(tool("ping", "--hosts-file", both.toString(), "--port", "" + port));
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("pong from " + only.address()), r.lines());
        assertTrue(r.err().contains("[::1]:" + port + ": Connection refused"), r.err());
    }

    @Test
    void reachesTheFirstAddressInResolverOrder() {
        int port = freePort();
        Path hosts = hostsFile("127.0.0.2 localhost", "::1 localhost");
        Server first = pong("--hosts-file", hosts.toString(), "--port", "" + port);
        pong("--hosts-file", hosts.toString(), "--port", "" + port);

        Result r = exec(tool("ping", "--hosts-file", hosts.toString(), "--port", "" + port));
        assertEquals(List.of("pong from " + first.address()), r.lines());
        assertEquals("", r.err());
    }

    @Test
    void javaSocketTriesOneAddressAndDoesNotFallBack() {
        int port = freePort();
        Server v6 = pong("--hosts-file", hostsFile("::1 localhost").toString(), "--port", "" + port);
        Path both = hostsFile("::1 localhost", "127.0.0.1 localhost");
        String javaFirst = PongTest.javaResolves(both, null, "localhost").get(0);

        Result plain = exec(tool("ping", "--hosts-file", both.toString(), "--port", "" + port, "--java-socket"));
        assertEquals(1, plain.exit());
        assertEquals(1, plain.err().lines().count(), plain.err());
        assertTrue(plain.err().contains("tried " + PongTest.withPort(javaFirst, port) + " only"), plain.err());

        // The lab's kernel and player run with the OS order and pass it on; --java-socket must still show Java's default.
        Result fromTheLab = exec(tool("ping", List.of("-Djava.net.preferIPv6Addresses=system"), "--hosts-file", both.toString(), "--port", "" + port, "--java-socket"));
        assertEquals(plain.err(), fromTheLab.err());

        Result nc = exec(tool("ping", "--hosts-file", both.toString(), "--port", "" + port));
        assertEquals(List.of("pong from " + v6.address()), nc.lines());
    }

    @Test
    void allAsksEveryAddressInTurn() {
        int port = freePort();
        Path hosts = hostsFile("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost");
        List<Server> servers = pongs(3, hosts, port);
        servers.get(1).stop();

        Result r = exec(tool("ping", "--hosts-file", hosts.toString(), "--port", "" + port, "--all"));
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.lines();
        assertEquals(3, lines.size(), r.out());
        for (int i = 0; i < 3; i++) {
            String address = servers.get(i).address();
            String expected = i == 1 ? "Connection refused" : "pong from " + address;
            assertEquals(List.of(address, expected), List.of(lines.get(i).split("\\s+", 2)));
        }

        servers.forEach(Server::stop);
        Result none = exec(tool("ping", "--hosts-file", hosts.toString(), "--port", "" + port, "--all"));
        assertEquals(1, none.exit());
        assertEquals(3, none.out().lines().filter(l -> l.endsWith("Connection refused")).count(), none.out());
        Run.oneLine(none, 1, "nothing answered on localhost:" + port + " (3 address(es) tried)");
    }

    @Test
    void nothingAnsweringExitsWithOne() {
        int port = freePort();
        Result r = exec(tool("ping", "--hosts-file", hostsFile("127.0.0.1 localhost").toString(), "--port", "" + port));
        assertEquals(1, r.exit());
        assertTrue(r.err().strip().endsWith("nothing answered on localhost:" + port + " (1 address(es) tried)"), r.err());
        assertEquals(List.of("ping: 127.0.0.1:" + port + ": Connection refused", "ping: nothing answered on localhost:" + port + " (1 address(es) tried)"),
                r.err().lines().toList(), "no 'trying the next address' when there is none");
    }

    @Test
    void theLastRefusalDoesNotPromiseANextAddress() {
        int port = freePort();
        Result r = exec(tool("ping", "--hosts-file", hostsFile("::1 localhost", "127.0.0.1 localhost").toString(), "--port", "" + port));
        assertEquals(1, r.exit());
        List<String> refused = r.err().lines().filter(l -> l.contains("Connection refused")).toList();
        assertEquals(2, refused.size(), r.err());
        assertTrue(refused.get(0).endsWith(", trying the next address") && !refused.get(1).contains("next"), r.err());
    }
}
