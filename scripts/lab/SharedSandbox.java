package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A {@link Sandbox} shared by name: every program of this user that asks for, say, the article's
 * sandbox runs in the same one, whichever terminal it starts from. A per-user state folder lists
 * its members (each program's holder process, with the namespaces it is in), under a lock, so that
 * two programs started at once make one sandbox, not two. A program joins through any live member,
 * starts the sandbox when none is left, and the last one out removes the state folder.
 */
public final class SharedSandbox {
    private SharedSandbox() {}

    /** Where shared sandboxes keep their state, instead of java.io.tmpdir (the tests use their own). */
    public static final String STATE = "lab.state";

    /**
     * Runs {@code command} in the sandbox called {@code name}, on our terminal,
     * and returns its exit code. The sandbox is shared by every program of this
     * user that asks for it by name: joined through any process still inside,
     * started from {@code spec} when none is left, or used as is when we are
     * inside it already. Each program keeps a holder of its own in the sandbox
     * while its command runs, so that later programs can join after the first has gone.
     */
    public static int runShared(String name, Supplier<Sandbox.Spec> spec, List<String> command) {
        Sandbox box;
        Process process;
        try (FileChannel lock = lock(name)) {
            box = joinOrStart(name, spec);
            process = new ProcessBuilder(box.inside(command)).inheritIO().start();
        } catch (IOException e) {
            throw Failure.failed("cannot run " + command.get(0) + " in the " + name + " sandbox: " + e.getMessage());
        }
        // A JVM that exits while it waits (its parent gone, a SIGTERM) still stops the command and leaves nothing.
        Runnable leave = new Runnable() {
            private boolean left;

            @Override
            public synchronized void run() {
                if (left) return;
                left = true;
                process.destroy(); // SIGTERM: its hooks stop what it started; nothing, once it has ended
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                }
                box.close();
                removeIfUnused(name);
            }
        };
        Thread onExit = new Thread(leave, "leave the " + name + " sandbox");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return Failure.FAILED;
        } finally {
            leave.run();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException exiting) {
                // the hook runs, or has run: leave() does its work once
            }
        }
    }

    /** The last one out removes the sandbox's state folder, so nothing stays behind in the temp folder. */
    private static void removeIfUnused(String name) {
        try (FileChannel lock = lock(name)) {
            Path members = members(name);
            try (Stream<Path> files = Files.list(members)) {
                for (Path file : files.toList()) if (liveMember(file).isPresent()) return;
            }
            Path folder = stateDirectory(name);
            SessionFiles.removeTree(folder);
            try {
                Files.deleteIfExists(folder.getParent()); // the user's folder, once no other sandbox uses it
            } catch (java.nio.file.DirectoryNotEmptyException inUse) {
                // another named sandbox lives there
            }
        } catch (IOException | RuntimeException e) {
            // left for the next run to reuse: state, not a lost edit
        }
    }

    /** Under the lock: a live member's sandbox, or ours if we are in it, or a new one. Stale entries are removed. */
    private static Sandbox joinOrStart(String name, Supplier<Sandbox.Spec> spec) throws IOException {
        Path members = members(name);
        String ours = Sandbox.namespacesOf(ProcessHandle.current().pid()).orElse("");
        try (Stream<Path> files = Files.list(members)) {
            for (Path file : files.toList()) {
                String fileName = file.getFileName().toString();
                Optional<String> live = liveMember(file);
                if (live.isEmpty()) {
                    Files.deleteIfExists(file); // gone, a recycled pid, or not ours to read
                    continue;
                }
                String recorded = live.get();
                if (recorded.equals(ours)) return new Sandbox(null, 0, recorded, name); // started from inside, e.g. the sandbox tool's shell
                return joinThrough(Long.parseLong(fileName), recorded, name);
            }
        }
        Sandbox box = Sandbox.start(spec.get(), name);
        addMember(box, box.holder().pid());
        return box;
    }

    /**
     * The namespaces a member file records, if its process still lives in them (not gone,
     * not a recycled pid); empty too when the file went meanwhile (its program has just left).
     */
    private static Optional<String> liveMember(Path file) throws IOException {
        String pid = file.getFileName().toString();
        if (!pid.matches("\\d{1,18}")) return Optional.empty();
        String recorded;
        try {
            recorded = Files.readString(file).strip();
        } catch (NoSuchFileException left) {
            return Optional.empty();
        }
        return Sandbox.namespacesOf(Long.parseLong(pid)).filter(recorded::equals);
    }

    /**
     * Joins a shared sandbox through a live member by starting a holder of our own
     * inside, listed as a member in turn. Members are holders only, and a holder
     * ends under the lock (in leave, through Sandbox.close), so no one joins through a process that is leaving.
     */
    private static Sandbox joinThrough(long member, String namespaces, String name) throws IOException {
        Sandbox through = new Sandbox(null, member, namespaces, name);
        Process holder = new ProcessBuilder(through.inside(List.of("sh", "-c", "echo ready; exec cat >/dev/null"))).start();
        if (!Sandbox.saidReady(holder)) {
            Servers.stop(holder);
            throw new IOException("could not join it through process " + member);
        }
        Sandbox box = new Sandbox(holder, holder.pid(), namespaces, name);
        addMember(box, holder.pid());
        return box;
    }

    /**
     * A per-user folder for a shared sandbox's state. Namespace mode often runs as root,
     * so the folder must be ours alone: created 0700, and refused if someone else
     * made it (or made it a link), lest root write where that user points.
     */
    public static Path stateDirectory(String name) {
        Path base = statePath(name).getParent();
        try {
            if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                return Files.createDirectories(base.resolve(name)); // Windows: the temp folder is the user's own
            }
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
            FileAttribute<Set<PosixFilePermission>> privately = PosixFilePermissions.asFileAttribute(ownerOnly);
            // The last one out of a sandbox removes both folders: one may vanish while we make the other, so go again.
            for (int attempt = 1; ; attempt++) {
                try {
                    Files.createDirectories(base.getParent());
                    try {
                        Files.createDirectory(base, privately);
                    } catch (FileAlreadyExistsException made) {
                        // by us earlier, or by someone else: checked below
                    }
                    // Gone again (the last one out of another sandbox removed it): make it again.
                    if (Files.notExists(base, LinkOption.NOFOLLOW_LINKS)) throw new NoSuchFileException(base.toString());
                    boolean ours = Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)
                            && USER_ID.equals(Integer.toUnsignedString((Integer) Files.getAttribute(base, "unix:uid", LinkOption.NOFOLLOW_LINKS)))
                            && Files.getPosixFilePermissions(base, LinkOption.NOFOLLOW_LINKS).equals(ownerOnly);
                    if (!ours) throw Failure.failed(base + " is not a private folder of user ID " + USER_ID
                            + " (owned by it, mode 0700, not a link); remove it and run again");
                    try {
                        Files.createDirectory(base.resolve(name), privately);
                    } catch (FileAlreadyExistsException made) {
                        // in use
                    }
                    return base.resolve(name);
                } catch (NoSuchFileException vanished) {
                    if (attempt == 100) throw vanished;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a shared sandbox's state lives, made or not. */
    private static Path statePath(String name) {
        return Path.of(System.getProperty(STATE, System.getProperty("java.io.tmpdir")), "localhost-lab-" + USER_ID, name);
    }

    /**
     * This user's numeric ID, which names and owns its state folder: a container's user without a
     * passwd entry has no name (Java says "?", and UnixSystem says 0). Only Linux shares sandboxes.
     */
    public static final String USER_ID = userId();

    private static String userId() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[4]; // real, effective, saved, and files' ID
            }
        } catch (IOException | RuntimeException noProc) {
            // /proc hidden: the owner of a file we make
        }
        try {
            Path probe = Files.createTempFile("lab-uid-", "");
            try {
                return Integer.toUnsignedString((Integer) Files.getAttribute(probe, "unix:uid"));
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | RuntimeException windows) {
            return System.getProperty("user.name"); // its temp folder is the user's own
        }
    }

    /** Under the lock only: the folder listing the sandbox's members. */
    private static Path members(String name) throws IOException {
        Path members = stateDirectory(name).resolve("members");
        try {
            Files.createDirectory(members);
        } catch (FileAlreadyExistsException made) {
            // in use
        }
        return members;
    }

    /** Takes a shared sandbox's lock, so that two programs started at once make one sandbox, not two. */
    private static FileChannel lock(String name) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Path file = stateDirectory(name).resolve("lock");
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    Object opened = inode(file);
                    channel.lock(); // closing the channel releases it
                    // The last one out deletes the folder, lock file included: a lock on a deleted file guards nothing.
                    if (opened == NO_INODES || opened.equals(inode(file))) return channel;
                } catch (NoSuchFileException gone) {
                    // deleted before we looked: take it again
                }
                channel.close();
            } catch (NoSuchFileException gone) {
                // the folder went as we opened the file
            }
            if (attempt == 100) throw new IOException("cannot take the lock of " + file);
        }
    }

    private static final Object NO_INODES = new Object();

    /** The file's inode; NO_INODES where the file system has none to show. */
    private static Object inode(Path file) throws IOException {
        try {
            return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return NO_INODES;
        }
    }

    /** Lists a process started into {@code box}, once it is inside (nsenter needs a moment). */
    private static void addMember(Sandbox box, long pid) throws IOException {
        String name = box.name(), namespaces = box.namespaces();
        if (name == null || box.entry() == 0) return;
        for (int i = 0; i < 250 && !Sandbox.namespacesOf(pid).orElse("").equals(namespaces); i++) {
            if (ProcessHandle.of(pid).isEmpty()) return; // it ended before it got in
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (Sandbox.namespacesOf(pid).orElse("").equals(namespaces)) {
            Files.writeString(members(name).resolve(Long.toString(pid)), namespaces);
        }
    }

    /**
     * Takes {@code box}'s holder (a named box with a holder of its own: Sandbox.close asks only
     * then) out of the shared sandbox and stops it, under the lock, so that nobody joins through
     * the holder while it goes.
     */
    static void leave(Sandbox box) {
        try (FileChannel lock = lock(box.name())) {
            removeMember(box.name(), box.holder().pid());
            box.stopHolder();
        } catch (IOException | RuntimeException e) { // the lock's folder gone or refused: the holder still goes
            box.stopHolder();
        }
    }

    private static void removeMember(String name, long pid) {
        try {
            // Without making anything: the folder may be gone, and must not come back with the wrong mode.
            Files.deleteIfExists(statePath(name).resolve("members").resolve(Long.toString(pid)));
        } catch (IOException e) {
            // a stale entry is cleaned up by the next program that looks
        }
    }
}
