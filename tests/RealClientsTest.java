package tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Chromium;
import lab.Sandbox;
import lab.Servers;
import lab.Servers.Server;
import lab.SessionFiles;
import lab.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;

/**
 * Who really answers localhost:PORT, per real client, and whether the doctor said so.
 *
 * Each layout is a sandbox with its own /etc/hosts and listeners of different identities
 * (tests/named_listener.py: each answers an HTTP/1.0 page naming its own address). Every
 * real client installed here (nc, curl, Node, Python's urllib, headless Chromium, a Java
 * socket both ways) asks for http://localhost:PORT/ inside the sandbox; what it got back
 * says which listener answered, or that none did. Step 1 measures and prints that; step 2
 * runs `doctor --json PORT` in the same sandbox and asks that each client's `reaches` is
 * the listener that really answered (null when none). A client that is not installed is
 * skipped with the reason, never imitated.
 */
class RealClientsTest extends Kit {
    /** The doctor's client names, in the order. */
    static final List<String> CLIENTS = List.of("nc", "curl", "node", "python", "chromium", "java", "java-system");
    /** The program each client needs; the Java clients run on this JDK. */
    private static final Map<String, String> PROGRAMS = Map.of("nc", "nc", "curl", "curl", "node", "node", "python", "python3", "chromium", "chromium");
    private static final Map<String, String> PACKAGES = Map.of("nc", "netcat-openbsd", "curl", "curl", "node", "nodejs", "python", "python3", "chromium", "chromium");

    private static final Path RECORDED = ROOT.resolve("tests/recorded");
    /** The article's Mac: ::1, fe80::1 on lo (glibc drops the scoped line), 127.0.0.1. */
    private static final Path ARTICLE = hostsFile("::1 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");

    /**
     * A sandbox's hosts file and extra loopback addresses, and the listeners started in it, as named_listener.py takes them;
     * {@code ipv4Network}: also an eth0 with an IPv4 address and IPv6 off, as Docker gives a container.
     */
    record Layout(String name, Path hosts, List<String> loopback, List<String> listeners, boolean ipv4Network) {
        Layout(String name, Path hosts, List<String> loopback, List<String> listeners) {
            this(name, hosts, loopback, listeners, false);
        }

        Sandbox.Spec spec() {
            Sandbox.Spec spec = Sandbox.Spec.hosts(hosts);
            for (String cidr : loopback) spec = spec.withAddress(cidr);
            return spec;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Layout> layouts() {
        Path debian = RECORDED.resolve("hosts-debian"), ubuntu = RECORDED.resolve("hosts-ubuntu");
        return Stream.of(
                // The stale-server trap: one program on each address of localhost, and clients disagree.
                new Layout("debian: ::1 and 127.0.0.1", debian, List.of(), List.of("::1", "127.0.0.1")),
                // Ubuntu names ::1 ip6-localhost only: libc clients see 127.0.0.1 alone; curl and Chromium do not ask it.
                new Layout("ubuntu: ::1 and 127.0.0.1", ubuntu, List.of(), List.of("::1", "127.0.0.1")),
                new Layout("article: ::1, fe80::1 and 127.0.0.1", ARTICLE, List.of("fe80::1/64"), List.of("::1", "fe80::1%lo", "127.0.0.1")),
                // Dual-stack wildcard: [::] takes IPv4 too, so everyone reaches the same listener.
                new Layout("debian: [::] only", debian, List.of(), List.of("::")),
                new Layout("debian: 0.0.0.0 and ::1", debian, List.of(), List.of("0.0.0.0", "::1")),
                // A default Java program asks 127.0.0.1 only and never falls back; nc falls back.
                new Layout("debian: ::1 only", debian, List.of(), List.of("::1")),
                new Layout("ubuntu: ::1 only", ubuntu, List.of(), List.of("::1")),
                // Java with the OS order asks ::1 only and never falls back.
                new Layout("debian: 127.0.0.1 only", debian, List.of(), List.of("127.0.0.1")),
                // An IPv6-only wildcard beside 127.0.0.1: the wildcard takes ::1, the specific address IPv4.
                new Layout("debian: [::] IPv6-only and 127.0.0.1", debian, List.of(), List.of(":: --v6only", "127.0.0.1")),
                // A container on an IPv4-only network: Node's AI_ADDRCONFIG drops ::1, so Node and Python disagree.
                new Layout("container, IPv4-only network: ::1 and 127.0.0.1", debian, List.of(), List.of("::1", "127.0.0.1"), true));
    }

    /** What a client got: the listener that answered (null: none), or why it was not run. */
    record Reached(String address, String skipped) {
        String cell(int port) {
            if (skipped != null) return "skipped";
            return address == null ? "none" : address.substring(0, address.length() - (":" + port).length());
        }
    }

    /** layout → client → what it reached, with the layout's port, for the table printed at the end. */
    private static final Map<String, Map<String, String>> TABLE = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void eachRealClientReachesTheListenerTheDoctorNames(Layout layout) throws Exception {
        assumeNamespaces();
        int port = freePort();
        List<Server> started = new ArrayList<>();
        try (Sandbox box = Sandbox.start(layout.spec())) {
            if (layout.ipv4Network()) {
                // A veth's end, not connected: no packet can leave; glibc only sees that an IPv4 address exists.
                Result eth0 = exec(box.inside(List.of("sh", "-c", "ip link add eth0 type veth peer name lab-peer"
                        + " && echo 1 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6 && ip addr add 10.255.0.2/24 dev eth0 && ip link set eth0 up")));
                assumeTrue(eth0.exit() == 0, "skipped: no IPv4-only eth0 can be made in this sandbox (veth, as its root): " + eth0.err());
            }
            Map<String, Long> listeners = new LinkedHashMap<>(); // address → pid
            for (String listener : layout.listeners()) {
                Server server = start(box.inside(listenerCommand(listener, port)));
                started.add(server);
                Matcher said = Pattern.compile("Listen on (\\S+) \\(pid (\\d+)\\)").matcher(String.valueOf(server.firstLine));
                assertTrue(said.matches() && server.process.isAlive(), "listener " + listener + ": " + server.firstLine + " " + server.stderr());
                listeners.put(said.group(1), Long.parseLong(said.group(2)));
            }

            // Step 1: what each real client reaches.
            Map<String, Reached> measured = new LinkedHashMap<>();
            for (String client : CLIENTS) {
                Reached reached = reach(box, client, port);
                if (reached.address() != null) {
                    assertTrue(listeners.containsKey(reached.address()), client + " reached " + reached.address() + ", not one of " + listeners.keySet());
                }
                measured.put(client, reached);
            }
            Map<String, String> row = new LinkedHashMap<>();
            measured.forEach((client, reached) -> row.put(client, reached.cell(port)));
            TABLE.put(layout.name(), row);
            System.out.println("real clients, " + layout.name() + ", port " + port + ": " + row);
            measured.forEach((client, reached) -> { if (reached.skipped() != null) System.out.println("  " + client + " skipped: " + reached.skipped()); });

            // Step 2: the doctor's prediction, in the same sandbox, against what was measured.
            compareWithDoctor(box, port, listeners, measured);
        } finally {
            started.forEach(Server::stop);
        }
    }

    /** `doctor --json PORT` inside the sandbox: its listeners are ours, and each installed client's `reaches` is what really answered. */
    static void compareWithDoctor(Sandbox box, int port, Map<String, Long> listeners, Map<String, Reached> measured) {
        Result r = exec(box.inside(tool("doctor", "--json", "" + port)));
        assertEquals(0, r.exit(), "doctor --json " + port + ": " + r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(port, json.get("port").getAsInt(), r.out());
        TreeSet<String> named = new TreeSet<>();
        json.getAsJsonArray("listeners").forEach(l -> named.add(l.getAsJsonObject().get("address").getAsString()));
        assertEquals(new TreeSet<>(listeners.keySet()), named, "the doctor's listeners: " + r.out());

        Map<String, JsonObject> predicted = new LinkedHashMap<>();
        json.getAsJsonArray("clients").forEach(c -> predicted.put(c.getAsJsonObject().get("client").getAsString(), c.getAsJsonObject()));
        assertEquals(new TreeSet<>(CLIENTS), new TreeSet<>(predicted.keySet()), "the doctor's clients, by name: " + r.out());
        List<String> wrong = new ArrayList<>();
        measured.forEach((client, really) -> {
            if (really.skipped() != null) return;
            JsonObject prediction = predicted.get(client);
            JsonElement reaches = prediction.get("reaches");
            String address = reaches == null || reaches.isJsonNull() ? null : reaches.getAsJsonObject().get("address").getAsString();
            Long pid = reaches == null || reaches.isJsonNull() || !reaches.getAsJsonObject().has("pid") ? null : reaches.getAsJsonObject().get("pid").getAsLong();
            Long reallyPid = really.address() == null ? null : listeners.get(really.address());
            if (!java.util.Objects.equals(really.address(), address) || !java.util.Objects.equals(reallyPid, pid)) {
                wrong.add(client + " really reached " + (really.address() == null ? "nothing" : really.address() + " (pid " + reallyPid + ")")
                        + ", the doctor says " + (address == null ? "nothing" : address + " (pid " + pid + ")") + ": " + prediction.get("why"));
            }
        });
        assertEquals(List.of(), wrong, "doctor --json " + port + " said: " + r.out());
    }

    /** named_listener.py on ADDRESS:port inside the sandbox ("ADDRESS --v6only" for an IPv6-only socket). */
    private static List<String> listenerCommand(String listener, int port) {
        List<String> command = new ArrayList<>(List.of("python3", ROOT.resolve("tests/named_listener.py").toString()));
        String[] words = listener.split(" ");
        command.add(words[0]);
        command.add("" + port);
        command.addAll(List.of(words).subList(1, words.length));
        return command;
    }

    private static final Pattern ANSWER = Pattern.compile("listener (\\S+)</p>");

    /**
     * Runs {@code client} in the sandbox against http://localhost:port/. Its output names
     * the listener that answered; a refusal, recognised per client, means none did.
     * Anything else fails the test: the harness must never mistake a broken client for "none".
     */
    static Reached reach(Sandbox box, String client, int port) throws IOException {
        String program = PROGRAMS.get(client);
        if (program != null && Tools.find(program).isEmpty()) {
            return new Reached(null, program + " is not installed here (make setup installs it as root on Debian/Ubuntu: apt-get install "
                    + PACKAGES.get(client) + ")");
        }
        if (client.equals("chromium") && Chromium.usable().isEmpty()) {
            return new Reached(null, "only a snap's Chromium here, which cannot use a profile folder in /tmp");
        }
        String url = "http://localhost:" + port + "/";
        Path profile = null;
        try {
            // Proxies are switched off: a learner's proxy is not what the doctor predicts.
            List<String> command = switch (client) {
                case "nc" -> List.of("nc", "-w", "10", "localhost", "" + port);
                case "curl" -> List.of("curl", "-s", "--noproxy", "*", "--max-time", "30", url);
                case "node" -> List.of("node", "-e", """
                        require("http").get(process.argv[1], { timeout: 5000 }, r => {
                          let body = ""; r.on("data", d => body += d); r.on("end", () => console.log(body));
                        }).on("error", e => { console.log("error " + e.code); process.exit(e.code === "ECONNREFUSED" ? 3 : 4); });
                        """, url);
                case "python" -> List.of("python3", "-c", """
                        import sys, urllib.error, urllib.request
                        try:
                            print(urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=30).read().decode())
                        except urllib.error.URLError as e:
                            print("error", e.reason)
                            sys.exit(3 if isinstance(e.reason, ConnectionRefusedError) else 4)
                        """, url);
                case "chromium" -> {
                    profile = Files.createTempDirectory("lab-chromium");
                    yield Chromium.headless(Path.of("chromium"), profile, List.of("--timeout=60000", "--dump-dom", url));
                }
                case "java" -> Servers.javaCommand(System.getProperty("java.class.path"), List.of(), "tests.ConnectLocalhost", List.of("localhost", "" + port));
                case "java-system" -> Servers.javaCommand(System.getProperty("java.class.path"), List.of("-Djava.net.preferIPv6Addresses=system"),
                        "tests.ConnectLocalhost", List.of("localhost", "" + port));
                default -> throw new IllegalArgumentException(client);
            };
            Result r = exec(box.inside(command));
            Matcher answer = ANSWER.matcher(r.out());
            if (answer.find()) return new Reached(answer.group(1), null);
            boolean refused = switch (client) {
                case "nc" -> r.exit() == 1 && r.out().isEmpty();
                case "curl" -> r.exit() == 7; // "Failed to connect"
                case "chromium" -> r.err().contains("net::ERR_CONNECTION_REFUSED");
                default -> r.exit() == 3;     // node, python and ConnectLocalhost say so with exit 3
            };
            if (!refused) fail(client + " neither got an answer nor was refused: exit " + r.exit() + "\n" + r.out() + r.err());
            return new Reached(null, null);
        } finally {
            if (profile != null) SessionFiles.removeTree(profile);
        }
    }

    /** The measured table, layout × client → the listener's address (none: nothing answered). */
    @AfterAll
    static void printTheTable() {
        if (TABLE.isEmpty()) return;
        List<String> order = layouts().map(Layout::name).filter(TABLE::containsKey).toList();
        int width = order.stream().mapToInt(String::length).max().orElse(10);
        StringBuilder table = new StringBuilder("what each real client reached for localhost:PORT\n");
        table.append(String.format("%-" + width + "s", "layout"));
        for (String client : CLIENTS) table.append(" | ").append(String.format("%-11s", client));
        for (String layout : order) {
            table.append('\n').append(String.format("%-" + width + "s", layout));
            for (String client : CLIENTS) table.append(" | ").append(String.format("%-11s", TABLE.get(layout).get(client)));
        }
        System.out.println(table);
    }
}
