package lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private corner of a Linux machine to change name resolution in without
 * touching it: a new network namespace (its own lo) and mount namespace (its
 * own /etc/hosts, bind-mounted from a private copy). The real /etc/hosts is
 * never written.
 *
 * A holder process keeps the namespaces alive; commands join them with
 * nsenter. The holder waits on its stdin, so it ends when we do, even on SIGKILL.
 */
public final class Sandbox implements AutoCloseable {
    private static Optional<String> unavailable;

    private final Process holder;

    private Sandbox(Process holder) {
        this.holder = holder;
    }

    /** What the sandbox will look like. */
    public record Spec(Path hostsFile, List<String> loopbackAddresses, boolean noIpv6) {
        public static Spec hosts(Path hostsFile) {
            return new Spec(hostsFile, List.of(), false);
        }

        /** Adds an address to lo, such as "fe80::1/64" (the article's Mac has it). */
        public Spec withAddress(String cidr) {
            List<String> more = new ArrayList<>(loopbackAddresses);
            more.add(cidr);
            return new Spec(hostsFile, more, noIpv6);
        }

        /** Takes ::1 off lo, as on a machine whose IPv6 is switched off. */
        public Spec withoutIpv6() {
            return new Spec(hostsFile, loopbackAddresses, true);
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
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                return Optional.of("this user may not create namespaces (unshare -n -m: " + out + "); run as root or allow user namespaces");
            }
        } catch (IOException | InterruptedException e) {
            return Optional.of("cannot run unshare: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Starts the namespaces; fails with one clear line if they cannot be made. */
    public static Sandbox start(Spec spec) {
        unavailable().ifPresent(why -> { throw Cli.failed("cannot make a sandbox: " + why); });
        StringBuilder script = new StringBuilder("set -e\nip link set lo up\n");
        for (String cidr : spec.loopbackAddresses()) {
            script.append("ip addr add ").append(cidr).append(" dev lo nodad\n");
        }
        if (spec.noIpv6()) script.append("ip -6 addr flush dev lo\n");
        if (spec.hostsFile() != null) {
            script.append("mount --bind '").append(spec.hostsFile().toAbsolutePath()).append("' /etc/hosts\n");
        }
        script.append("echo ready\nexec cat >/dev/null\n");
        try {
            Process holder = new ProcessBuilder("unshare", "-n", "-m", "--propagation", "private", "--", "sh", "-c", script.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] ready = holder.getInputStream().readNBytes(6);
            if (!new String(ready, StandardCharsets.UTF_8).equals("ready\n")) {
                Servers.stop(holder);
                throw Cli.failed("cannot make a sandbox: its set-up failed (exit " + holder.exitValue() + ")");
            }
            return new Sandbox(holder);
        } catch (IOException e) {
            throw Cli.failed("cannot make a sandbox: " + e.getMessage());
        }
    }

    /** {@code command}, to be run inside the sandbox's namespaces. */
    public List<String> inside(List<String> command) {
        List<String> joined = new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-n", "-m", "--"));
        joined.addAll(command);
        return joined;
    }

    @Override
    public void close() {
        Servers.stop(holder);
        try {
            holder.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
