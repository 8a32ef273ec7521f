package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import lab.ProcFiles;

/**
 * Ports for the tests: free on every address now, never the same twice in a run, and outside the
 * kernel's ephemeral range where the machine has one that leaves room. A port from that range (what
 * binding port 0 gives) can be taken between the check and the test's own bind, as the local
 * port of any connection or by a Jupyter kernel's socket: a notebook's pong failed so, once, with a
 * dozen kernels and the other tests starting beside it. The JUnit JVMs take 20000-25999, each a
 * part of its own; dev/execute_notebook.py takes 26000-31999, a block of it per run (notebookBlock), so that no
 * two pick the same one.
 */
public final class Ports {
    private Ports() {}

    /**
     * This JVM's share (tests/run.java sets it: a run may have two JVMs): "FIRST-LAST/SHARE/SHARES", a part of
     * 20000-25999, and of the ports the kernel picks where there is no room below its range, those whose
     * half's remainder by SHARES is SHARE.
     */
    private static final String[] PART = System.getProperty("tests.ports", "20000-25999/0/1").split("[-/]");
    static final int FIRST = Integer.parseInt(PART[0]), LAST = Integer.parseInt(PART[1]);
    private static final int SHARE = Integer.parseInt(PART[2]), SHARES = Integer.parseInt(PART[3]);
    /** dev/execute_notebook.py's range, which follows the JUnit JVMs' 20000-25999. */
    private static final int NOTEBOOK_BATCHES_FIRST = 26000, NOTEBOOK_BATCHES_LAST = 31999;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final boolean BELOW_EPHEMERAL = ephemeralRangeStartsAbove(NOTEBOOK_BATCHES_LAST);

    private static final AtomicInteger NOTEBOOK_BLOCKS = new AtomicInteger();
    private static final int NOTEBOOK_BLOCK = 200;

    /**
     * For one run of dev/execute_notebook.py (--ports): a block of its range of its own, so that two runs at once
     * never pick the same port (each picks its notebooks' ports, then frees them until the notebooks bind them).
     * The blocks go round the range, each JVM of the run taking every SHARES-th.
     */
    public static String notebookBlock() {
        int blocks = (NOTEBOOK_BATCHES_LAST + 1 - NOTEBOOK_BATCHES_FIRST) / NOTEBOOK_BLOCK;
        int block = (NOTEBOOK_BLOCKS.getAndIncrement() * SHARES + SHARE) % blocks;
        int first = NOTEBOOK_BATCHES_FIRST + block * NOTEBOOK_BLOCK;
        return first + "-" + (first + NOTEBOOK_BLOCK - 1);
    }

    /**
     * A port no socket uses on any address now, and never handed out before in this run: classes
     * run side by side, and a port whose servers listen in a sandbox looks free here. A test asks
     * Kit.freePort, which also checks that the port is free again after it; this is for what
     * several tests share.
     */
    public static int unusedPort() {
        if (!BELOW_EPHEMERAL) return kernelsPick(SHARE, SHARES);
        int span = LAST - FIRST + 1, start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = FIRST + (start + i) % span;
            if (!HANDED_OUT.contains(port) && freeOnEveryAddress(port) && HANDED_OUT.add(port)) return port;
        }
        throw new IllegalStateException("no free port left in " + FIRST + "-" + LAST);
    }

    /**
     * Where there is no room below the ephemeral range: a port the kernel picks (binding port 0) of share
     * {@code share}: half the port, not the port, by {@code shares}, as Linux gives bind(0) ports of one
     * parity only. The ports it picked for another share stay bound meanwhile, so that it picks the next.
     */
    static int kernelsPick(int share, int shares) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int tries = 0; tries < 1000; tries++) {
                ServerSocket probe = new ServerSocket();
                held.add(probe);
                probe.setReuseAddress(false);
                probe.bind(new InetSocketAddress("::", 0)); // [::] is dual-stack: free on every address
                int port = probe.getLocalPort();
                if ((port >>> 1) % shares == share && HANDED_OUT.add(port)) return port;
            }
            throw new IllegalStateException("no free port of share " + share + "/" + shares + " in 1000 the kernel picked");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket probe : held) {
                try {
                    probe.close();
                } catch (IOException e) {
                    // closing a bound listener that never accepted: nothing to lose
                }
            }
        }
    }

    /** Whether a dual-stack listener ([::], every address of both families) could bind {@code port} now. */
    private static boolean freeOnEveryAddress(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(false); // a port an earlier connection still waits on (TIME_WAIT) is not free either
            probe.bind(new InetSocketAddress("::", port));
            return true;
        } catch (BindException taken) {
            return false;
        } catch (IOException e) { // no IPv6 at all, say: its own reason, not a full range
            throw new UncheckedIOException(e);
        }
    }

    /** Whether Linux hands out local ports only above {@code last} (ip_local_port_range); false where it cannot tell. */
    private static boolean ephemeralRangeStartsAbove(int last) {
        try {
            // ProcFiles: Files.readString, told the size is 0, reads one byte, and /proc/sys answers the next read
            // with nothing: "3", and the range below was never used until 2026-11-27.
            String range = ProcFiles.read(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]) > last;
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }
}
