package lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What `localhost` is on this machine, and which common system it is like.
 * The count of addresses decides the whole lab: one per server that binds.
 *
 * Default /etc/hosts files (see tests/recorded/ for the real ones and their sources):
 * Ubuntu names ::1 only ip6-localhost, so localhost is 127.0.0.1 alone; Debian and
 * Fedora name both; Docker's depends on whether the container has IPv6; macOS's names both
 * since OS X 10.10, and the article's Mac, like OS X before it, fe80::1%lo0 too.
 */
public final class Localhost {
    private Localhost() {}

    /** One line: this machine's localhost, what it is like, and how to see the article's three addresses. */
    public static String describe() {
        List<InetAddress> here = Resolving.distinct(Resolving.resolve("localhost"));
        String list = here.stream().map(Resolving::format).collect(Collectors.joining(", "));
        String line = "This machine's localhost: " + list + " (" + likeWhat(here) + ").";
        String refused = System.getProperty(Article.REFUSED); // the article-mode kernel, on a Mac without the article's line
        if (refused != null) return line + " This is the plain kernel: " + refused + ".";
        // A Mac's own line says what it lacks: article mode cannot give it the third address.
        boolean mac = OperatingSystem.here() == OperatingSystem.MACOS;
        if (Article.current().isPresent() || here.size() >= 3 || mac) return line;
        return line + " The article's three addresses: " + Tools.jbang() + " lab@catalog --sandbox article.";
    }

    /**
     * Whether a client here can reach a server on the loopback: a server on a free port of 127.0.0.1
     * (or ::1) takes a connection. A new network namespace starts with its loopback down (a bare
     * `unshare -n`): servers still bind 127.0.0.1 there, but no client reaches them.
     */
    public static boolean loopbackIsUp() {
        for (String address : List.of("127.0.0.1", "::1")) {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName(address));
                 Socket client = new Socket()) {
                client.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 2000);
                return true;
            } catch (IOException unreachable) {
                // "Network is unreachable" with the loopback down; try the other address
            }
        }
        return false;
    }

    /** Fails with one line when {@link #loopbackIsUp} is false: nothing a notebook does could work here. */
    public static void requireLoopback() {
        if (!loopbackIsUp()) throw Failure.failed("this machine's loopback interface is down (as in a new network namespace):"
                + " servers would bind localhost but no client could reach them; bring it up (ip link set lo up) and run again");
    }

    /** Which common system has a localhost like {@code addresses}. */
    static String likeWhat(List<InetAddress> addresses) {
        return likeWhat(OperatingSystem.here(), addresses);
    }

    /** Which common system has a localhost like {@code addresses}, on a machine of kind {@code os}. */
    public static String likeWhat(OperatingSystem os, List<InetAddress> addresses) {
        if (Article.current().filter(m -> m == Article.Mode.FALLBACK).isPresent()) {
            return "article mode, fallback without namespaces: 127.0.0.2 stands in for fe80::1";
        }
        if (Article.current().isPresent()) return "article mode: the article's Mac";
        if (os == OperatingSystem.WINDOWS) return "Windows answers localhost itself";
        boolean v4 = addresses.stream().anyMatch(a -> Resolving.format(a).equals("127.0.0.1"));
        boolean v6 = addresses.stream().anyMatch(a -> Resolving.format(a).equals("::1"));
        if (os == OperatingSystem.MACOS) {
            boolean third = addresses.stream().anyMatch(a -> Resolving.format(a).equals("fe80::1"));
            if (third) return "a Mac like the article's: its /etc/hosts names fe80::1%lo0 too";
            return addresses.size() == 2 && v4 && v6 ? "a Mac with today's default /etc/hosts, without the article's fe80::1%lo0 line"
                    : "a Mac whose /etc/hosts has lines of its own";
        }
        if (addresses.size() >= 3) return "like the article's Mac: three addresses";
        if (addresses.size() == 2 && v4 && v6) return "like Debian's and Fedora's default /etc/hosts: ::1 and 127.0.0.1";
        if (addresses.size() == 1 && v4) {
            boolean ubuntuStyle = HostsFile.entries(hostsText()).stream()
                    .anyMatch(e -> e.address().equals("::1") && e.names("ip6-localhost") && !e.names("localhost"));
            return ubuntuStyle ? "like Ubuntu's default /etc/hosts, where ::1 is only ip6-localhost"
                               : "like Docker images without IPv6 and minimal images: no ::1 localhost line";
        }
        if (addresses.size() == 1 && v6) return "IPv6 only: no 127.0.0.1 localhost line";
        return "an /etc/hosts of its own";
    }

    /** The hosts file this JVM resolves from: a private one if set, else the machine's. */
    private static String hostsText() {
        String file = System.getProperty(Resolving.HOSTS_FILE);
        return HostsFile.textOrNothing(file == null ? HostsFile.ETC_HOSTS : Path.of(file));
    }
}
