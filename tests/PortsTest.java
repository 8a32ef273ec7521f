package tests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import lab.ProcFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tests' own ports: below the kernel's ephemeral range where it leaves room, in this JVM's
 * part of it (tests/run.java gives each of its JVMs one), never twice. Until 2026-11-27 the range
 * was never used: its check read /proc/sys with Files.readString, which got "3".
 */
@Tag("fast")
class PortsTest extends Kit {

    @Test
    void comeFromThisJvmsPartBelowTheEphemeralRangeAndNeverTwice() {
        String range;
        try {
            range = ProcFiles.read(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
        } catch (IOException e) {
            range = "unknown (" + e.getMessage() + ")";
        }
        assumeTrue(range.matches("\\d+\\s.*") && Integer.parseInt(range.split("\\s+")[0]) > 31999, "skipped: the ephemeral range starts at " + range);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int port = Ports.unusedPort();
            assertTrue(port >= Ports.FIRST && port <= Ports.LAST, port + " is outside " + Ports.FIRST + "-" + Ports.LAST + " (ip_local_port_range: " + range + ")");
            seen.add(port);
        }
        assertEquals(20, seen.size(), "handed out twice: " + seen);
    }

    /** Where the kernel must pick (no room below its range), each of two JVMs gets ports of its own share. */
    @Test
    void theKernelsPicksAreSharedBetweenTwoJvms() {
        for (int share = 0; share < 2; share++) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                int port = Ports.kernelsPick(share, 2);
                assertEquals(share, (port >>> 1) % 2, port + " is not of share " + share + " of 2");
                seen.add(port);
            }
            assertEquals(10, seen.size(), "handed out twice: " + seen);
        }
    }
}
