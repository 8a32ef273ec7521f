package lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A hosts file edited for a while and always put back. The backup is written
 * before the edit, a leftover backup (from a run that was SIGKILLed) blocks the
 * next edit, and a shutdown hook restores the file on Ctrl-C or kill.
 *
 * On Linux the machine's real /etc/hosts is never edited: only a private copy
 * mounted over it in a mount namespace of its own (a sandbox) may be.
 */
public final class HostsFile {
    /** The system's hosts file on Linux and macOS. */
    static final Path ETC_HOSTS = Path.of("/etc/hosts");

    private final Path file;
    private final Path backup;
    private boolean edited;

    public HostsFile(Path file, Path backup) {
        this.file = file;
        this.backup = backup;
        // Restoring deletes the backup: were it the file itself, the file would go.
        for (Path ours : List.of(backup, owner())) {
            if (sameFile(file, ours)) throw Failure.usage("the backup " + ours + " would be " + file + " itself: name another file (--backup)");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) return true;
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** The text of {@code file}, or "" when it cannot be read: then it names nothing. */
    static String textOrNothing(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** The file's text; a file that cannot be read is a usage error. */
    public String text() {
        return GivenFiles.text(file, "hosts file");
    }

    /** One line of a hosts file: an address (as written, scope included) and the names it gives. */
    public record Entry(String address, List<String> names) {
        public boolean names(String host) {
            return names.stream().anyMatch(n -> n.equalsIgnoreCase(host));
        }
    }

    /** The lines of a hosts file that give an address at least one name, in file order; comments dropped. */
    public static List<Entry> entries(String text) {
        // No lookup here: this runs before the resolver settings are made (they are read once, at the first one).
        return text.lines().map(HostsFile::fields).filter(f -> f.size() > 1 && Resolving.looksLikeAddress(f.get(0)))
                .map(f -> new Entry(f.get(0), f.subList(1, f.size()))).toList();
    }

    /** The addresses of the lines that name localhost, in file order, as written (scope included). */
    public static List<String> localhostAddresses(String text) {
        return entries(text).stream().filter(e -> e.names("localhost")).map(Entry::address).toList();
    }

    /** The text with the localhost line(s) of {@code first} moved ahead of the other localhost lines; nothing else moves. */
    public String withFirst(InetAddress first) {
        List<String> lines = new ArrayList<>(text().lines().toList());
        List<Integer> slots = new ArrayList<>();
        List<String> front = new ArrayList<>(), rest = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            List<String> f = fields(lines.get(i));
            if (!namesLocalhost(f)) continue;
            slots.add(i);
            boolean match;
            try {
                match = Arrays.equals(Resolving.literal(f.get(0)).getAddress(), first.getAddress());
            } catch (IllegalArgumentException e) {
                match = false;
            }
            (match ? front : rest).add(lines.get(i));
        }
        if (front.isEmpty()) throw Failure.usage("no localhost line for " + Resolving.format(first) + " in " + file);
        front.addAll(rest);
        for (int i = 0; i < slots.size(); i++) lines.set(slots.get(i), front.get(i));
        return String.join("\n", lines) + "\n";
    }

    /** Backs the file up, writes {@code newText} in place, and puts the file back when this JVM exits in any way but SIGKILL. */
    public synchronized void edit(String newText) {
        refuseTheMachinesFileOnLinux();
        if (!Files.isWritable(file)) {
            throw Failure.failed("cannot write " + file + ": permission denied (on macOS: sudo JAVA_HOME=\"$JAVA_HOME\" " + Tools.jbang()
                    + " reorder-hosts@catalog --first ADDRESS --edit)");
        }
        byte[] original;
        try {
            original = Files.readAllBytes(file);
            Files.createDirectories(backup.toAbsolutePath().getParent());
            Files.write(backup, original, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.writeString(owner(), file.toAbsolutePath() + "\n"); // which file the backup belongs to
        } catch (FileAlreadyExistsException e) {
            throw Failure.failed("a backup from an earlier run is still at " + backup + ", so " + file
                    + " may still be edited: put it back with --restore (or delete the backup if " + file + " is right), then run again");
        } catch (IOException e) {
            throw Failure.failed("cannot back up " + file + " to " + backup + ": " + e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (restore()) System.err.println(file + " put back from " + backup + "; backup removed.");
            } catch (Failure e) {
                System.err.println(e.getMessage());
            }
        }, "put " + file + " back"));
        edited = true; // from here on the file may differ from its backup: a write that fails half-way has emptied it
        try {
            Files.writeString(file, newText, StandardCharsets.UTF_8); // in place: same inode, so a bind mount sees it
        } catch (IOException e) {
            restore(); // or, if that fails too, one line that says where the backup stays
            throw Failure.failed("cannot write " + file + ": " + e.getMessage() + "; it is as it was");
        }
    }

    /** Puts the backup back in place and removes it; true if there was an edit to undo. */
    public synchronized boolean restore() {
        if (!edited) return false;
        try {
            Files.write(file, Files.readAllBytes(backup));
        } catch (IOException e) {
            throw Failure.failed("cannot put " + file + " back: " + e.getMessage() + "; the backup stays at " + backup);
        }
        edited = false;
        deleteBackup();
        return true;
    }

    /** After a run that could not clean up (SIGKILL, power cut): puts the leftover backup back, into the file it came from. */
    public synchronized void restoreLeftover() {
        if (!Files.exists(backup)) throw Failure.failed("no backup at " + backup + ": nothing to restore");
        try {
            String of = Files.exists(owner()) ? Files.readString(owner()).strip() : file.toAbsolutePath().toString();
            if (!of.equals(file.toAbsolutePath().toString())) {
                throw Failure.failed("the backup at " + backup + " is of " + of + ", not of " + file + ": add --file " + of);
            }
        } catch (IOException e) {
            throw Failure.failed("cannot read " + owner() + ": " + e.getMessage());
        }
        refuseTheMachinesFileOnLinux();
        edited = true;
        restore();
    }

    /**
     * On Linux the machine's /etc/hosts is off limits, under any name (a link, a
     * bind mount of it). A private copy mounted over /etc/hosts in a sandbox is not
     * the machine's file, and may be edited.
     */
    private void refuseTheMachinesFileOnLinux() {
        if (isTheMachinesOnLinux()) throw Failure.usage(NEVER_ON_LINUX + "; " + instead());
    }

    /** What the lab never edits on Linux, and what to do instead (reorder-hosts says it before --edit too). */
    public static final String NEVER_ON_LINUX = "on Linux the lab never edits this machine's real /etc/hosts";

    /** What to do instead of editing Linux's real /etc/hosts: a sandbox with a copy, or --file COPY. */
    public static String instead() {
        return "run this in a sandbox, where /etc/hosts is a private copy (" + Tools.jbang() + " sandbox@catalog --hosts COPY -- ...), or give --file COPY";
    }

    /** Whether this file is the machine's own /etc/hosts on Linux, under any name. */
    public boolean isTheMachinesOnLinux() {
        if (OperatingSystem.here() != OperatingSystem.LINUX) return false;
        for (Path machines : machineHostsFiles()) {
            try {
                if (Files.isSameFile(file, machines)) return true;
            } catch (IOException e) {
                return true; // cannot tell: assume the worst
            }
        }
        return false;
    }

    /**
     * The machine's /etc/hosts: ours, unless an ancestor of ours runs in another
     * mount namespace (we are in a sandbox), and then that ancestor's, seen
     * through /proc/PID/root.
     */
    private static List<Path> machineHostsFiles() {
        List<Path> found = new ArrayList<>();
        try {
            Path mine = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
            for (ProcessHandle p = ProcessHandle.current().parent().orElse(null); p != null; p = p.parent().orElse(null)) {
                Path proc = Path.of("/proc", Long.toString(p.pid()));
                try {
                    if (!Files.readSymbolicLink(proc.resolve("ns/mnt")).equals(mine)) found.add(proc.resolve("root/etc/hosts"));
                } catch (IOException unreadable) {
                    // another user's process, or one the kernel hides: look further up
                }
            }
        } catch (IOException e) {
            // no /proc to ask: only our own /etc/hosts is known
        }
        if (found.isEmpty()) found.add(ETC_HOSTS);
        return found;
    }

    /** Beside the backup: the path of the file it was taken from. */
    private Path owner() {
        return backup.resolveSibling(backup.getFileName() + ".of");
    }

    private void deleteBackup() {
        try {
            Files.deleteIfExists(owner());
            Files.deleteIfExists(backup);
        } catch (IOException e) {
            System.err.println("cannot remove the backup " + backup + ": " + e.getMessage());
        }
    }

    private static List<String> fields(String line) {
        int hash = line.indexOf('#');
        String data = (hash >= 0 ? line.substring(0, hash) : line).trim();
        return data.isEmpty() ? List.of() : List.of(data.split("\\s+"));
    }

    private static boolean namesLocalhost(List<String> fields) {
        return fields.size() > 1 && fields.subList(1, fields.size()).stream().anyMatch(n -> n.equalsIgnoreCase("localhost"));
    }
}
