package tests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Commands run as a user without rights of its own (nobody), for what the kit does without root. */
public final class AnotherUser {
    private AnotherUser() {}

    private static final String NOBODY = "65534";
    /** Root's "nobody" of the no-rights tests (unshare -U) made a state folder that this real nobody must not use. */
    private static final Path ITS_STATE = TempFiles.sharedFolder("lab-state");
    private static final Map<String, String> READABLE = new ConcurrentHashMap<>();

    /** An empty folder to work in, made on first use: the checkout itself may sit in root's private home. */
    private static final class Nowhere {
        static final Path DIR = TempFiles.readableByAll();
    }

    /**
     * {@code command} run as nobody (we are root), with its classpath copied where
     * nobody can read it: root's ~/.m2 is private. Skips the test where we are not root.
     */
    public static List<String> asAnotherUser(List<String> command) {
        return asAnotherUser(Nowhere.DIR, command);
    }

    /** The same, working in {@code dir}, which that user must be able to read (see {@link TempFiles#readableByAll}). */
    public static List<String> asAnotherUser(Path dir, List<String> command) {
        return as(NOBODY, dir, command);
    }

    /** {@code command} run as a user ID with no passwd entry, as a container's user often is (Java names it "?"). */
    public static List<String> asAUserWithoutAName(List<String> command) {
        String nameless = Nameless.UID;
        assumeTrue(nameless != null, "skipped: no user ID without a name found here (getent)");
        return as(nameless, Nowhere.DIR, command);
    }

    /** The first user ID from 54321 up that getent does not know and no process runs as; null without getent. */
    private static final class Nameless {
        static final String UID = find();

        private static String find() {
            for (int uid = 54321; uid < 54421; uid++) {
                try {
                    if (Run.exec(List.of("getent", "passwd", "" + uid)).exit() != 2) continue;
                } catch (RuntimeException noGetent) {
                    return null;
                }
                String id = "" + uid;
                boolean inUse = ProcessHandle.allProcesses().anyMatch(p -> p.info().user().map(id::equals).orElse(false));
                if (!inUse) return id;
            }
            return null;
        }
    }

    private static List<String> as(String uid, Path dir, List<String> command) {
        assumeTrue(isRoot(), "skipped: only root can run a command as another user");
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--",
                "env", "-C", dir.toString()));
        String ourState = Scripts.stateOption(Scripts.STATE);
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (i > 0 && command.get(i - 1).equals("-cp")) arg = readableClasspath(arg);
            if (arg.equals(ourState)) arg = Scripts.stateOption(ITS_STATE);
            all.add(arg);
        }
        return all;
    }

    /** Skips the test unless nobody can make a sandbox here (a user namespace of its own, lo up, a bind mount). */
    public static void assumeAnotherUserMayMakeSandboxes() {
        Run.Result allowed = Run.exec(asAnotherUser(Scripts.tool("sandbox", "--", "true")));
        assumeTrue(allowed.exit() == 0, () -> "skipped: a user without root may not make a sandbox here: " + allowed.err().strip());
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A copy of {@code classpath} that every user can read. */
    private static String readableClasspath(String classpath) {
        return READABLE.computeIfAbsent(classpath, cp -> {
            try {
                Path dir = TempFiles.temporaryFolder("lab-jars");
                List<String> copies = new ArrayList<>();
                for (String entry : cp.split(File.pathSeparator)) {
                    Path copy = dir.resolve(copies.size() + "-" + Path.of(entry).getFileName());
                    Files.copy(Path.of(entry), copy);
                    copies.add(copy.toString());
                }
                TempFiles.openToAll(dir);
                return String.join(File.pathSeparator, copies);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
