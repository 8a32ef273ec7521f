package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private corner of a Linux machine to change name resolution in without
 * touching it: a new network namespace (its own lo) and mount namespace (its
 * own /etc/hosts and /etc/gai.conf, bind-mounted from private copies). The real
 * files are never written.
 *
 * A holder process keeps the namespaces alive; commands join them with
 * nsenter. The holder waits on its stdin, so it ends when we do, even on SIGKILL.
 * A named sandbox can be shared: programs started later in other terminals join
 * it through any process still inside (see {@link #shared}).
 */
public final class Sandbox implements AutoCloseable {
    private static Optional<String> unavailable;

    private final Process holder;      // null when we joined a sandbox someone else started
    private final long entry;          // a process inside the namespaces, for nsenter -t
    private final Path members;        // where a shared sandbox lists the processes inside, or null
    private final Path overlay;        // private upper layer over /etc, when the machine has no /etc/gai.conf

    private Sandbox(Process holder, long entry, Path members, Path overlay) {
        this.holder = holder;
        this.entry = entry;
        this.members = members;
        this.overlay = overlay;
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
        for (String tool : List.of("unshare", "nsenter", "ip", "mount")) {
            if (which(tool) == null) return Optional.of("'" + tool + "' is not installed (util-linux, iproute2)");
        }
        try {
            Process p = new ProcessBuilder("unshare", "-n", "-m", "true").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ' ');
            if (p.waitFor() != 0) {
                return Optional.of("this user may not create namespaces (unshare -n -m: " + out + "); run as root");
            }
        } catch (IOException | InterruptedException e) {
            return Optional.of("cannot run unshare: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Starts the namespaces; fails with one clear line if they cannot be made. */
    public static Sandbox start(Spec spec) {
        return start(spec, null);
    }

    private static Sandbox start(Spec spec, Path members) {
        unavailable().ifPresent(why -> { throw Cli.failed("cannot make a sandbox: " + why); });
        for (Path file : Stream.of(spec.hostsFile(), spec.gaiConf()).filter(f -> f != null).toList()) {
            if (!Files.isReadable(file)) throw Cli.usage("cannot read " + file);
        }
        StringBuilder script = new StringBuilder("set -e\nip link set lo up\n");
        for (String cidr : spec.loopbackAddresses()) {
            script.append("ip addr add ").append(cidr).append(" dev lo nodad\n");
        }
        if (spec.noIpv6()) script.append("ip -6 addr flush dev lo\n");
        Path overlay = null;
        if (spec.gaiConf() != null && !Files.exists(Path.of("/etc/gai.conf"))) {
            // Nothing to mount over: lay a private, writable layer over /etc (in this namespace only) and make one there.
            overlay = temporaryDirectory();
            script.append("mkdir '").append(overlay).append("/upper' '").append(overlay).append("/work'\n")
                  .append("mount -t overlay lab-etc -o lowerdir=/etc,upperdir='").append(overlay).append("/upper',workdir='")
                  .append(overlay).append("/work' /etc\n")
                  .append(": > /etc/gai.conf\n");
        }
        if (spec.hostsFile() != null) script.append(bind(spec.hostsFile(), "/etc/hosts"));
        if (spec.gaiConf() != null) script.append(bind(spec.gaiConf(), "/etc/gai.conf"));
        script.append("echo ready\nexec cat >/dev/null\n");
        try {
            Process holder = new ProcessBuilder("unshare", "-n", "-m", "--propagation", "private", "--", "sh", "-c", script.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] ready = holder.getInputStream().readNBytes(6);
            if (!new String(ready, StandardCharsets.UTF_8).equals("ready\n")) {
                Servers.stop(holder);
                throw Cli.failed("cannot make a sandbox: its set-up failed (exit " + holder.exitValue() + ")");
            }
            Sandbox box = new Sandbox(holder, holder.pid(), members, overlay);
            if (members != null) box.addMember(holder.pid());
            return box;
        } catch (IOException e) {
            throw Cli.failed("cannot make a sandbox: " + e.getMessage());
        }
    }

    private static String bind(Path file, String target) {
        return "mount --bind '" + file.toAbsolutePath() + "' " + target + "\n";
    }

    /**
     * The sandbox called {@code name}, shared by every program of this user that
     * asks for it: joined through any process still inside, or started from
     * {@code spec} when none is left. Call it while holding {@link #lock}, and add
     * what you start inside with {@link #addMember}, so that later programs can
     * join after this one (and the holder) are gone.
     */
    public static Sandbox shared(String name, Spec spec) {
        Path members = stateDirectory(name).resolve("members");
        try {
            Files.createDirectories(members);
            try (Stream<Path> files = Files.list(members)) {
                for (Path file : files.toList()) {
                    long pid = Long.parseLong(file.getFileName().toString());
                    String recorded = read(file);
                    boolean inside = namespaceOf(pid).filter(ns -> ns.equals(recorded)).isPresent();
                    if (inside && !namespaceOf(ProcessHandle.current().pid()).orElse("").equals(recorded)) {
                        return new Sandbox(null, pid, members, null);
                    }
                    Files.deleteIfExists(file); // gone, or a new process under a recycled pid
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(spec, members);
    }

    /** A per-user folder for a shared sandbox's state (its hosts file, its members). */
    public static Path stateDirectory(String name) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "localhost-lab-" + System.getProperty("user.name"), name);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes a shared sandbox's lock, so that two programs started at once make one
     * sandbox, not two. Closing the returned channel releases it.
     */
    public static FileChannel lock(String name) {
        try {
            FileChannel channel = FileChannel.open(stateDirectory(name).resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channel.lock();
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records a process started inside this shared sandbox (it may not have entered it yet). */
    public void addMember(long pid) {
        if (members == null) return;
        namespaceOf(entry).ifPresent(ns -> {
            try {
                Files.writeString(members.resolve(Long.toString(pid)), ns);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Forgets a process that has left (or is about to leave) this shared sandbox. */
    public void removeMember(long pid) {
        if (members == null) return;
        try {
            Files.deleteIfExists(members.resolve(Long.toString(pid)));
        } catch (IOException e) {
            // a stale entry is cleaned up by the next program that looks
        }
    }

    /** The network namespace of a live process, as /proc names it ("net:[4026532…]"). */
    private static Optional<String> namespaceOf(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code command}, to be run inside the sandbox's namespaces, in the caller's working directory. */
    public List<String> inside(List<String> command) {
        List<String> joined = new ArrayList<>(List.of("nsenter", "-t", Long.toString(entry), "-n", "-m", "--wd=.", "--"));
        joined.addAll(command);
        return joined;
    }

    /** Stops the holder if we started it. Processes still inside keep a shared sandbox alive. */
    @Override
    public void close() {
        if (holder == null) return;
        removeMember(holder.pid());
        Servers.stop(holder);
        try {
            holder.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (overlay != null) deleteTree(overlay);
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("lab-etc");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover empty folder in the temp dir is harmless
        }
    }

    private static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) return candidate;
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
