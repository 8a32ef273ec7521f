package lab;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * - node: getaddrinfo with AI_ADDRCONFIG (lib/net.js), so on Linux a family with no address
 *   here but loopback's is dropped (a container on an IPv4-only network: 127.0.0.1 alone);
 *   resolver order since Node 17 (dns.lookup verbatim), IPv4 first before; since Node 20
 *   (net autoSelectFamily) tries every address, the families alternating from the first one's,
 *   the first address only before.
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
 *
 * Rules only, no I/O: what they need of this machine (the programs, the resolver's order) is
 * {@link ClientsHere}'s to find out, so a test can give them any machine.
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
     * One client's prediction: its addresses in the order it takes them (it tries only the
     * first when it has no fallback), the listener that answers
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
     * and Chromium only add ::1 for localhost then); {@code addrconfig} which of those addresses
     * getaddrinfo keeps for a client that asks with AI_ADDRCONFIG (Node).
     */
    public static List<Reach> predict(String host, int port, List<InetAddress> order, List<Listener> listeners,
                                      Predicate<Listener> dualStack, Map<String, Program> programs, boolean loopbackIpv6,
                                      Predicate<InetAddress> addrconfig) {
        List<Reach> all = new ArrayList<>();
        for (String client : NAMES) {
            Program program = programs.getOrDefault(client, new Program(client, Optional.empty(), Optional.empty(), ""));
            Rule rule = rule(client, program, host, order, loopbackIpv6, addrconfig);
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
            String prefix = program.installed() ? "" : "not installed; by its rule: ";
            all.add(new Reach(client, program, rule.tries(), rule.fallback(), answered, reached, rule.how(), prefix + rule.how() + ": " + outcome));
        }
        return all;
    }

    private static Rule rule(String client, Program program, String host, List<InetAddress> order, boolean loopbackIpv6,
                             Predicate<InetAddress> addrconfig) {
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
                if (program.flavor().equals("busybox")) {
                    // BusyBox (Alpine) builds with FEATURE_PREFER_IPV4_ADDRESS on by default: str2sockaddr keeps one address.
                    List<InetAddress> one = order.stream().filter(a -> a instanceof Inet4Address).findFirst()
                            .or(() -> order.stream().findFirst()).map(List::of).orElse(List.of());
                    return new Rule(one, false, "BusyBox nc: the first IPv4 address (else the first), one address, no fallback");
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
                // An address literal is not looked up (net.isIP), so AI_ADDRCONFIG does not apply to it.
                List<InetAddress> asked = Resolving.looksLikeAddress(host) ? order : order.stream().filter(addrconfig).toList();
                List<InetAddress> tries = verbatim ? asked : Resolving.javaDefaultOrder(asked);
                if (fallback) tries = alternatingFamilies(tries);
                String dropped = asked.size() == order.size() ? "" : ", AI_ADDRCONFIG drops " + (order.stream().anyMatch(
                        a -> a instanceof Inet6Address && !addrconfig.test(a)) ? "IPv6" : "IPv4") + " (no such address here but loopback's)";
                return new Rule(tries, fallback, name + (verbatim ? " keeps resolver order" : " puts IPv4 first (before 17)")
                        + " (" + tries.stream().map(Resolving::format).collect(Collectors.joining(", ")) + ")" + dropped
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

    /** Node's autoSelectFamily order: the first address's family, then the other, alternating; each address once. */
    static List<InetAddress> alternatingFamilies(List<InetAddress> addresses) {
        if (addresses.isEmpty()) return addresses;
        boolean firstIsV6 = addresses.get(0) instanceof Inet6Address;
        List<InetAddress> first = addresses.stream().filter(a -> (a instanceof Inet6Address) == firstIsV6).distinct().toList();
        List<InetAddress> other = addresses.stream().filter(a -> (a instanceof Inet6Address) != firstIsV6).distinct().toList();
        List<InetAddress> alternating = new ArrayList<>();
        for (int i = 0; i < Math.max(first.size(), other.size()); i++) {
            if (i < first.size()) alternating.add(first.get(i));
            if (i < other.size()) alternating.add(other.get(i));
        }
        return alternating;
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
}
