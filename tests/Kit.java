package tests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import lab.Listeners;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every test class extends: the kit's root, how long to wait, and a port per test,
 * with a check after each test that it left nothing behind. The rest of the harness is
 * split by concern: Run (commands), Scripts (the tools), StartedServers, Ports, TempFiles,
 * AnotherUser, Settled, LeftBehind, Once.
 */
public abstract class Kit {
    public static final Path ROOT = Path.of(System.getProperty("lab.root", ".")).toAbsolutePath().normalize();
    /** How long a server may take to start, or a process or a port to go. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    private final List<Integer> ports = new ArrayList<>();

    /** Skips the test, saying why, where this machine cannot make network and mount namespaces (lab.Sandbox). */
    public static void assumeNamespaces() {
        org.junit.jupiter.api.Assumptions.assumeTrue(lab.Sandbox.unavailable().isEmpty(), () -> "skipped: " + lab.Sandbox.unavailable().orElse(""));
    }

    /** A port for this test (Ports.unusedPort); after it, nothing may listen there any more. */
    public int freePort() {
        int port = Ports.unusedPort();
        ports.add(port);
        return port;
    }

    /** Each test leaves nothing behind: its servers are stopped and its ports are free again. */
    @AfterEach
    void leaveNothingBehind() {
        StartedServers.stopThisTestsServers();
        for (int port : ports) {
            List<Listeners.Listener> left = Listeners.onPort(port);
            assertTrue(left.isEmpty(), "listeners left on port " + port + ": " + left);
        }
    }
}
