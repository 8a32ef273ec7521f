package lab;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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

import lab.Listeners.Listener;

/**
 * Which listener each common client reaches for HOST:PORT, by each client's own
 * rule, and why. The rules, with their sources (docs/doctor.md has more):
 *
 * - nc (OpenBSD netcat, also macOS's): getaddrinfo's order, next address on refusal.
 * - curl: before 7.78.0 getaddrinfo's order; 7.78.0 to 8.2.0 answers "localhost"
 *   itself with 127.0.0.1 then ::1 (curl PR #7039); 8.2.1 and later ::1 then 127.0.0.1
 *   (curl PR #11466); /etc/hosts is not read for localhost; falls back (Happy Eyeballs).
 * - node: resolver order since Node 17 (dns.lookup verbatim), IPv4 first before;
 *   tries every address since Node 20 (net autoSelectFamily), the first one only before.
 * - python (urllib, socket.create_connection): getaddrinfo's order, falls back.
 * - chromium: answers localhost itself with loopback only, ::1 then 127.0.0.1 (measured,
 *   Chromium 156), Happy Eyeballs: falls back.
 * - java: getaddrinfo's addresses with IPv4 first (preferIPv6Addresses=false), and
 *   new Socket(host, port) connects to ONE address (InetAddress.getByName): no fallback.
 * - java-system: -Djava.net.preferIPv6Addresses=system: getaddrinfo's order, one address.
 *
 * Where a packet to an address lands (Linux, and BSD for the most specific rule): the
 * listener bound to exactly that address, else the wildcard of its family (0.0.0.0 for
 * IPv4, [::] for IPv6), else, for IPv4, a [::] listener without IPV6_V6ONLY (dual-stack).
 */
public final class Clients {
    private Clients() {}

    public static final List<String> NAMES = List.of("nc", "curl", "node", "python", "chromium", "java", "java-system");

    /** A client program on this machine: where it is and its version, or not installed. */
    public record Program(String client, Optional<Path> path, Optional<String> version, String flavor) {
        public boolean installed() {
            return path.isPresent();
        }
    }

    /**
     * One client's prediction: its addresses in the order it takes them (only the first
     * when it has no fallback), the listener that answers
     * (null: nothing does), the address it reached, its rule alone (how: the handout's table),
     * and why in one line (the rule and what came of it here).
     */
    public record Reach(String client, Program program, List<InetAddress> tries, boolean fallback, Listener listener, InetAddress reached,
                        String how, String why) {
        public boolean reachesSomething() {
            return listener != null;
        }
    }

    // ---- Where a connection lands.

    /**
     * The listener that accepts a connection to {@code destination}, or empty.
     * {@code dualStack} tells whether a [::] listener takes IPv4 too (no IPV6_V6ONLY).
     */
    public static Optional<Listener> answering(InetAddress destination, List<Listener> listeners, Predicate<Listener> dualStack) {
        byte[] wanted = destination.getAddress();
        // The most specific bound socket wins: exact address first (a v4-mapped ::ffff:127.0.0.1 is 127.0.0.1).
        for (Listener l : listeners) if (Arrays.equals(l.address().getAddress(), wanted)) return Optional.of(l);
        boolean v4 = destination instanceof Inet4Address;
        for (Listener l : listeners) {
            if (l.address().isAnyLocalAddress() && (l.address() instanceof Inet4Address) == v4) return Optional.of(l);
        }
        if (v4) {
            for (Listener l : listeners) {
                if (l.address().isAnyLocalAddress() && l.address() instanceof Inet6Address && dualStack.test(l)) return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    // ---- The rules.

    /** How one client picks addresses: its order and whether it tries the next one on refusal. */
    private record Rule(List<InetAddress> tries, boolean fallback, String how) {}

    /**
     * Predicts every client in {@link #NAMES} for {@code host}:{@code port}. {@code order} is
     * getaddrinfo's answer for host here; {@code loopbackIpv6} whether ::1 is usable (curl
     * and Chromium only add ::1 for localhost then).
     */
    public static List<Reach> predict(String host, int port, List<InetAddress> order, List<Listener> listeners,
                                      Predicate<Listener> dualStack, Map<String, Program> programs, boolean loopbackIpv6) {
        List<Reach> all = new ArrayList<>();
        for (String client : NAMES) {
            Program program = programs.getOrDefault(client, new Program(client, Optional.empty(), Optional.empty(), ""));
            Rule rule = rule(client, program, host, order, loopbackIpv6);
            Listener answered = null;
            InetAddress reached = null;
            List<String> refused = new ArrayList<>();
            List<InetAddress> tried = rule.fallback() ? rule.tries() : rule.tries().stream().limit(1).toList();
            for (InetAddress a : tried) {
                Optional<Listener> l = answering(a, listeners, dualStack);
                if (l.isPresent()) {
                    answered = l.get();
                    reached = a;
                    break;
                }
                refused.add(Resolving.format(a));
            }
            String outcome;
            if (answered != null) {
                outcome = Resolving.format(reached) + " answers" + (refused.isEmpty() ? "" : " (" + String.join(", ", refused) + " refused)")
                        + (answered.address().isAnyLocalAddress() ? " via the wildcard " + Resolving.format(answered.address(), port) : "");
            } else if (rule.tries().isEmpty()) {
                outcome = host + " gives it no address";
            } else {
                outcome = String.join(", ", refused) + " refused" + (rule.fallback() || rule.tries().size() == 1 ? "" : ", and it never tries "
                        + rule.tries().stream().skip(1).map(Resolving::format).collect(Collectors.joining(", ")));
            }
            String prefix = program.installed() ? "" : "not installed; by its documented rule: ";
            all.add(new Reach(client, program, rule.tries(), rule.fallback(), answered, reached, rule.how(), prefix + rule.how() + ": " + outcome));
        }
        return all;
    }

    private static Rule rule(String client, Program program, String host, List<InetAddress> order, boolean loopbackIpv6) {
        String list = order.stream().map(Resolving::format).collect(Collectors.joining(", "));
        boolean localhost = host.equalsIgnoreCase("localhost") || host.toLowerCase(Locale.ROOT).endsWith(".localhost");
        List<InetAddress> fixedV6First = loopbackIpv6 ? List.of(literal("::1"), literal("127.0.0.1")) : List.of(literal("127.0.0.1"));
        switch (client) {
            case "nc": {
                if (program.flavor().equals("traditional")) {
                    // netcat-traditional resolves with gethostbyname: IPv4 only, one address.
                    List<InetAddress> v4 = order.stream().filter(a -> a instanceof Inet4Address).limit(1).toList();
                    return new Rule(v4, false, "netcat-traditional: IPv4 only, one address");
                }
                return new Rule(order, true, "getaddrinfo order (" + list + "), next on refusal");
            }
            case "curl": {
                int[] v = version(program.version().orElse("99"));
                String name = program.version().map(s -> "curl " + s).orElse("curl");
                // curl 7.85.0 added *.localhost; 7.78.0 plain localhost.
                boolean fixed = host.equalsIgnoreCase("localhost") ? atLeast(v, 7, 78, 0) : localhost && atLeast(v, 7, 85, 0);
                if (!fixed) return new Rule(order, true, name + " uses getaddrinfo order (" + list + "), next on refusal");
                if (atLeast(v, 8, 2, 1)) {
                    return new Rule(fixedV6First, true, name + " answers localhost itself (8.2.1+): ::1 then 127.0.0.1, not /etc/hosts; falls back");
                }
                List<InetAddress> v4First = loopbackIpv6 ? List.of(literal("127.0.0.1"), literal("::1")) : List.of(literal("127.0.0.1"));
                return new Rule(v4First, true, name + " answers localhost itself (7.78-8.2.0): 127.0.0.1 then ::1, not /etc/hosts; falls back");
            }
            case "node": {
                int[] v = version(program.version().orElse("99"));
                String name = program.version().map(s -> "Node " + s).orElse("Node");
                boolean verbatim = atLeast(v, 17, 0, 0);
                boolean fallback = atLeast(v, 20, 0, 0);
                List<InetAddress> tries = verbatim ? order : Resolving.javaDefaultOrder(order);
                return new Rule(tries, fallback, name + (verbatim ? " keeps resolver order (" + list + ")" : " puts IPv4 first (before 17)")
                        + (fallback ? ", autoSelectFamily falls back" : ", one address (no autoSelectFamily before 20)"));
            }
            case "python":
                return new Rule(order, true, "urllib: getaddrinfo order (" + list + "), next on refusal");
            case "chromium": {
                if (!localhost) return new Rule(order, true, "resolver order (" + list + "), Happy Eyeballs falls back");
                return new Rule(fixedV6First, true, "answers localhost itself: " + (loopbackIpv6 ? "::1 then 127.0.0.1" : "127.0.0.1")
                        + ", not /etc/hosts; Happy Eyeballs falls back");
            }
            case "java": {
                List<InetAddress> v4First = Resolving.javaDefaultOrder(order);
                return new Rule(v4First, false, "IPv4 first (" + v4First.stream().map(Resolving::format).collect(Collectors.joining(", "))
                        + "), ONE address, no fallback");
            }
            case "java-system":
                return new Rule(order, false, "preferIPv6Addresses=system: getaddrinfo order (" + list + "), ONE address, no fallback");
            default:
                throw new IllegalArgumentException("unknown client " + client);
        }
    }

    private static InetAddress literal(String text) {
        return Resolving.literal(text);
    }

    /** "7.88.1" → {7, 88, 1}; missing parts are 0. */
    static int[] version(String text) {
        int[] v = new int[3];
        Matcher m = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?").matcher(text);
        if (m.find()) for (int i = 0; i < 3; i++) v[i] = m.group(i + 1) == null ? 0 : Integer.parseInt(m.group(i + 1));
        return v;
    }

    static boolean atLeast(int[] v, int major, int minor, int patch) {
        return Arrays.compare(v, new int[] {major, minor, patch}) >= 0;
    }

    // ---- What is installed here.

    /** The programs that stand for each client, in the order they are looked for. */
    private static final Map<String, List<String>> COMMANDS = Map.of(
            "nc", List.of("nc", "netcat"), "curl", List.of("curl"), "node", List.of("node", "nodejs"),
            "python", List.of("python3", "python"),
            "chromium", List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"),
            "java", List.of("java"), "java-system", List.of("java"));

    /** Finds each client and asks its version, all at once (each is a process start, but java's: see {@link #program}). */
    public static Map<String, Program> installed() {
        Map<String, CompletableFuture<Program>> asked = new LinkedHashMap<>();
        for (String client : NAMES) {
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

    /** Where {@code client} (one of {@link #NAMES}) is installed here: the first of the programs that stand for it. */
    public static Optional<Path> find(String client) {
        Optional<Path> onPath = COMMANDS.get(client).stream().map(Tools::find).flatMap(Optional::stream).findFirst();
        if (onPath.isPresent() || !client.equals("chromium") || OperatingSystem.here() != OperatingSystem.MACOS) return onPath;
        return MACOS_CHROMIUMS.stream().filter(Files::isExecutable).findFirst();
    }

    /** Whether {@code program} is a snap's (Ubuntu's Chromium): it sees a /tmp of its own, not the files we write there. */
    public static boolean inSnap(Path program) {
        return program.startsWith("/snap");
    }

    /** A Chromium that can open the kit's files in /tmp, as {@link #headlessChromium} runs it: not a snap's. */
    public static Optional<Path> usableChromium() {
        return find("chromium").filter(p -> !inSnap(p));
    }

    /**
     * Chromium headless as the kit runs it, then {@code then} (what to do with which page):
     * off the network and quick, as root too (FIELD-NOTES §9), writing only into {@code folder}.
     * Its temporary files, crash database and dconf ignore --user-data-dir, so env points them
     * there too: a killed Chromium leaves nothing in /tmp, and nothing is written in the home
     * folder. Its socket goes into TMPDIR, and a socket's path has at most 107 bytes, so a
     * {@code folder} over 60 leaves TMPDIR as it is.
     */
    public static List<String> headlessChromium(Path chromium, Path folder, List<String> then) throws IOException {
        List<String> command = new ArrayList<>(List.of("env"));
        if (folder.toAbsolutePath().toString().length() <= 60) command.add("TMPDIR=" + Files.createDirectories(folder));
        for (String name : List.of("XDG_CONFIG_HOME", "XDG_CACHE_HOME")) {
            command.add(name + "=" + Files.createDirectories(folder.resolve(name.toLowerCase(Locale.ROOT))));
        }
        command.addAll(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-proxy-server", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + folder.resolve("profile")));
        command.addAll(then);
        return command;
    }

    private static Program program(String client) {
        Optional<Path> path = find(client);
        if (path.isEmpty()) return new Program(client, path, Optional.empty(), "");
        String p = path.get().toString();
        return switch (client) {
            case "nc" -> {
                String help = output(p, "-h");
                // OpenBSD netcat and ncat walk the list; netcat-traditional ("[v1.10") only knows IPv4.
                String flavor = help.contains("OpenBSD") ? "openbsd" : help.contains("[v1.10") ? "traditional"
                        : help.toLowerCase(Locale.ROOT).contains("ncat") ? "ncat" : help.contains("BusyBox") ? "busybox" : "";
                Matcher m = Pattern.compile("patchlevel ([\\w.\\-]+)").matcher(help);
                yield new Program(client, path, m.find() ? Optional.of(m.group(1)) : Optional.empty(), flavor);
            }
            case "curl" -> new Program(client, path, first("curl (\\d+\\.\\d+\\.\\d+)", output(p, "--version")), "");
            case "node" -> new Program(client, path, first("v(\\d+\\.\\d+\\.\\d+)", output(p, "--version")), "");
            case "python" -> new Program(client, path, first("Python (\\d+\\.\\d+\\.\\d+)", output(p, "--version")), "");
            case "chromium" -> new Program(client, path, first("(\\d+\\.[\\d.]+)", output(p, "--version")), "");
            default -> new Program(client, path, isThisJvm(path.get()) ? Optional.of(System.getProperty("java.version"))
                    : first("version \"([^\"]+)\"", output(p, "-version")), "");
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

    /** stdout and stderr of a short command, or "" if it does not answer within 10 s. */
    private static String output(String... command) {
        try {
            ProcessOutput.Said said = ProcessOutput.run(List.of(command), Duration.ofSeconds(10));
            return said.exit() == null ? "" : said.text();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
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
                String out = output(python.get().toString(), "-c", "import socket,sys\n"
                        + "for a in dict.fromkeys(i[4][0] for i in socket.getaddrinfo(sys.argv[1], None, 0, socket.SOCK_STREAM)): print(a)", host);
                return addressesIn(out.lines().map(String::trim).toList());
            }
            Optional<Path> getent = Tools.find("getent");
            if (getent.isPresent()) {
                return addressesIn(output(getent.get().toString(), "ahosts", host).lines().map(l -> l.trim().split("\\s+"))
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
            s.bind(new java.net.InetSocketAddress(literal("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Which [::] listeners on {@code port} also take IPv4. Linux: `ss` prints a dual-stack
     * wildcard as *:PORT and an IPV6_V6ONLY one as [::]:PORT; without ss, the system default
     * (net.ipv6.bindv6only). macOS defaults to dual-stack; Windows to IPV6_V6ONLY.
     */
    public static Predicate<Listener> dualStack(int port) {
        if (OperatingSystem.here() == OperatingSystem.WINDOWS) return l -> false;
        if (OperatingSystem.here() != OperatingSystem.LINUX) return l -> true;
        Optional<Path> ss = Tools.find("ss");
        if (ss.isPresent()) {
            String out = output(ss.get().toString(), "-ltnH", "sport = :" + port);
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
