package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files and folders a session (a kernel, the player, a tool) makes in the temp folder:
 * each goes when the session ends. A SIGKILLed session runs no hook, so each name holds the
 * session's PID, and when the next session of the same user makes its first such file, it
 * also deletes what sessions that are gone left behind, of every kind.
 */
public final class SessionFiles {
    private SessionFiles() {}

    /** What a session makes: PREFIX + PID + "-" [+ PID namespace + "-"] + random + SUFFIX. */
    public enum Kind {
        /** Lab.file: a hosts file, a gai.conf. */
        FILE("localhost-lab-file-", ".txt"),
        /** Lab.compiled: a folder of classes. */
        CLASSES("localhost-lab-classes-", ""),
        /** Article mode's fallback: its private hosts file. */
        ARTICLE_HOSTS("localhost-lab-article-", ".hosts"),
        /** The article-mode kernel: a folder for its Unix sockets. */
        KERNEL_SOCKETS("localhost-lab-kernel-", ""),
        /** The handout's print: Chromium's page, profile, temporary files and PDF. Short: Chromium's socket is in it. */
        PRINT("lab-print-", "");

        final String prefix, suffix;
        /** random: what Files.createTempFile puts between prefix and suffix, digits (SessionFilesTest would see a change). */
        final Pattern pattern;

        Kind(String prefix, String suffix) {
            this.prefix = prefix;
            this.suffix = suffix;
            this.pattern = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,18})-(?:(\\d+)-)?\\d+" + Pattern.quote(suffix));
        }
    }

    /** A new file of ours alone (0600), gone when this session ends. */
    public static Path newFile(Kind kind) {
        try {
            Path file = Files.createTempFile(kind.prefix + mark(), kind.suffix);
            file.toFile().deleteOnExit();
            sweepOnce(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new folder of ours alone (0700), gone with all it holds when this session ends. */
    public static Path newFolder(Kind kind) {
        try {
            Path folder = Files.createTempDirectory(kind.prefix + mark());
            Folders.MADE.add(folder);
            sweepOnce(folder);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes {@code path}, a folder with all it holds or a file, following no link; quietly, if
     * it is gone or going. The package's one way to delete a folder (sandbox state, print folders).
     */
    public static void removeTree(Path path) {
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // gone already, or going: another program removed it
        }
    }

    /** The folders made, removed by a hook registered with the first: removeTree, used in other hooks, registers none. */
    private static final class Folders {
        static final List<Path> MADE = new CopyOnWriteArrayList<>();

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> MADE.forEach(SessionFiles::removeTree), "session-folders"));
        }
    }

    /**
     * Our PID, and on Linux our PID namespace: in another one (a container sharing this temp
     * folder), a PID that looks gone may be a live session, so the sweep leaves its files.
     */
    private static String mark() {
        return ProcessHandle.current().pid() + "-" + PID_NAMESPACE.map(ns -> ns + "-").orElse("");
    }

    private static final Optional<String> PID_NAMESPACE = pidNamespace();

    private static Optional<String> pidNamespace() {
        try {
            Matcher ns = Pattern.compile("pid:\\[(\\d+)]").matcher(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
            return ns.matches() ? Optional.of(ns.group(1)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no /proc (macOS): one PID space
        }
    }

    private static final AtomicBoolean SWEPT = new AtomicBoolean();

    /**
     * Deletes what sessions that are gone left beside {@code ours}, every kind in one look: only
     * names of exactly that form, from this PID namespace, owned by our own user ID (never another
     * user's, not even as root), and folders only as a session makes them (for its owner alone).
     */
    private static void sweepOnce(Path ours) {
        if (SWEPT.getAndSet(true)) return;
        try {
            Object me = Files.getAttribute(ours, "unix:uid", LinkOption.NOFOLLOW_LINKS); // the user ID we make files as
            if (ownersLookAlike(me)) return;
            try (DirectoryStream<Path> left = Files.newDirectoryStream(ours.getParent())) { // leftBehind: a kind's name, of a session gone
                for (Path old : left) {
                    try {
                        if (leftBehind(old) && me.equals(ownerOf(old))) removeTree(old);
                    } catch (IOException | RuntimeException e) {
                        // gone meanwhile (another session's sweep), or not ours to read: the next
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no temp folder to read, or no unix attributes (Windows): nothing is swept
        }
    }

    /** Named by a session of this PID namespace that has ended. */
    private static boolean leftBehind(Path path) {
        String name = path.getFileName().toString();
        for (Kind kind : Kind.values()) {
            Matcher m = kind.pattern.matcher(name);
            if (!m.matches()) continue;
            boolean here = Objects.equals(m.group(2), PID_NAMESPACE.orElse(null));
            // Ended, or ended and not reaped yet: a SIGKILLed kernel stays a zombie until Jupyter waits for it.
            return here && ProcessHandle.of(Long.parseLong(m.group(1))).map(Lifelines::hasEnded).orElse(true);
        }
        return false;
    }

    /** The user ID that owns {@code path}, a folder only if no one else may write in it; else null. */
    private static Object ownerOf(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Set<PosixFilePermission> modes = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (modes.stream().anyMatch(m -> !m.name().startsWith("OWNER_"))) return null;
        }
        return Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Whether another user's file could read as ours. In a user namespace every user ID it does not
     * map reads as one overflow ID ("nobody"): with none mapped (unshare -U as root) every file seems
     * nobody's, and where ours is mapped to that ID (a sandbox of the real nobody) others' files seem ours.
     */
    private static boolean ownersLookAlike(Object me) {
        List<String> map;
        try {
            map = List.of(ProcFiles.read(Path.of("/proc/self/uid_map")).strip().split("\\s+"));
        } catch (IOException | RuntimeException e) {
            return false; // no /proc (macOS): no user namespaces
        }
        if (map.equals(List.of("0", "0", "4294967295"))) return false; // the machine's own IDs
        try {
            return map.equals(List.of("")) || me.toString().equals(ProcFiles.read(Path.of("/proc/sys/kernel/overflowuid")).strip());
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
