package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Files and folders a session (a kernel, the player, a tool) makes in the temp folder. Each is
 * deleted when the session ends. A SIGKILLed session runs no hook, so each name holds its PID,
 * and the next session of the same user deletes what a session that is gone left behind.
 */
public final class SessionFiles {
    private SessionFiles() {}

    /** Prefixes already swept in this JVM: one sweep each, at the first file. */
    private static final Set<String> SWEPT = ConcurrentHashMap.newKeySet();

    /** A new file of ours alone (random name, 0600): {@code prefix}PID-random{@code suffix}. */
    public static Path newFile(String prefix, String suffix) {
        sweep(prefix, suffix);
        try {
            Path file = Files.createTempFile(prefix + ProcessHandle.current().pid() + "-", suffix);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new folder of ours alone: {@code prefix}PID-random. What goes in it must be registered with {@link #deleteAtExit}. */
    public static Path newFolder(String prefix) {
        sweep(prefix, "");
        try {
            Path folder = Files.createTempDirectory(prefix + ProcessHandle.current().pid() + "-");
            folder.toFile().deleteOnExit();
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deleted when this session ends, before the folder it is in (the JVM deletes in reverse order). */
    public static void deleteAtExit(Path path) {
        path.toFile().deleteOnExit();
    }

    /**
     * Deletes what sessions that are gone left as {@code prefix}PID-random{@code suffix}: only
     * names of exactly that form, and only ours, never another user's.
     */
    private static void sweep(String prefix, String suffix) {
        if (!SWEPT.add(prefix + "\0" + suffix)) return;
        Pattern ours = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,18})-\\d+" + Pattern.quote(suffix));
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        String me = System.getProperty("user.name");
        try (var left = Files.newDirectoryStream(temp, prefix + "*-*" + suffix)) {
            for (Path old : left) {
                Matcher name = ours.matcher(old.getFileName().toString());
                if (!name.matches() || ProcessHandle.of(Long.parseLong(name.group(1))).isPresent()) continue;
                if (Files.getOwner(old, LinkOption.NOFOLLOW_LINKS).getName().equals(me)) removeTree(old);
            }
        } catch (IOException | RuntimeException e) {
            // a race with another session's sweep: what is left, the next one sees
        }
    }

    /** Deletes {@code folder} and all in it (a file alone too), following no link; quietly, if it is gone or going. */
    public static void removeTree(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // gone already, or going: another program removed it
        }
    }
}
