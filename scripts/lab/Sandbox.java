package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A private corner of a Linux machine to change name resolution in without
 * touching it: a new network namespace (its own lo) and mount namespace (its
 * own /etc/hosts and /etc/gai.conf, bind-mounted from private copies). The real
 * files are never written, and nothing is created in the real /etc.
 *
 * Root makes it directly; another user makes it inside a user namespace of
 * their own, where the kernel allows that, and stays themselves in it.
 *
 * A holder process keeps the namespaces alive; commands join them with
 * nsenter. The holder waits on its stdin, so it ends when we do, even on SIGKILL.
 * A named sandbox can be shared: programs started later in other terminals join
 * it through any process still inside (see {@link #runShared}).
 */
public final class Sandbox implements AutoCloseable {
    private static final Path GAI_CONF = Path.of("/etc/gai.conf");
    /** Where shared sandboxes keep their state, instead of java.io.tmpdir (the tests use their own). */
    public static final String STATE = "lab.state";
    private static Optional<String> unavailable;
    /** Not root: the sandbox gets a user namespace of its own, in which this user has the rights it needs. */
    private static boolean ownUserNamespace;
    /** Maps this user to itself (so files and the state folder stay theirs) and keeps the namespace's rights for the set-up. */
    private static final List<String> USER_NAMESPACE = List.of("--map-current-user", "--keep-caps");

    private final Process holder;     // null when we joined a sandbox someone else started
    private final long entry;         // a process inside, for nsenter -t; 0 when we are inside ourselves
    private final String namespaces;  // "net:[…] mnt:[…]" of the sandbox: what every member must be in
    private final String name;        // of a shared sandbox, or null
    private final boolean otherUserNamespace; // entry is in a user namespace we must join too (a sandbox made without root)

    private Sandbox(Process holder, long entry, String namespaces, String name) {
        this.holder = holder;
        this.entry = entry;
        this.namespaces = namespaces;
        this.name = name;
        this.otherUserNamespace = entry != 0 && !userNamespaceOf(entry).equals(userNamespaceOf(ProcessHandle.current().pid()));
    }

    /** What the sandbox will look like. Null files mean "the machine's own". */
    public record Spec(Path hostsFile, Path gaiConf, List<String> loopbackAddresses, boolean noIpv6) {
        public static Spec hosts(Path hostsFile) {
            return new Spec(hostsFile, null, List.of(), false);
        }

        /** A private /etc/gai.conf too: the table glibc sorts addresses with. */
        public Spec withGaiConf(Path gaiConf) {
            return new Spec(hostsFile, gaiConf, loopbackAddresses, noIpv6);
        }

        /** Adds an address to lo, such as "fe80::1/64" (the article's Mac has it). */
        public Spec withAddress(String cidr) {
            List<String> more = new ArrayList<>(loopbackAddresses);
            more.add(cidr);
            return new Spec(hostsFile, gaiConf, more, noIpv6);
        }

        /** Takes ::1 off lo, as on a machine whose IPv6 is switched off. */
        public Spec withoutIpv6() {
            return new Spec(hostsFile, gaiConf, loopbackAddresses, true);
        }
    }

    /** Why namespaces cannot be made here (not Linux, no rights, no tools), or empty if they can. */
    public static synchronized Optional<String> unavailable() {
        if (unavailable == null) unavailable = probe();
        return unavailable;
    }

    private static Optional<String> probe() {
        if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
            return Optional.of("network and mount namespaces are a Linux feature");
        }
        for (String tool : List.of("unshare", "nsenter", "setpriv", "ip", "mount")) {
            if (Tools.find(tool).isEmpty()) return Optional.of(Tools.notInstalled(tool));
        }
        Optional<String> asRoot = fails(List.of("unshare", "-n", "-m", "true"));
        if (asRoot.isEmpty()) return Optional.empty();
        // Without root, a user namespace of our own may give the same rights inside it. Try what the set-up does
        // (lo up, a bind mount): some kernels allow the namespace but not those (Ubuntu's AppArmor restriction).
        List<String> rootless = new ArrayList<>(List.of("unshare"));
        rootless.addAll(USER_NAMESPACE);
        rootless.addAll(List.of("-n", "-m", "--propagation", "private", "--", "sh", "-c",
                "PATH=$PATH:/usr/sbin:/sbin; ip link set lo up && mount --bind /etc/hosts /etc/hosts"));
        Optional<String> asUser = fails(rootless);
        if (asUser.isEmpty()) {
            ownUserNamespace = true;
            return Optional.empty();
        }
        if (asUser.get().contains("unrecognized option")) {
            return Optional.of("this user may not create namespaces (unshare -n -m: " + asRoot.get()
                    + "), and this unshare is older than util-linux 2.38, which a sandbox without root needs (--map-current-user); run as root");
        }
        return Optional.of("this user may not create namespaces (unshare -n -m: " + asRoot.get() + "; in a user namespace of its own: "
                + asUser.get() + "); run as root, or allow unprivileged user namespaces");
    }

    /** What {@code command} said if it failed, or empty if it ran. */
    private static Optional<String> fails(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ' ');
            return p.waitFor() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "exit " + p.exitValue() : out);
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** "as root", or "in a user namespace ..." when this user makes sandboxes without root's rights. */
    public static String rights() {
        return unavailable().isEmpty() && ownUserNamespace ? "in a user namespace of this user's own, no root rights needed" : "as root";
    }

    // The holder's set-up. Values come in as arguments, never pasted into the script:
    // $1 hosts file or "", $2 gai.conf or "", $3 "1" to take IPv6 off lo, then addresses for lo.
    private static final String SET_UP = """
            set -e
            PATH=$PATH:/usr/sbin:/sbin
            hosts=$1 gai=$2 noipv6=$3
            shift 3
            ip link set lo up
            for cidr in "$@"; do ip addr add "$cidr" dev lo nodad; done
            if [ -n "$noipv6" ]; then ip -6 addr flush dev lo; fi
            if [ -n "$hosts" ]; then mount --bind "$hosts" /etc/hosts; fi
            if [ -n "$gai" ]; then mount --bind "$gai" /etc/gai.conf; fi
            echo ready
            exec cat >/dev/null
            """;

    /** Starts the namespaces; fails with one clear line if they cannot be made. */
    public static Sandbox start(Spec spec) {
        return start(spec, null);
    }

    private static Sandbox start(Spec spec, String name) {
        // A wrong command line is said first (exit 2), then what this machine cannot do (exit 1).
        for (Path file : Stream.of(spec.hostsFile(), spec.gaiConf()).filter(f -> f != null).toList()) {
            if (!Files.isReadable(file)) throw Failure.usage("cannot read " + file);
        }
        for (String cidr : spec.loopbackAddresses()) requireCidr(cidr);
        unavailable().ifPresent(why -> { throw Failure.failed("cannot make a sandbox: " + why); });
        if (spec.gaiConf() != null && !Files.isRegularFile(GAI_CONF, LinkOption.NOFOLLOW_LINKS)) {
            throw Failure.failed("cannot make a sandbox: this machine has no /etc/gai.conf to mount a private copy over "
                    + "(glibc uses its built-in table), and the lab creates nothing in the real /etc");
        }
        List<String> command = new ArrayList<>(List.of("unshare"));
        if (ownUserNamespace) command.addAll(USER_NAMESPACE);
        command.addAll(List.of("-n", "-m", "--propagation", "private", "--", "sh", "-c", SET_UP, "sandbox",
                path(spec.hostsFile()), path(spec.gaiConf()), spec.noIpv6() ? "1" : ""));
        command.addAll(spec.loopbackAddresses());
        try {
            Process holder = new ProcessBuilder(command).start();
            if (!saidReady(holder)) {
                Servers.stop(holder);
                String why = new String(holder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip().lines()
                        .reduce((a, b) -> b).orElse("exit " + holder.exitValue());
                throw Failure.failed("cannot make a sandbox: its set-up failed: " + why);
            }
            return new Sandbox(holder, holder.pid(), namespacesOf(holder.pid()).orElse("?"), name);
        } catch (IOException e) {
            throw Failure.failed("cannot make a sandbox: " + e.getMessage());
        }
    }

    private static String path(Path file) {
        return file == null ? "" : file.toAbsolutePath().toString();
    }

    /** "fe80::1/64" and the like: an address literal and a prefix length, or a usage error. */
    private static void requireCidr(String cidr) {
        String[] parts = cidr.split("/", -1);
        try {
            Resolving.literal(parts[0]);
            if (parts.length > 2 || (parts.length == 2 && !parts[1].matches("\\d{1,3}"))) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw Failure.usage("'" + cidr + "' is not an address with a prefix length, such as fe80::1/64");
        }
    }

    /**
     * Runs {@code command} in the sandbox called {@code name}, on our terminal,
     * and returns its exit code. The sandbox is shared by every program of this
     * user that asks for it by name: joined through any process still inside,
     * started from {@code spec} when none is left, or used as is when we are
     * inside it already. Each program keeps a holder of its own in the sandbox
     * while its command runs, so that later programs can join after the first has gone.
     */
    public static int runShared(String name, Supplier<Spec> spec, List<String> command) {
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
    private static Sandbox joinOrStart(String name, Supplier<Spec> spec) throws IOException {
        Path members = members(name);
        String ours = namespacesOf(ProcessHandle.current().pid()).orElse("");
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
        Sandbox box = start(spec.get(), name);
        box.addMember(box.holder.pid());
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
        return namespacesOf(Long.parseLong(pid)).filter(recorded::equals);
    }

    /** Whether a holder said "ready": it is inside, and the namespaces are set up. */
    private static boolean saidReady(Process holder) throws IOException {
        return new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8).equals("ready\n");
    }

    /**
     * Joins a shared sandbox through a live member by starting a holder of our own
     * inside, listed as a member in turn. Members are holders only, and a holder
     * ends under the lock (in close), so no one joins through a process that is leaving.
     */
    private static Sandbox joinThrough(long member, String namespaces, String name) throws IOException {
        Sandbox through = new Sandbox(null, member, namespaces, name);
        Process holder = new ProcessBuilder(through.inside(List.of("sh", "-c", "echo ready; exec cat >/dev/null"))).start();
        if (!saidReady(holder)) {
            Servers.stop(holder);
            throw new IOException("could not join it through process " + member);
        }
        Sandbox box = new Sandbox(holder, holder.pid(), namespaces, name);
        box.addMember(holder.pid());
        return box;
    }

    /**
     * A per-user folder for a shared sandbox's state. Namespace mode often runs as root,
     * so the folder must be ours alone: created 0700, and refused if someone else
     * made it (or made it a link), lest root write where that user points.
     */
    public static Path stateDirectory(String name) {
        Path base = statePath(name).getParent();
        String user = System.getProperty("user.name");
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
                            && Files.getOwner(base, LinkOption.NOFOLLOW_LINKS).getName().equals(user)
                            && Files.getPosixFilePermissions(base, LinkOption.NOFOLLOW_LINKS).equals(ownerOnly);
                    if (!ours) throw Failure.failed(base + " is not a private folder of " + user + " (owned by " + user + ", mode 0700, not a link); remove it and run again");
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
        String user = System.getProperty("user.name");
        return Path.of(System.getProperty(STATE, System.getProperty("java.io.tmpdir")), "localhost-lab-" + user, name);
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

    /** Lists a process started into this shared sandbox, once it is inside (nsenter needs a moment). */
    private void addMember(long pid) throws IOException {
        if (name == null || entry == 0) return;
        for (int i = 0; i < 250 && !namespacesOf(pid).orElse("").equals(namespaces); i++) {
            if (ProcessHandle.of(pid).isEmpty()) return; // it ended before it got in
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (namespacesOf(pid).orElse("").equals(namespaces)) {
            Files.writeString(members(name).resolve(Long.toString(pid)), namespaces);
        }
    }

    private void removeMember(long pid) {
        if (name == null) return;
        try {
            // Without making anything: the folder may be gone, and must not come back with the wrong mode.
            Files.deleteIfExists(statePath(name).resolve("members").resolve(Long.toString(pid)));
        } catch (IOException e) {
            // a stale entry is cleaned up by the next program that looks
        }
    }

    /** The network and mount namespaces of a live process of ours, as /proc names them. */
    private static Optional<String> namespacesOf(long pid) {
        try {
            Path ns = Path.of("/proc", Long.toString(pid), "ns");
            return Optional.of(Files.readSymbolicLink(ns.resolve("net")) + " " + Files.readSymbolicLink(ns.resolve("mnt")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String userNamespaceOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "user")).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    /** {@code command}, to be run inside the sandbox's namespaces, in the caller's working directory. */
    public List<String> inside(List<String> command) {
        if (entry == 0) return command;
        List<String> joined = new ArrayList<>(List.of("nsenter", "-t", Long.toString(entry)));
        if (otherUserNamespace) joined.addAll(List.of("-U", "--preserve-credentials")); // as ourselves, not as its root
        joined.addAll(List.of("-n", "-m", "--wd=.", "--"));
        joined.addAll(command);
        return joined;
    }

    /** Stops the holder if we started it. Processes still inside keep a shared sandbox alive. */
    @Override
    public void close() {
        if (holder == null) return;
        if (name != null) {
            // Under the lock, so that nobody joins through the holder while it goes.
            try (FileChannel lock = lock(name)) {
                removeMember(holder.pid());
                stopHolder();
            } catch (IOException e) {
                stopHolder();
            }
        } else {
            stopHolder();
        }
    }

    private void stopHolder() {
        Servers.stop(holder);
        try {
            holder.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
