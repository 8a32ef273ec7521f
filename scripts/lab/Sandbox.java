package lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * it through any process still inside (see {@link SharedSandbox}).
 */
public final class Sandbox implements AutoCloseable {
    private static final Path GAI_CONF = Path.of("/etc/gai.conf");
    private static Optional<String> unavailable;
    /** Not root: the sandbox gets a user namespace of its own, in which this user has the rights it needs. */
    private static boolean ownUserNamespace;
    /** Maps this user to itself (so files and the state folder stay theirs) and keeps the namespace's rights for the set-up. */
    private static final List<String> USER_NAMESPACE = List.of("--map-current-user", "--keep-caps");

    private final Process holder;     // null when we are inside already (entry 0), or for a box used only to join through
    private final long entry;         // a process inside, for nsenter -t; 0 when we are inside ourselves
    private final String namespaces;  // "net:[…] mnt:[…]" of the sandbox: what every member must be in
    private final String name;        // of a shared sandbox, or null
    private final boolean otherUserNamespace; // entry is in a user namespace we must join too (a sandbox made without root)

    Sandbox(Process holder, long entry, String namespaces, String name) {
        this.holder = holder;
        this.entry = entry;
        this.namespaces = namespaces;
        this.name = name;
        this.otherUserNamespace = entry != 0 && !userNamespaceOf(entry).equals(userNamespaceOf(ProcessHandle.current().pid()));
    }

    /** What the sandbox will look like. Null files mean "the machine's own". */
    public record Spec(Path hostsFile, Path gaiConf, List<String> loopbackAddresses, boolean noIpv6, boolean bindV6Only) {
        public static Spec hosts(Path hostsFile) {
            return new Spec(hostsFile, null, List.of(), false, false);
        }

        /** A private /etc/gai.conf too: the table glibc sorts addresses with. */
        public Spec withGaiConf(Path gaiConf) {
            return new Spec(hostsFile, gaiConf, loopbackAddresses, noIpv6, bindV6Only);
        }

        /** Adds an address to lo, such as "fe80::1/64" (the article's Mac has it). */
        public Spec withAddress(String cidr) {
            List<String> more = new ArrayList<>(loopbackAddresses);
            more.add(cidr);
            return new Spec(hostsFile, gaiConf, more, noIpv6, bindV6Only);
        }

        /** Takes ::1 off lo, as on a machine whose IPv6 is switched off. */
        public Spec withoutIpv6() {
            return new Spec(hostsFile, gaiConf, loopbackAddresses, true, bindV6Only);
        }

        /**
         * net.ipv6.bindv6only set to 1 in the sandbox's network: a [::] socket whose program does not
         * set IPV6_V6ONLY is IPv6-only there. Set as the sandbox is made, with its rights: a command
         * run inside later has none without root.
         */
        public Spec withBindV6Only() {
            return new Spec(hostsFile, gaiConf, loopbackAddresses, noIpv6, true);
        }
    }

    /** Why namespaces cannot be made here (not Linux, no rights, no tools), or empty if they can. */
    public static synchronized Optional<String> unavailable() {
        if (unavailable != null) return unavailable;
        Optional<String> now = probe();
        if (!now.orElse("").contains(SLOW)) unavailable = now; // a probe slowed by a busy machine is asked again
        return now;
    }

    private static Optional<String> probe() {
        if (OperatingSystem.here() != OperatingSystem.LINUX) {
            return Optional.of("network and mount namespaces are a Linux feature");
        }
        for (String tool : List.of("unshare", "nsenter", "setpriv", "ip", "mount")) {
            if (Tools.find(tool).isEmpty()) return Optional.of(Tools.notInstalled(tool));
        }
        // Try what the set-up does (lo up, a bind mount), not only the namespaces: a container may allow
        // those but not lo up (Docker without NET_ADMIN), a kernel neither (Ubuntu's AppArmor restriction).
        List<String> setUp = List.of("-n", "-m", "--propagation", "private", "--", "sh", "-c",
                "PATH=$PATH:/usr/sbin:/sbin; ip link set lo up && mount --bind /etc/hosts /etc/hosts");
        List<String> asRootCommand = new ArrayList<>(List.of("unshare"));
        asRootCommand.addAll(setUp);
        Optional<String> asRoot = fails(asRootCommand);
        if (asRoot.isEmpty()) return Optional.empty();
        // Without root, or as a root without NET_ADMIN, a user namespace of our own gives every right inside it.
        List<String> rootless = new ArrayList<>(List.of("unshare"));
        rootless.addAll(USER_NAMESPACE);
        rootless.addAll(setUp);
        Optional<String> asUser = fails(rootless);
        if (asUser.isEmpty()) {
            ownUserNamespace = true;
            return Optional.empty();
        }
        if (asRoot.get().contains("RTNETLINK")) { // namespaces made, lo not brought up: a container's root without NET_ADMIN
            return Optional.of("this root may make namespaces but not set up their network (ip link set lo up: " + asRoot.get()
                    + "; in a user namespace of its own: " + asUser.get() + "); a container needs the capabilities SYS_ADMIN and NET_ADMIN");
        }
        if (asUser.get().contains("unrecognized option")) {
            return Optional.of("this user may not create namespaces (unshare -n -m: " + asRoot.get()
                    + "), and this unshare is older than util-linux 2.38, which a sandbox without root needs (--map-current-user): Ubuntu 24.04 and Debian 13 have it (the lab itself is never run with sudo)");
        }
        return Optional.of("this user may not create namespaces (unshare -n -m: " + asRoot.get() + "; in a user namespace of its own: "
                + asUser.get() + "); allow unprivileged user namespaces" + appArmorsWay() + " (the lab itself is never run with sudo)");
    }

    /** Ubuntu 24.04's AppArmor keeps users from making namespaces: how to lift that, where it does. */
    private static String appArmorsWay() {
        try {
            String restricted = ProcFiles.read(Path.of("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")).strip();
            return restricted.equals("1") ? ": sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0 (until the next restart)" : "";
        } catch (IOException e) {
            return ""; // no such setting: not AppArmor's doing
        }
    }

    private static final String SLOW = " did not end within 30 s";

    /** What {@code command} said if it failed, or empty if it ran. */
    private static Optional<String> fails(List<String> command) {
        try {
            // In C's words: what is read here ("unrecognized option") must not come translated.
            List<String> inC = new ArrayList<>(List.of("env", "LC_ALL=C"));
            inC.addAll(command);
            ProcessOutput.Said said = ProcessOutput.run(inC, Duration.ofSeconds(30));
            String out = said.text().strip().replace('\n', ' ');
            if (said.ran()) return Optional.empty();
            if (said.exit() == null) return Optional.of(command.get(0) + SLOW);
            return Optional.of(out.isEmpty() ? "exit " + said.exit() : out);
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /**
     * Why a sandbox made from {@code spec} cannot be made here: no namespaces, or a private gai.conf
     * with no /etc/gai.conf to mount it over (Fedora ships none; the lab creates nothing in /etc).
     */
    public static Optional<String> unavailable(Spec spec) {
        if (unavailable().isPresent()) return unavailable();
        return spec.gaiConf() != null && !Files.isRegularFile(GAI_CONF, LinkOption.NOFOLLOW_LINKS) ? Optional.of(NO_GAI_CONF) : Optional.empty();
    }

    private static final String NO_GAI_CONF = "this machine has no /etc/gai.conf to mount a private copy over "
            + "(glibc uses its built-in table), and the lab creates nothing in the real /etc";

    /** "as root", or "in a user namespace ..." when this user makes sandboxes without root's rights. */
    public static String rights() {
        return unavailable().isEmpty() && ownUserNamespace ? "in a user namespace of this user's own, no root rights needed" : "as root";
    }

    // The holder's set-up. Values come in as arguments, never pasted into the script:
    // $1 hosts file or "", $2 gai.conf or "", $3 "1" to take IPv6 off lo, $4 "1" for bindv6only, then addresses for lo.
    private static final String SET_UP = """
            set -e
            PATH=$PATH:/usr/sbin:/sbin
            hosts=$1 gai=$2 noipv6=$3 v6only=$4
            shift 4
            ip link set lo up
            if [ -n "$v6only" ]; then
              # A container's /proc/sys is a read-only bind mount: this mount alone made writable, in this private mount namespace.
              echo 1 2>/dev/null > /proc/sys/net/ipv6/bindv6only || { mount -o remount,bind,rw /proc/sys 2>/dev/null \
                && echo 1 > /proc/sys/net/ipv6/bindv6only; } || true
            fi
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

    /** The same, named {@code name} when SharedSandbox shares it (null: not shared). */
    static Sandbox start(Spec spec, String name) {
        // A wrong command line is said first (exit 2), then what this machine cannot do (exit 1).
        for (Path file : Stream.of(spec.hostsFile(), spec.gaiConf()).filter(f -> f != null).toList()) {
            GivenFiles.requireRegular(file, file.equals(spec.gaiConf()) ? "gai.conf" : "hosts file"); // mounted over /etc's
        }
        for (String cidr : spec.loopbackAddresses()) requireCidr(cidr);
        unavailable(spec).ifPresent(why -> { throw Failure.failed("cannot make a sandbox: " + why); });
        List<String> command = new ArrayList<>(List.of("unshare"));
        if (ownUserNamespace) command.addAll(USER_NAMESPACE);
        command.addAll(List.of("-n", "-m", "--propagation", "private", "--", "sh", "-c", SET_UP, "sandbox",
                path(spec.hostsFile()), path(spec.gaiConf()), spec.noIpv6() ? "1" : "", spec.bindV6Only() ? "1" : ""));
        command.addAll(spec.loopbackAddresses());
        try {
            Process holder = new ProcessBuilder(command).start();
            if (!saidReady(holder)) {
                Servers.stop(holder);
                // Every line that says something: mount's last line only points at dmesg.
                String why = new String(holder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("dmesg(1)")).reduce((a, b) -> a + " / " + b).orElse("exit " + holder.exitValue());
                throw Failure.failed("cannot make a sandbox: its set-up failed: " + why);
            }
            return new Sandbox(holder, holder.pid(), namespacesOf(holder.pid()).orElse("?"), name);
        } catch (IOException e) {
            throw Failure.failed("cannot make a sandbox: " + e.getMessage());
        }
    }

    /** Whether a holder said "ready": it is inside, and the namespaces are set up. */
    static boolean saidReady(Process holder) throws IOException {
        return new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8).equals("ready\n");
    }

    private static String path(Path file) {
        return file == null ? "" : file.toAbsolutePath().toString();
    }

    /** "fe80::1/64" and the like: an address literal and a prefix length, or a usage error. */
    private static void requireCidr(String cidr) {
        String[] parts = cidr.split("/", -1);
        try {
            int bits = Resolving.literal(parts[0]).getAddress().length * 8;
            if (parts.length > 2 || (parts.length == 2 && !(parts[1].matches("\\d{1,3}") && Integer.parseInt(parts[1]) <= bits))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw Failure.usage("'" + cidr + "' is not an address with a prefix length, such as fe80::1/64");
        }
    }

    /** The network and mount namespaces of a live process of ours, as /proc names them. */
    static Optional<String> namespacesOf(long pid) {
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
        if (name != null) SharedSandbox.leave(this);
        else stopHolder();
    }

    // What SharedSandbox lists of a named sandbox, and how it lets one go.

    Process holder() {
        return holder;
    }

    long entry() {
        return entry;
    }

    String namespaces() {
        return namespaces;
    }

    String name() {
        return name;
    }

    void stopHolder() {
        Servers.stop(holder);
        try {
            holder.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
