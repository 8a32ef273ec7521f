package tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Clients;
import lab.ClientsHere;
import lab.Sandbox;
import lab.Servers;
import lab.Servers.Server;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.StartedServers.start;
import static tests.TempFiles.hostsFile;

/**
 * The doctor against real listeners: two pongs of different PIDs on ::1 and 127.0.0.1
 * (the stale-server trap), in a sandbox whose localhost has both (this machine's has
 * 127.0.0.1 only). Whether the real clients agree is RealClientsTest's job.
 */
class DoctorTest extends Kit {
    private static final Path DEBIAN = hostsFile("127.0.0.1 localhost", "::1 localhost");


    private static JsonObject json(Result r) {
        assertEquals(0, r.exit(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    /** client name → its "reaches" (JsonNull when nothing answers). */
    private static Map<String, JsonElement> reaches(JsonObject doctor) {
        return doctor.getAsJsonArray("clients").asList().stream().map(JsonElement::getAsJsonObject)
                .collect(Collectors.toMap(c -> c.get("client").getAsString(), c -> c.get("reaches")));
    }

    private static long pid(JsonElement reach) {
        return reach.getAsJsonObject().get("pid").getAsLong();
    }

    /** The stale-server trap in {@code box}: an old pong on [::1]:port, then a fresh one on 127.0.0.1:port. */
    private static List<Server> oldAndFresh(Sandbox box, int port) {
        List<String> pong = tool("pong", "--exit-with-stdin", "--port", "" + port);
        Server old = start(box.inside(pong)), fresh = start(box.inside(pong));
        assertEquals(List.of("[::1]:" + port, "127.0.0.1:" + port), List.of(old.address(), fresh.address()));
        return List.of(old, fresh);
    }

    @Test
    void theStaleServerTrapNamesBothPidsAndTheFix() {
        assumeNamespaces();
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(DEBIAN))) {
            List<Server> servers = oldAndFresh(box, port);
            Server old = servers.get(0), fresh = servers.get(1);

            JsonObject doctor = json(exec(box.inside(tool("doctor", "--json", "" + port))));
            assertEquals(port, doctor.get("port").getAsInt());
            Map<Long, String> listeners = doctor.getAsJsonArray("listeners").asList().stream().map(JsonElement::getAsJsonObject)
                    .collect(Collectors.toMap(l -> l.get("pid").getAsLong(), l -> l.get("address").getAsString()));
            assertEquals(Map.of(old.pid(), "[::1]:" + port, fresh.pid(), "127.0.0.1:" + port), listeners);
            Map<String, JsonElement> reaches = reaches(doctor);
            assertEquals(Clients.NAMES.stream().sorted().toList(), reaches.keySet().stream().sorted().toList());
            // FIELD-NOTES §9, measured here: nc, node, python, chromium, java-system → ::1; curl 7.88 and java → 127.0.0.1.
            for (String client : List.of("nc", "python", "java-system")) assertEquals(old.pid(), pid(reaches.get(client)), client);
            assertEquals(fresh.pid(), pid(reaches.get("java")), "java: IPv4 first, one address");
            String warning = doctor.get("warning").getAsString();
            assertTrue(warning.contains("pid " + old.pid()) && warning.contains("pid " + fresh.pid()), warning);
            assertTrue(warning.contains("kill " + old.pid()), "the older one is the one to stop: " + warning);
            assertTrue(warning.contains("the newest one's address in your URLs: http://127.0.0.1:" + port + "/"), warning);

            Result text = exec(box.inside(tool("doctor", "--port", "" + port)));
            assertEquals(0, text.exit(), text.err());
            assertTrue(text.out().contains("WARNING: clients disagree"), text.out());
            assertTrue(text.out().contains("kill " + old.pid()), text.out());
        }
    }

    @Test
    void programsWhosePidIsHiddenStayApartAndNoneIsCalledTheOlder() {
        assumeNamespaces();
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(DEBIAN))) {
            oldAndFresh(box, port);
            // Our servers, as another user sees them: no PID, no start time (as a container's, or root's).
            JsonObject doctor = json(exec(box.inside(AnotherUser.asAnotherUser(tool("doctor", "--json", "" + port)))));
            assertTrue(doctor.getAsJsonArray("listeners").asList().stream().allMatch(l -> l.getAsJsonObject().get("pid").isJsonNull()),
                    doctor.toString());
            String warning = doctor.get("warning").getAsString();
            assertTrue(warning.startsWith("clients disagree: localhost:" + port + " is 2 different sockets, and whose is hidden"), warning);
            assertFalse(warning.contains("kill "), "with start times hidden, no server is called the older: " + warning);
            assertTrue(warning.contains("sudo ss -ltnp 'sport = :" + port + "'"), warning);
        }
    }

    @Test
    void programsSharingOneAddressWithSoReuseportAreNamedTogether() {
        int port = freePort();
        List<String> pong = tool("pong", "--exit-with-stdin", "--reuse-port", "--host", "127.0.0.1", "--port", "" + port);
        Server first = start(pong), second = start(pong);
        JsonObject doctor = json(exec(tool("doctor", "--json", "" + port)));
        String warning = doctor.get("warning").isJsonNull() ? "(none)" : doctor.get("warning").getAsString();
        assertTrue(warning.matches("(?s).*pids (" + first.pid() + " and " + second.pid() + "|" + second.pid() + " and " + first.pid()
                + ") both listen on 127\\.0\\.0\\.1:" + port + " \\(separate sockets with SO_REUSEPORT\\).*"), warning);
    }

    @Test
    void onAMacWithoutTheCommandLineToolsItsStandInPython3IsNeverRun() {
        // Apple's /usr/bin/python3 opens an installer when run, unless the Command Line Tools are there
        // (xcode-select -p, which this Linux lacks): as on such a Mac, the kit finds no python3 there.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "skipped: no /usr/bin/python3 here");
        Map<String, String> onlyUsrBin = Map.of("PATH", "/usr/bin");
        String classpath = System.getProperty("java.class.path");
        Result linux = exec(onlyUsrBin, Servers.javaCommand(classpath, List.of(), "tests.WhereIs", List.of("python3")));
        Result mac = exec(onlyUsrBin, Servers.javaCommand(classpath, List.of("-Dos.name=Mac OS X"), "tests.WhereIs", List.of("python3")));
        assertEquals("/usr/bin/python3", linux.out().strip(), linux.err());
        assertEquals("none", mac.out().strip(), "the stand-in counts as no python3: " + mac.err());
    }

    @Test
    void theCommandColumnShowsTheProgramNotTheJvmSettings() {
        int port = freePort();
        // As the lab starts it: from its class-data archive, with the JVM's notes about it silenced.
        Server pong = start(Scripts.tool("pong", List.of("-Xlog:cds*=off", "-Xlog:class+path*=off"),
                "--exit-with-stdin", "--port", "" + port));
        Result text = exec(tool("doctor", "--port", "" + port));
        assertEquals(0, text.exit(), text.err());
        String row = text.out().lines().filter(l -> l.contains(" " + pong.pid() + " ") || l.startsWith(pong.pid() + " ")).findFirst().orElse(text.out());
        assertTrue(row.contains("pong --exit-with-stdin --port " + port) && !row.contains("-X"), row);
    }

    @Test
    void aCommandLineLongerThan4096BytesIsShownWhole() {
        int port = freePort();
        // A class path as long as JBang's in a kit with a longer path: the JDK's ProcessHandle gives no arguments then.
        StringBuilder longPath = new StringBuilder(Scripts.classpath("pong"));
        while (longPath.length() < 70_000) longPath.append(java.io.File.pathSeparator).append(ROOT.resolve("no-such-folder")); // past a 64 KB page too
        Server pong = start(Scripts.toolOn(longPath.toString(), "pong", List.of(), "--exit-with-stdin", "--port", "" + port));
        assertTrue(pong.listening(), pong.stderr());
        Result text = exec(tool("doctor", "--port", "" + port));
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("pong --exit-with-stdin --port " + port), text.out());
        Result json = exec(tool("doctor", "--port", "" + port, "--json"));
        assertTrue(json.out().contains("pong --exit-with-stdin --port " + port), json.out());
    }

    @Test
    void aCommandLineOnSeveralLinesKeepsItsRowOnOneLine() {
        assumeTrue(lab.Tools.find("python3").isPresent(), "skipped: no python3 here");
        int port = freePort();
        Server python = StartedServers.foreignListener(port); // python3 -c with a script of several lines
        Result text = exec(tool("doctor", "--port", "" + port));
        assertEquals(0, text.exit(), text.err());
        String row = text.out().lines().filter(l -> l.contains(" " + python.pid() + " ")).findFirst().orElse(text.out());
        assertTrue(row.contains("-c import socket,sys s=socket.socket()"), row);
        assertTrue(text.out().lines().noneMatch(l -> l.startsWith("s=socket")), "the script's second line, as a line of its own:\n" + text.out());
    }

    @Test
    void aWildcardAnswersForItsFamily() {
        assumeNamespaces();
        int port = freePort();
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(DEBIAN))) {
            Server v6 = start(box.inside(tool("pong", "--exit-with-stdin", "--port", "" + port, "--host", "::1")));
            // A program of another kind on 0.0.0.0: IPv4 clients land there.
            Server any4 = start(box.inside(List.of("python3", "-c", "import socket,sys\ns=socket.socket()\ns.bind(('0.0.0.0'," + port
                    + "))\ns.listen()\nprint('Listen on 0.0.0.0:" + port + "',flush=True)\nsys.stdin.read()")));
            assertTrue(v6.listening() && any4.listening(), v6 + " " + any4);
            Map<String, JsonElement> reaches = reaches(json(exec(box.inside(tool("doctor", "--json", "" + port)))));
            assertEquals(any4.pid(), pid(reaches.get("java")));
            assertEquals("0.0.0.0:" + port, reaches.get("java").getAsJsonObject().get("address").getAsString());
            assertEquals("127.0.0.1:" + port, reaches.get("java").getAsJsonObject().get("destination").getAsString());
            assertEquals(v6.pid(), pid(reaches.get("nc")));
        }
    }

    @Test
    void nothingListeningMeansEveryReachIsNull() {
        int port = freePort();
        JsonObject doctor = json(exec(tool("doctor", "--json", "" + port)));
        assertEquals(0, doctor.getAsJsonArray("listeners").size());
        Map<String, JsonElement> reaches = reaches(doctor);
        assertEquals(Clients.NAMES.size(), reaches.size(), doctor.toString());
        reaches.forEach((client, reach) -> assertTrue(reach.isJsonNull(), client + " reaches " + reach));
        assertTrue(doctor.get("warning").isJsonNull(), doctor.toString());
        doctor.getAsJsonArray("clients").forEach(c -> assertFalse(c.getAsJsonObject().get("why").getAsString().isBlank(), c.toString()));
    }

    @Test
    void theJavaClientIsTheJavaOnThePathNotTheDoctorsOwn() throws IOException {
        // The doctor names its own JVM's version without starting a java -version: only when that java is first on the PATH.
        Optional<Path> java = ClientsHere.find("java");
        assumeTrue(java.isPresent(), "skipped: no java on the PATH");
        String onThePath = versionOf(java.get());
        assertEquals(List.of(onThePath, onThePath), javaVersions(System.getenv("PATH")));
        Path other = null;
        String otherVersion = null;
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : jdks.sorted().toList()) {
                Path candidate = jdk.resolve("bin/java");
                String version = Files.isExecutable(candidate) ? versionOf(candidate) : System.getProperty("java.version");
                if (!version.equals(System.getProperty("java.version"))) {
                    other = candidate;
                    otherVersion = version;
                    break;
                }
            }
        } catch (IOException e) {
            // no /usr/lib/jvm: skipped below
        }
        assumeTrue(other != null, "skipped: no JDK of another version in /usr/lib/jvm");
        String path = other.getParent() + File.pathSeparator + System.getenv("PATH");
        assertEquals(List.of(otherVersion, otherVersion), javaVersions(path), "with " + other + " first on the PATH");
    }

    /** What `java -version` says its version is. */
    private static String versionOf(Path java) {
        Matcher m = Pattern.compile("version \"([^\"]+)\"").matcher(exec(List.of(java.toString(), "-version")).err());
        assertTrue(m.find(), java + " -version");
        return m.group(1);
    }

    /** The versions the doctor gives its java and java-system clients, run with {@code path} as PATH. */
    private List<String> javaVersions(String path) {
        ProcessBuilder doctor = new ProcessBuilder(tool("doctor", "--json", "" + freePort()));
        doctor.environment().put("PATH", path);
        return json(exec(doctor)).getAsJsonArray("clients").asList().stream().map(JsonElement::getAsJsonObject)
                .filter(c -> c.get("client").getAsString().startsWith("java")).map(c -> c.get("version").getAsString()).toList();
    }

    @Test
    void badInputIsOneLineAndExit2() {
        for (List<String> args : List.of(List.of("70000"), List.of("http"), List.of("0"), List.of("3000", "--port", "3001"),
                List.of("--sandbox", "mac"), List.of("3000", "4000"), List.of("--bogus"))) {
            Result r = exec(tool("doctor", args.toArray(String[]::new)));
            assertEquals(2, r.exit(), args + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), args + ": " + r.err());
            assertTrue(r.err().startsWith("doctor: "), args + ": " + r.err());
            assertFalse(r.err().contains("Exception"), args + ": " + r.err());
        }
    }

    @Test
    void predictsByEachClientsRuleEvenWhenNotInstalled() {
        // Pure rule check: curl's boundaries (7.78.0, 8.2.1), Node's (17, 20), Java's one address.
        var v4 = lab.Resolving.literal("127.0.0.1");
        var v6 = lab.Resolving.literal("::1");
        List<lab.Listeners.Listener> onlyV6 = List.of(new lab.Listeners.Listener(7, "x", "", v6, 3000, false));
        Function<Map<String, Clients.Program>, Map<String, Long>> run = programs -> Clients.predict("localhost", 3000, List.of(v4, v6),
                        onlyV6, l -> true, programs, true, a -> true).stream()
                .collect(Collectors.toMap(Clients.Reach::client, r -> r.listener() == null ? -1L : r.listener().pid()));
        Map<String, Long> none = run.apply(Map.of());
        assertEquals(-1L, none.get("java"), "java tries 127.0.0.1 only");
        assertEquals(-1L, none.get("java-system"), "getaddrinfo gave 127.0.0.1 first, and no fallback");
        assertEquals(7L, none.get("nc"));
        Map<String, Long> node18 = run.apply(Map.of("node", program("node", "18.19.0")));
        assertEquals(-1L, node18.get("node"), "Node 18 connects to the first address only");
        assertEquals(7L, run.apply(Map.of("node", program("node", "20.1.0"))).get("node"));

        // Node asks with AI_ADDRCONFIG: on an IPv4-only network ::1 is dropped, and it reaches nothing.
        Map<String, Clients.Program> node20 = Map.of("node", program("node", "20.1.0"));
        Clients.Reach ipv4Network = Clients.predict("localhost", 3000, List.of(v6, v4), onlyV6, l -> true, node20, true,
                a -> a instanceof java.net.Inet4Address).stream().filter(r -> r.client().equals("node")).findFirst().orElseThrow();
        assertEquals(List.of(v4), ipv4Network.tries(), ipv4Network.why());
        assertFalse(ipv4Network.reachesSomething(), ipv4Network.why());
        assertTrue(ipv4Network.why().contains("AI_ADDRCONFIG drops IPv6"), ipv4Network.why());
        // And from Node 20 on, the families alternate from the first address's (autoSelectFamily).
        var fe80 = lab.Resolving.literal("fe80::1");
        Clients.Reach alternating = Clients.predict("localhost", 3000, List.of(v6, fe80, v4), onlyV6, l -> true, node20, true, a -> true)
                .stream().filter(r -> r.client().equals("node")).findFirst().orElseThrow();
        assertEquals(List.of(v6, v4, fe80), alternating.tries(), alternating.why());

        // BusyBox nc (Alpine): the first IPv4 address, one address, so a server on ::1 alone is not reached.
        Clients.Program busybox = new Clients.Program("nc", Optional.of(Path.of("/bin/busybox")), Optional.empty(), "busybox");
        Clients.Reach alpine = Clients.predict("localhost", 3000, List.of(v6, v4), onlyV6, l -> true, Map.of("nc", busybox), true, a -> true)
                .stream().filter(r -> r.client().equals("nc")).findFirst().orElseThrow();
        assertEquals(List.of(v4), alpine.tries(), alpine.why());
        assertFalse(alpine.reachesSomething(), alpine.why());

        // An address literal is not looked up, so AI_ADDRCONFIG cannot drop it: Node reaches [::1] on that network too.
        Clients.Reach literal = Clients.predict("::1", 3000, List.of(v6), onlyV6, l -> true, node20, true,
                a -> a instanceof java.net.Inet4Address).stream().filter(r -> r.client().equals("node")).findFirst().orElseThrow();
        assertEquals(7L, literal.reachesSomething() ? literal.listener().pid() : -1L, literal.why());
    }

    private static Clients.Program program(String client, String version) {
        return new Clients.Program(client, Optional.of(Path.of("/usr/bin/" + client)), Optional.of(version), "");
    }
}
