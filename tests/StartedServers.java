package tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import lab.Servers;
import lab.Servers.Server;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server processes a test starts: each dies with us, and Kit stops a test's own after it. */
public final class StartedServers {
    private StartedServers() {}

    /**
     * The servers each test started, by the thread it runs on: test classes run at once (tests/run.java),
     * so a test stops its own servers only, never those of a class beside it.
     */
    private static final ThreadLocal<List<Server>> STARTED = ThreadLocal.withInitial(ArrayList::new);

    /** Starts a server process that dies with us, and waits for its first line. */
    public static Server start(List<String> command) {
        return start(command, Kit.WAIT);
    }

    /** The same, waiting up to {@code timeout} for its first line: ./jbang may build first, behind other builds. */
    public static Server start(List<String> command, java.time.Duration timeout) {
        Server server = Servers.start(command, timeout);
        STARTED.get().add(server);
        return server;
    }

    /** A pong server: `java -cp ... pong --exit-with-stdin args`. */
    public static Server pong(String... args) {
        List<String> all = new ArrayList<>(List.of("--exit-with-stdin"));
        all.addAll(Arrays.asList(args));
        return start(Scripts.tool("pong", all.toArray(String[]::new)));
    }

    /** {@code n} pong servers started one after another with the same hosts file and port, as in n terminals. */
    public static List<Server> pongs(int n, Path hosts, int port) {
        List<Server> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) servers.add(pong("--hosts-file", hosts.toString(), "--port", "" + port));
        return servers;
    }

    /**
     * A listener on 127.0.0.1:port that is not part of the lab (a Python program), which dies with us.
     * SO_REUSEADDR, as servers set it: a connection another test closed may still wait (TIME_WAIT) on the port.
     */
    public static Server foreignListener(int port) {
        Server other = start(List.of("python3", "-c", "import socket,sys\ns=socket.socket()\n"
                + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('127.0.0.1'," + port
                + "))\ns.listen()\nprint('Listen on 127.0.0.1:" + port + "',flush=True)\nsys.stdin.read()"));
        assertTrue(other.listening(), other.stderr());
        return other;
    }

    /** Stops the servers the test on this thread started. */
    static void stopThisTestsServers() {
        List<Server> mine = STARTED.get();
        mine.forEach(server -> Servers.stop(server.process));
        mine.clear();
    }
}
