package lab;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a name becomes a list of addresses, in which order, and how the article
 * writes them down.
 *
 * Java reads its resolver settings once, at the first lookup, so the two
 * {@code use...} methods must run before anything resolves a name.
 */
public final class Resolving {
    public static final String PREFER_IPV6 = "java.net.preferIPv6Addresses";
    public static final String HOSTS_FILE = "jdk.net.hosts.file";

    private Resolving() {}

    /**
     * Keep the operating system's order (getaddrinfo's, the one nc and the
     * article's Crystal server see). Java's default instead moves IPv4 first.
     * An explicit -Djava.net.preferIPv6Addresses=... still wins.
     */
    public static void useOsOrder() {
        if (System.getProperty(PREFER_IPV6) == null) {
            System.setProperty(PREFER_IPV6, "system");
        }
    }

    /**
     * Resolve from a private hosts file instead of asking the OS. With the OS
     * order kept, Java then returns the file's lines in file order: unlike glibc and
     * macOS, which both sort them.
     * A file Java would silently ignore (a folder, binary, no address at all) is
     * a usage error: Java would answer "localhost" with its own loopback instead.
     */
    public static void useHostsFile(Path file) {
        String text = GivenFiles.text(file, "hosts file", HOSTS_LINE);
        if (HostsFile.entries(text).isEmpty()) throw Failure.usage("hosts file " + file + " lists no address; " + HOSTS_LINE);
        System.setProperty(HOSTS_FILE, file.toAbsolutePath().toString());
    }

    private static final String HOSTS_LINE = "it needs lines such as '127.0.0.1 localhost'";

    /** Refuses what is no host name: Java resolves "" to a loopback address of its own choosing, a name nobody meant. */
    public static void requireName(String host) {
        if (host.isBlank() || host.contains(" ")) throw Failure.usage("'" + host + "' is not a host name");
    }

    /** Every address of {@code host}, in the order this JVM's resolver gives them. */
    public static List<InetAddress> resolve(String host) {
        requireName(host);
        String hostsFile = System.getProperty(HOSTS_FILE);
        if (hostsFile != null && !looksLikeAddress(host) && !listedIn(Path.of(hostsFile), host)) {
            // Java would fall back to its own loopback for "localhost", which is in neither file.
            throw Failure.usage("hosts file " + hostsFile + " lists no address for '" + host + "'; " + HOSTS_LINE.replace("localhost", host));
        }
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw Failure.usage("cannot resolve host '" + host + "'");
        }
    }

    private static boolean listedIn(Path file, String host) {
        try {
            return HostsFile.entries(Files.readString(file)).stream().anyMatch(e -> e.names(host));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether {@code text} is written like an address (127.0.0.1, ::1, fe80::1%lo), by its
     * letters alone: no lookup, so it is safe before the resolver settings are made.
     */
    public static boolean looksLikeAddress(String text) {
        // A colon (IPv6) or four dotted numbers: a name such as "cafe" must never go to DNS.
        return bare(text).matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*|\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** The address part of [::1], fe80::1%lo0 and the like: no brackets, no scope. */
    private static String bare(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        int scope = bare.indexOf('%');
        return scope >= 0 ? bare.substring(0, scope) : bare;
    }

    /** The order a default Java program sees: IPv4 first, each family keeping its order. */
    public static List<InetAddress> javaDefaultOrder(List<InetAddress> addresses) {
        List<InetAddress> ordered = new ArrayList<>();
        addresses.stream().filter(a -> a instanceof Inet4Address).forEach(ordered::add);
        addresses.stream().filter(a -> a instanceof Inet6Address).forEach(ordered::add);
        return ordered;
    }

    /**
     * Loopback means 127.0.0.0/8, ::1, or any address that sits on a loopback
     * interface (such as fe80::1 on lo, as on the article's Mac).
     */
    public static boolean isLoopback(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return true;
        }
        if (address.isAnyLocalAddress()) {
            return false;
        }
        try {
            NetworkInterface nic = NetworkInterface.getByInetAddress(address);
            return nic != null && nic.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }

    /** An address the way the article prints it: 127.0.0.1 or ::1, never a leading slash or a scope. */
    public static String format(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == 4 ? address.getHostAddress() : formatIpv6(bytes);
    }

    /** 127.0.0.1:3000 or [::1]:3000. */
    public static String format(InetAddress address, int port) {
        String text = format(address);
        return (address instanceof Inet6Address ? "[" + text + "]" : text) + ":" + port;
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups as "::". */
    static String formatIpv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') text.append(':');
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** A port number from 1 to 65535, or an IllegalArgumentException that says what is wrong with {@code text}. */
    public static int port(String text) {
        int port;
        try {
            port = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port number (1-65535)");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException(port + " is out of range (1-65535)");
        return port;
    }

    /** Parses an address literal such as 127.0.0.1, ::1 or fe80::1%lo0 without any lookup. */
    public static InetAddress literal(String text) {
        if (!looksLikeAddress(text)) throw new IllegalArgumentException("not an address literal: " + text);
        try {
            return InetAddress.getByName(bare(text));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address literal: " + text, e);
        }
    }

    /** The addresses of this list, each once, keeping the first occurrence. */
    public static List<InetAddress> distinct(List<InetAddress> addresses) {
        List<InetAddress> seen = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (seen.stream().noneMatch(s -> Arrays.equals(s.getAddress(), a.getAddress()))) seen.add(a);
        }
        return seen;
    }

    /**
     * The lab talks to loopback only. Anything else is refused with exit 2,
     * unless {@code allowFlag} names a flag the user gave to say "I mean it".
     */
    public static void requireLoopback(String host, List<InetAddress> addresses, String allowFlag, boolean allowed) {
        List<String> outside = addresses.stream().filter(a -> !isLoopback(a)).map(Resolving::format).toList();
        if (outside.isEmpty()) return;
        String what = "'" + host + "' gives " + String.join(", ", outside) + ", not a loopback address";
        if (allowFlag == null) throw Failure.usage(what + "; the lab only talks to loopback");
        if (!allowed) throw Failure.usage(what + "; the lab stays on loopback (add " + allowFlag + " to bind it anyway)");
        System.err.println("warning: " + what + "; other machines may reach this server");
    }
}
