package tests;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import lab.Lab;

/** Ports for the tests: Lab.freePort's, never the same twice in a run. */
public final class Ports {
    private Ports() {}

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port no socket uses on any address now, and never handed out before in this run: classes
     * run side by side, and a port whose servers listen in a sandbox looks free here. A test asks
     * Kit.freePort, which also checks that the port is free again after it; this is for what
     * several tests share.
     */
    public static int unusedPort() {
        while (true) {
            int port = Lab.freePort();
            if (HANDED_OUT.add(port)) return port;
        }
    }
}
