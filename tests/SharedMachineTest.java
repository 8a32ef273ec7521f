package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import lab.Lifelines;
import lab.SessionFiles;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.AnotherUser.assumeAnotherUserMayMakeSandboxes;
import static tests.Run.exec;
import static tests.Settled.settled;
import static tests.TempFiles.readableByAll;

/**
 * A room on one shared machine, as docs/facilitator.md sets it up: five learners, each with
 * an account of their own and the bundle unpacked in their home, run `make lab SANDBOX=article`
 * at the same time. Each must get the article's story on port 3000 with servers of their own,
 * no learner's servers may share a loopback with another's, and nothing is left afterwards.
 * Two of them play the whole lab, so that every notebook runs as two users side by side (a file that
 * one user leaves in /tmp would stop the other). The other three play steps 1 to 4, the article's
 * story: three servers on port 3000, then a fourth that fails. (Five whole labs took about a sixth of
 * `make test`'s CPU.)
 *
 * The accounts exist only for this test: a copy of /etc/passwd and /etc/group with five more
 * lines is bind-mounted over the real ones in a mount namespace of each learner's own (the
 * real files are never written).
 */
// The run's longest class of those that run two at a time (five labs at once): started first, so that the run
// does not end on it with one CPU idle (tests/run.java orders classes by @Order).
@Order(1)
class SharedMachineTest extends Kit {
    private static final int LEARNERS = 5;
    /** How many of them play every notebook; the others play ARTICLES_STORY. */
    private static final int WHOLE_LAB = 2;
    private static final List<String> ARTICLES_STORY = List.of("01-single-server.ipynb", "02-second-server.ipynb",
            "03-third-server.ipynb", "04-bind-failure.ipynb");
    /** Port 3000 in /proc/net/tcp's hex, listening (state 0A). */
    private static final String PORT_3000 = ":0BB8";

    record Learner(String name, int uid, Path home, Path kit, Path output) {}

    @Test
    void fiveLearnersAtOnceEachGetTheirOwnServersOnPort3000AndLeaveNothing() throws Exception {
        assumeTrue(AnotherUser.isRoot(), "skipped: only root can make learner accounts for a test");
        assumeAnotherUserMayMakeSandboxes();

        Path room = readableByAll();
        MadeBundle.Made bundle = MadeBundle.get(); // BundleTest's too: one `make bundle` per run
        assertEquals(0, bundle.result().exit(), bundle.result().out() + bundle.result().err());
        List<Learner> learners = accounts(room, bundle.archive());

        List<Process> running = new ArrayList<>();
        // A namespace's inode number is reused once it is gone: loopbacks are compared at one instant, never across time.
        List<String> shared = new ArrayList<>();
        Set<Integer> seen = new TreeSet<>();
        int mostAtOnce = 0;
        try {
            for (int i = 0; i < LEARNERS; i++) running.add(makeLab(room, learners.get(i), i < WHOLE_LAB ? null : ARTICLES_STORY));
            // While they run: which learners hold port 3000, and in which network namespace (loopback).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            while (running.stream().anyMatch(Process::isAlive)) {
                assertTrue(System.nanoTime() < deadline, "five labs still running after 20 minutes");
                Map<String, Map<Integer, String>> now = holdersOfPort3000(uids(learners));
                now.forEach((loopback, holders) -> {
                    if (holders.size() > 1 && stillShared(loopback, holders)) shared.add(loopback + ": " + holders);
                    seen.addAll(holders.keySet());
                });
                mostAtOnce = Math.max(mostAtOnce, (int) now.values().stream().flatMap(h -> h.keySet().stream()).distinct().count());
                // Once a second: a scan reads two tables per namespace, and each read walks the kernel's
                // whole table of connections (5 CPU-s a run at 300 ms); a learner holds port 3000 for many seconds.
                Thread.sleep(1000);
            }
        } finally {
            for (Process p : running) Lifelines.killTree(p, WAIT);
        }

        for (int i = 0; i < LEARNERS; i++) {
            Learner learner = learners.get(i);
            String out = Files.readString(learner.output());
            assertEquals(0, running.get(i).exitValue(), learner.name() + "'s make lab (LAB_STRICT=1: any ≠ fails):\n" + out);
            assertTrue(out.contains("article mode: in a private Linux sandbox"), learner.name() + ": not in a sandbox:\n" + out);
            // Step 1 on a loopback of their own: the first server gets the first address on port 3000, not the next
            // one because another learner holds [::1]:3000, and the lab never moves to another port.
            List<String> listening = out.lines().filter(l -> l.contains("Listen on ")).toList();
            assertTrue(!listening.isEmpty() && listening.get(0).endsWith("Listen on [::1]:3000"), learner.name() + ":\n" + out);
            for (String address : List.of("[::1]:3000", "[fe80::1]:3000", "127.0.0.1:3000")) {
                assertTrue(listening.stream().anyMatch(l -> l.endsWith("Listen on " + address)), learner.name() + ": " + address + "\n" + out);
            }
            assertTrue(out.lines().noneMatch(l -> l.startsWith("Port 3000 is held by")), learner.name() + " found port 3000 taken:\n" + out);
            List<String> asked = i < WHOLE_LAB ? NotebookTest.notebooksOf(learner.kit()).toList() : ARTICLES_STORY;
            assertEquals(asked, LabTest.played(out), learner.name() + " played:\n" + out);
        }

        // Each loopback that had a listener on 3000 belonged to one learner alone, every learner had one,
        // and they had them at the same time.
        assertEquals(List.of(), shared, "loopbacks that held two learners' listeners on port 3000 at once");
        assertEquals(uids(learners), seen, "learners seen with servers on port 3000");
        assertTrue(mostAtOnce >= 2, "at most " + mostAtOnce + " learner(s) had servers on port 3000 at one time: not at once");
        System.out.println("shared machine: " + LEARNERS + " learners, up to " + mostAtOnce + " of them with servers on port 3000 at one time, each on loopbacks of their own");

        // Nothing left: no process of theirs, no sandbox state, no file of theirs outside their kit.
        assertEquals(List.of(), settled(() -> processesOf(uids(learners)), List::isEmpty), "processes left");
        for (Learner learner : learners) {
            Path state = Path.of(System.getProperty("java.io.tmpdir"), "localhost-lab-" + learner.uid());
            assertTrue(Files.notExists(state), state + " is left");
            try (Stream<Path> home = Files.list(learner.home())) {
                assertEquals(List.of(learner.kit()), home.toList(), "the kit writes nothing in " + learner.name() + "'s home");
            }
            // The JVM's own performance-data folder (hsperfdata_USER) stays after any Java program; it is not the kit's.
            SessionFiles.removeTree(Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + learner.name()));
        }
        List<String> find = new ArrayList<>(List.of("find", System.getProperty("java.io.tmpdir"), "-path", room + "/*", "-prune", "-o", "("));
        for (Learner learner : learners) find.addAll(List.of("-uid", "" + learner.uid(), "-o"));
        find.set(find.size() - 1, ")");
        find.add("-print");
        Result left = exec(find);
        assertEquals("", left.out().strip(), "files of the learners outside their homes");
    }

    /** Five accounts that exist nowhere yet, each with the bundle unpacked in a home of its own. */
    private static List<Learner> accounts(Path room, Path bundle) throws IOException {
        List<String> passwd = Files.readAllLines(Path.of("/etc/passwd")), group = Files.readAllLines(Path.of("/etc/group"));
        Set<String> taken = new HashSet<>(); // names and ids in use
        for (String line : Stream.concat(passwd.stream(), group.stream()).toList()) {
            String[] fields = line.split(":");
            taken.addAll(List.of(fields).subList(0, Math.min(3, fields.length)));
        }
        List<Learner> learners = new ArrayList<>();
        for (int uid = 61001; learners.size() < LEARNERS; uid++) {
            String name = "lab-learner" + (learners.size() + 1);
            if (taken.contains("" + uid) || taken.contains(name)) continue;
            Path home = room.resolve(name);
            Files.createDirectories(home);
            Result untar = exec(List.of("tar", "-xzf", bundle.toString(), "--no-same-owner", "-C", home.toString()));
            assertEquals(0, untar.exit(), untar.err());
            Result owned = exec(List.of("chown", "-R", uid + ":" + uid, home.toString()));
            assertEquals(0, owned.exit(), owned.err());
            learners.add(new Learner(name, uid, home, home.resolve("localhost-lab"), room.resolve(name + ".out")));
            passwd.add(name + ":x:" + uid + ":" + uid + ":a learner of the shared-machine test:" + home + ":/bin/sh");
            group.add(name + ":x:" + uid + ":");
        }
        Files.write(room.resolve("passwd"), passwd);
        Files.write(room.resolve("group"), group);
        return learners;
    }

    /**
     * {@code make lab SANDBOX=article} as the learner over ssh would: their account, their kit, an empty
     * environment; every notebook, or only {@code notebooks} (make's own NOTEBOOKS variable).
     */
    private static Process makeLab(Path room, Learner learner, List<String> notebooks) throws IOException {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$1\" /etc/passwd && mount --bind \"$2\" /etc/group && shift 2 && exec \"$@\"", "sh",
                room.resolve("passwd").toString(), room.resolve("group").toString(),
                "setpriv", "--reuid", "" + learner.uid(), "--regid", "" + learner.uid(), "--clear-groups",
                "env", "-i", "PATH=" + System.getenv("PATH"), "HOME=" + learner.home(), "LAB_STRICT=1",
                "make", "-C", learner.kit().toString(), "lab", "SANDBOX=article"));
        if (notebooks != null) command.add("NOTEBOOKS=" + String.join(" ", notebooks.stream().map(n -> "notebooks/" + n).toList()));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(learner.output().toFile()).start();
    }

    private static Set<Integer> uids(List<Learner> learners) {
        return learners.stream().map(Learner::uid).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * For each network namespace with a listener on port 3000 held by one of {@code uids}: whose those
     * listeners are (uid, and one process holding them, as "pid command line").
     */
    private static Map<String, Map<Integer, String>> holdersOfPort3000(Set<Integer> uids) {
        Map<String, Map<Integer, String>> holders = new HashMap<>();
        Map<String, Set<String>> listeningByNamespace = new HashMap<>();
        for (long pid : processIds()) {
            Optional<Integer> uid = uidOf(pid);
            if (uid.isEmpty() || !uids.contains(uid.get())) continue;
            try {
                String namespace = Files.readSymbolicLink(Path.of("/proc", "" + pid, "ns", "net")).toString();
                if (holdsOneOf(pid, listeningByNamespace.computeIfAbsent(namespace, n -> listeningSockets(pid)))) {
                    holders.computeIfAbsent(namespace, n -> new TreeMap<>()).putIfAbsent(uid.get(), pid + " "
                            + ProcessHandle.of(pid).map(LeftBehind::commandLine).orElse("?"));
                }
            } catch (IOException | UncheckedIOException gone) {
                // the process ended while we looked
            }
        }
        return holders;
    }

    /**
     * Whether every holder still sits in {@code namespace} and still holds a listener on port 3000 there,
     * after the scan: a namespace that ended during it may have passed its number on to a new one.
     */
    private static boolean stillShared(String namespace, Map<Integer, String> holders) {
        for (String holder : holders.values()) {
            long pid = Long.parseLong(holder.substring(0, holder.indexOf(' ')));
            try {
                if (!Files.readSymbolicLink(Path.of("/proc", "" + pid, "ns", "net")).toString().equals(namespace)) return false;
                if (!holdsOneOf(pid, listeningSockets(pid))) return false;
            } catch (IOException | UncheckedIOException gone) {
                return false;
            }
        }
        return true;
    }

    /** The sockets ("socket:[inode]") listening on port 3000 in {@code pid}'s network namespace. */
    private static Set<String> listeningSockets(long pid) {
        Set<String> sockets = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", "" + pid, "net", table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(PORT_3000) && f[3].equals("0A")) sockets.add("socket:[" + f[9] + "]");
                }
            } catch (IOException gone) {
                // ended, or no IPv6 table
            }
        }
        return sockets;
    }

    /** Whether {@code pid} has one of {@code sockets} ("socket:[inode]") among its open files. */
    private static boolean holdsOneOf(long pid, Set<String> sockets) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", "" + pid, "fd"))) {
            return fds.map(SharedMachineTest::linkOrEmpty).anyMatch(sockets::contains);
        }
    }

    private static String linkOrEmpty(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException gone) {
            return "";
        }
    }

    private static List<Long> processIds() {
        try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
            return proc.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+")).map(Long::parseLong).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real uid of a process, from /proc/PID/status. */
    private static Optional<Integer> uidOf(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", "" + pid, "status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> Integer.parseInt(l.split("\\s+")[1])).findFirst();
        } catch (IOException | UncheckedIOException gone) {
            return Optional.empty();
        }
    }

    /** Processes of {@code uids} still running, as "pid uid"; a zombie has ended. */
    private static List<String> processesOf(Set<Integer> uids) {
        List<String> left = new ArrayList<>();
        for (long pid : processIds()) {
            Optional<Integer> uid = uidOf(pid);
            boolean ended = ProcessHandle.of(pid).map(lab.Lifelines::hasEnded).orElse(true);
            if (uid.isPresent() && uids.contains(uid.get()) && !ended) left.add(pid + " uid " + uid.get());
        }
        return left;
    }
}
