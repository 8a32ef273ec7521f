package lab;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import lab.Clients.Program;
import lab.Listeners.Listener;

/**
 * What the clients' rules ({@link Clients}) need to know of this machine: where each client is installed
 * and which version it is, the order its resolver gives, whether ::1 is up, and which [::] listeners also
 * take IPv4.
 */
public final class ClientsHere {
    private ClientsHere() {}

    // ---- Where each client is, and which version.

    /** The programs that stand for each client, in the order they are looked for. */
    private static final Map<String, List<String>> COMMANDS = Map.of(
            "nc", List.of("nc", "netcat"), "curl", List.of("curl"), "node", List.of("node", "nodejs"),
            "python", List.of("python3", "python"),
            "chromium", List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"),
            "java", List.of("java"), "java-system", List.of("java"));

    /** Finds each client and asks its version, all at once (each is a process start, but java's: see {@link #program}). */
    public static Map<String, Program> installed() {
        Map<String, CompletableFuture<Program>> asked = new LinkedHashMap<>();
        for (String client : Clients.NAMES) {
            if (!client.equals("java-system")) asked.put(client, CompletableFuture.supplyAsync(() -> program(client)));
        }
        Map<String, Program> programs = new LinkedHashMap<>();
        asked.forEach((client, f) -> programs.put(client, f.join()));
        Program java = programs.get("java"); // java-system is the same program, run with another option
        programs.put("java-system", new Program("java-system", java.path(), java.version(), java.flavor()));
        return programs;
    }

    /** macOS keeps its browsers in application bundles, off PATH (not tested here: the kit's tests run on Linux). */
    private static final List<Path> MACOS_CHROMIUMS = List.of(Path.of("/Applications/Chromium.app/Contents/MacOS/Chromium"),
            Path.of("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"));

    /** Where {@code client} (one of {@link Clients#NAMES}) is installed here: the first of the programs that stand for it. */
    public static Optional<Path> find(String client) {
        return everyOne(client).findFirst();
    }

    /** Every program found for {@code client}, in the order {@link #find} tries them (a Mac's apps after the PATH). */
    public static Stream<Path> everyOne(String client) {
        Stream<Path> onPath = COMMANDS.get(client).stream().map(Tools::find).flatMap(Optional::stream); // no Apple stand-in
        if (!client.equals("chromium") || OperatingSystem.here() != OperatingSystem.MACOS) return onPath;
        return Stream.concat(onPath, MACOS_CHROMIUMS.stream().filter(Files::isExecutable));
    }

    private static Program program(String client) {
        Optional<Path> path = find(client);
        if (path.isEmpty()) return new Program(client, path, Optional.empty(), "");
        String p = path.get().toString();
        return switch (client) {
            case "nc" -> {
                String help = ProcessOutput.answerOrEmpty(p, "-h");
                // OpenBSD netcat and ncat walk the list; netcat-traditional ("[v1.10") only knows IPv4.
                String flavor = help.contains("OpenBSD") ? "openbsd" : help.contains("[v1.10") ? "traditional"
                        : help.toLowerCase(Locale.ROOT).contains("ncat") ? "ncat" : help.contains("BusyBox") ? "busybox" : "";
                Matcher m = Pattern.compile("patchlevel ([\\w.\\-]+)").matcher(help);
                yield new Program(client, path, m.find() ? Optional.of(m.group(1)) : Optional.empty(), flavor);
            }
            case "curl" -> new Program(client, path, first("curl (\\d+\\.\\d+\\.\\d+)", ProcessOutput.answerOrEmpty(p, "--version")), "");
            case "node" -> new Program(client, path, first("v(\\d+\\.\\d+\\.\\d+)", ProcessOutput.answerOrEmpty(p, "--version")), "");
            case "python" -> new Program(client, path, first("Python (\\d+\\.\\d+\\.\\d+)", ProcessOutput.answerOrEmpty(p, "--version")), "");
            case "chromium" -> new Program(client, path, first("(\\d+\\.[\\d.]+)", ProcessOutput.answerOrEmpty(p, "--version")), "");
            default -> new Program(client, path, isThisJvm(path.get()) ? Optional.of(System.getProperty("java.version"))
                    : first("version \"([^\"]+)\"", ProcessOutput.answerOrEmpty(p, "-version")), "");
        };
    }

    /** Whether {@code java} is the launcher of the JVM we run in: then its version is ours, and no JVM need start to say it. */
    private static boolean isThisJvm(Path java) {
        try {
            return java.toRealPath().equals(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Optional<String> first(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    // ---- What this machine's libc says, and which [::] listeners are dual-stack.

    /**
     * {@code host}'s addresses in getaddrinfo's order (flags 0, as nc, Python and Java ask),
     * as this machine's clients get them (in a sandbox: its /etc/hosts). Java in the OS order
     * asks getaddrinfo the same way, unless it reads a private hosts file (article mode):
     * then Python or getent asks libc. Not getent first: its AI_ADDRCONFIG can hide
     * 127.0.0.1 (seen in the article's sandbox, where fe80::1 is the only non-loopback address).
     * Call {@link Resolving#useOsOrder} before anything touches InetAddress.
     */
    public static List<InetAddress> osOrder(String host) {
        if (Resolving.looksLikeAddress(host)) return List.of(Resolving.literal(host));
        if (System.getProperty(Resolving.HOSTS_FILE) != null) {
            Optional<Path> python = Tools.find("python3");
            if (python.isPresent()) {
                String out = ProcessOutput.answerOrEmpty(python.get().toString(), "-c", "import socket,sys\n"
                        + "for a in dict.fromkeys(i[4][0] for i in socket.getaddrinfo(sys.argv[1], None, 0, socket.SOCK_STREAM)): print(a)", host);
                return addressesIn(out.lines().map(String::trim).toList());
            }
            Optional<Path> getent = Tools.find("getent");
            if (getent.isPresent()) {
                return addressesIn(ProcessOutput.answerOrEmpty(getent.get().toString(), "ahosts", host).lines().map(l -> l.trim().split("\\s+"))
                        .filter(f -> f.length >= 2 && f[1].equals("STREAM")).map(f -> f[0]).toList());
            }
        }
        Resolving.useOsOrder();
        try {
            return Resolving.distinct(List.of(InetAddress.getAllByName(host)));
        } catch (java.net.UnknownHostException e) {
            return List.of();
        }
    }

    private static List<InetAddress> addressesIn(List<String> texts) {
        return Resolving.distinct(texts.stream().filter(Resolving::looksLikeAddress).map(Resolving::literal).toList());
    }

    /**
     * Which addresses getaddrinfo keeps here for a client that asks with AI_ADDRCONFIG, as Node does:
     * glibc keeps a family only if this machine has an address of it besides 127.0.0.1 and ::1, and
     * both if it has neither (check_pf.c). So a container on an IPv4-only network, whose eth0 has no
     * IPv6, gets 127.0.0.1 alone, and the article's sandbox (fe80::1 on lo) ::1 alone. Linux only.
     */
    public static Predicate<InetAddress> addrconfig() {
        if (OperatingSystem.here() != OperatingSystem.LINUX) return a -> true;
        boolean v4 = false, v6 = false;
        try {
            for (NetworkInterface each : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(each.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.getHostAddress().equals("127.0.0.1")) v4 = true;
                    if (a instanceof Inet6Address && !a.isLoopbackAddress()) v6 = true;
                }
            }
        } catch (SocketException e) {
            return a -> true; // unknown: as if both
        }
        if (v4 == v6) return a -> true;
        boolean onlyV4 = v4;
        return a -> (a instanceof Inet4Address) == onlyV4;
    }

    /** Whether ::1 is set up here (curl and Chromium add it to localhost only then). */
    public static boolean loopbackIpv6() {
        if (OperatingSystem.here() == OperatingSystem.LINUX) {
            try {
                return Files.readAllLines(Path.of("/proc/net/if_inet6")).stream()
                        .anyMatch(l -> l.startsWith("00000000000000000000000000000001"));
            } catch (IOException e) {
                return false;
            }
        }
        try (var s = new java.net.ServerSocket()) {
            s.bind(new java.net.InetSocketAddress(Resolving.literal("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Which [::] listeners on {@code port} also take IPv4. Linux: `ss` prints a dual-stack
     * wildcard as *:PORT and an IPV6_V6ONLY one as [::]:PORT; without ss, the system default
     * (net.ipv6.bindv6only). macOS defaults to dual-stack. Windows defaults to IPV6_V6ONLY, which
     * Java (its Net.c) and Node (libuv) clear on every IPv6 socket: their [::] is dual-stack there.
     */
    public static Predicate<Listener> dualStack(int port) {
        if (OperatingSystem.here() == OperatingSystem.WINDOWS) return l -> l.command().matches("(?i)(java|javaw|node)(\\.exe)?");
        if (OperatingSystem.here() != OperatingSystem.LINUX) return l -> true;
        Optional<Path> ss = Tools.find("ss");
        if (ss.isPresent()) {
            String out = ProcessOutput.answerOrEmpty(ss.get().toString(), "-ltnH", "sport = :" + port);
            Set<String> locals = out.lines().map(l -> l.trim().split("\\s+")).filter(f -> f.length >= 5).map(f -> f[3]).collect(Collectors.toSet());
            if (locals.contains("*:" + port)) return l -> true;
            if (locals.contains("[::]:" + port)) return l -> false;
        }
        try {
            return ProcFiles.read(Path.of("/proc/sys/net/ipv6/bindv6only")).strip().equals("0") ? l -> true : l -> false;
        } catch (IOException e) {
            return l -> true;
        }
    }
}
