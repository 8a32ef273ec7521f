///usr/bin/env jbang "$0" "$@" ; exit $?
// doctor: who answers localhost:PORT? The article's last pain, as a tool.
//
// After a restart your changes do not show: an old server still holds one address of
// localhost and the new one holds the other, and nc, curl, Node, Python, the browser
// and Java do not agree on which address to try. lsof, ss and netstat say who
// listens; this also says which listener each client reaches, by each client's own
// rule (scripts/lab/Clients.java, docs/doctor.md), and warns when they disagree.
//
//   jbang doctor@catalog                 # port 3000
//   jbang doctor@catalog 8080 --json     # one JSON object, for scripts and tests
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Clients.java lab/ClientsHere.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcFiles.java lab/ProcessOutput.java lab/Listeners.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/SandboxOption.java lab/Servers.java lab/SessionFiles.java lab/Tools.java

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import lab.Cli;
import lab.Clients;
import lab.ClientsHere;
import lab.Clients.Reach;
import lab.Failure;
import lab.Listeners;
import lab.Listeners.Listener;
import lab.OperatingSystem;
import lab.Resolving;
import lab.SandboxOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Who answers HOST:PORT? Every TCP listener on PORT (PID, command line, start time), which one each client reaches",
                "(nc, curl, node, python, chromium, java, java-system) and why, and a warning when they disagree: the stale-server trap."},
        footerHeading = "%nPer system:%n",
        footer = {"  Linux    listeners from /proc; libc clients follow getaddrinfo: /etc/hosts,",
                "           sorted by RFC 3484 (/etc/gai.conf). curl and Chromium answer",
                "           localhost themselves. [::] takes IPv4 too unless IPV6_V6ONLY.",
                "  macOS    listeners from lsof; clients get /etc/hosts sorted by RFC 6724",
                "           (::1 first, then fe80::1 where listed, then 127.0.0.1).",
                "  Windows  listeners from netstat; the OS answers localhost itself, ::1 then",
                "           127.0.0.1 (not from the hosts file); [::] is IPV6_V6ONLY by default,",
                "           but Java and Node clear it, so theirs take IPv4 too.",
                "  Rules and sources: docs/doctor.md, scripts/lab/Clients.java lab/ClientsHere.java"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:inspected (read the warning, if any)", "1:could not inspect", "2:bad command line"})
class doctor implements Callable<Integer>, Cli.Checked {
    @Parameters(paramLabel = "PORT", arity = "0..1", converter = Cli.Port.class, description = "TCP port (default: 3000)")
    Integer port;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", converter = Cli.Port.class, description = "the same, as the other tools take it")
    Integer portOption;

    @Option(names = "--host", defaultValue = "localhost", description = "name the clients ask for (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--json", description = "one JSON object: port, listeners, clients (and warning)")
    boolean json;

    @Mixin
    SandboxOption sandbox;

    public static void main(String... args) {
        // Java reads preferIPv6Addresses once, when InetAddress first loads: keep getaddrinfo's order from the start.
        Resolving.useOsOrder();
        System.exit(Cli.run(new doctor(), args));
    }

    @Override
    public void check() {
        if (port != null && portOption != null && !port.equals(portOption)) {
            throw Failure.usage("two ports given (" + port + " and " + portOption + "); give one");
        }
        Resolving.requireName(host);
        boolean wildcard;
        try {
            // 999.1.1.1 looks like an address, and is none
            wildcard = Resolving.looksLikeAddress(host) && Resolving.literal(host).isAnyLocalAddress();
        } catch (IllegalArgumentException e) {
            throw Failure.usage("cannot resolve host '" + host + "'");
        }
        if (wildcard) { // clients differ there (the kernel gives loopback, Java its host's address), and no URL should hold it
            throw Failure.usage(host + " is where a server listens (every address), not one to connect to: ask for localhost, 127.0.0.1 or ::1");
        }
    }

    @Override
    public Integer call() {
        int p = port != null ? port : portOption != null ? portOption : 3000;

        List<Listener> listeners = Listeners.onPort(p);
        Predicate<Listener> dualStack = ClientsHere.dualStack(p);
        List<InetAddress> order = ClientsHere.osOrder(host);
        List<Reach> reaches = Clients.predict(host, p, order, listeners, dualStack, ClientsHere.installed(), ClientsHere.loopbackIpv6(),
                ClientsHere.addrconfig());
        Optional<String> warning = warning(p, reaches, listeners);
        if (json) {
            System.out.println(new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(toJson(p, listeners, dualStack, reaches, warning)));
        } else {
            print(p, order, listeners, dualStack, reaches, warning);
        }
        return Cli.OK;
    }

    // ---- The stale-server trap: clients that reach different programs.

    private Optional<String> warning(int port, List<Reach> reaches, List<Listener> listeners) {
        List<String> parts = new ArrayList<>();
        // One program per PID; a listener whose PID is hidden from us (another user's or namespace's) is one of its own.
        Map<String, List<Reach>> byProgram = new LinkedHashMap<>();
        for (Reach r : reaches) if (r.reachesSomething()) byProgram.computeIfAbsent(program(r.listener()), k -> new ArrayList<>()).add(r);
        List<String> none = reaches.stream().filter(r -> !r.reachesSomething()).map(Reach::client).toList();
        String bindBoth = "have one server bind both ::1 and 127.0.0.1 (or [::] without IPV6_V6ONLY)";
        if (byProgram.size() == 1 && !none.isEmpty()) {
            Reach one = byProgram.values().iterator().next().get(0);
            parts.add(String.join(", ", none) + " reach" + (none.size() == 1 ? "es" : "") + " nothing on " + host + ":" + port
                    + ", while the others reach " + describe(one.listener(), port) + ". Fix: " + bindBoth + ", or use "
                    + url(one.reached(), port) + " in your URLs.");
        }
        if (byProgram.size() > 1) {
            List<Reach> firsts = byProgram.values().stream().map(rs -> rs.get(0)).toList();
            int n = firsts.size();
            // A hidden socket may be one more program, or the same one on another address (a root nginx on both).
            boolean hidden = firsts.stream().anyMatch(r -> r.listener().pid() < 0);
            StringBuilder text = new StringBuilder("clients disagree: " + host + ":" + port + " is " + n + (hidden
                    ? " different sockets, and whose is hidden from this user: one program on " + (n == 2 ? "both" : "every") + " address, or "
                    + n + " programs." : " different programs."));
            byProgram.values().forEach(rs -> text.append("\n  ").append(rs.stream().map(Reach::client).collect(Collectors.joining(", ")))
                    .append(" → ").append(describe(rs.get(0).listener(), port)));
            if (!none.isEmpty()) text.append("\n  ").append(String.join(", ", none)).append(" → nothing");
            Map<Reach, Instant> starts = new LinkedHashMap<>(); // read once: a process may end meanwhile
            for (Reach r : firsts) started(r.listener()).ifPresent(start -> starts.put(r, start));
            if (starts.size() == firsts.size()) {
                List<Reach> byAge = firsts.stream().sorted(Comparator.comparing(starts::get)).toList();
                Listener oldest = byAge.get(0).listener();
                text.append(n == 2 ? "\n  The older one" : "\n  The oldest").append(" is probably a stale server: pid ").append(oldest.pidText())
                        .append(age(oldest).map(a -> " (" + a + " old)").orElse("")).append(".")
                        .append("\n  Fix: stop it (kill ").append(oldest.pidText()).append("), or ").append(bindBoth)
                        .append(", or use the newest one's address in your URLs: ").append(url(byAge.get(byAge.size() - 1).reached(), port)).append(".");
            } else {
                text.append("\n  If one of them is a stale server, ").append(hiddenHint(port)).append(" names them and their start.")
                        .append("\n  Fix: stop the stale one, or ").append(bindBoth).append(".");
            }
            parts.add(text.toString());
        }
        // Several programs on one address and port: each connection goes to one of them. Linux lists a socket once,
        // so there they are separate sockets (SO_REUSEPORT); lsof lists a socket under every process that holds it.
        String how = OperatingSystem.here() == OperatingSystem.LINUX ? "separate sockets with SO_REUSEPORT"
                : "separate sockets with SO_REUSEPORT, or one socket their processes share (a server's workers)";
        for (List<Listener> sharing : sharingOneAddress(listeners)) {
            List<String> pids = sharing.stream().map(Listener::pidText).toList();
            parts.add("pids " + String.join(", ", pids.subList(0, pids.size() - 1)) + " and " + pids.get(pids.size() - 1)
                    + (pids.size() == 2 ? " both" : " all") + " listen on " + Resolving.format(sharing.get(0).address(), port)
                    + " (" + how + "): each connection goes to one of them. If one is a stale server, it still answers some requests:"
                    + " stop it.");
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", parts));
    }

    /** Which program a listener belongs to: its PID, or, when that is hidden, its own socket. */
    private static String program(Listener l) {
        // Hidden sockets are each their own program: two on one address are two sockets (SO_REUSEPORT), not one.
        return l.pid() >= 0 ? "pid " + l.pid() : "hidden socket " + System.identityHashCode(l);
    }

    /** Listeners of different programs on exactly one address (SO_REUSEPORT), each group in the listed order. */
    private static List<List<Listener>> sharingOneAddress(List<Listener> listeners) {
        Map<String, List<Listener>> byAddress = new LinkedHashMap<>();
        for (Listener l : listeners) byAddress.computeIfAbsent(Resolving.format(l.address()), k -> new ArrayList<>()).add(l);
        return byAddress.values().stream().filter(ls -> ls.stream().map(doctor::program).distinct().count() > 1).toList();
    }

    private static String url(InetAddress address, int port) {
        return "http://" + Resolving.format(address, port) + "/";
    }

    /** How to see what this user may not: the native listing, as root. */
    private static String hiddenHint(int port) {
        return switch (OperatingSystem.here()) {
            case MACOS -> "sudo lsof -nP -iTCP:" + port + " -sTCP:LISTEN";
            case WINDOWS -> "netstat -anob, as Administrator,";
            default -> "sudo ss -ltnp 'sport = :" + port + "'";
        };
    }

    private static String describe(Listener l, int port) {
        return "pid " + l.pidText() + " (" + name(l) + ", " + Resolving.format(l.address(), port) + age(l).map(a -> ", started " + a + " ago").orElse("") + ")";
    }

    private static String name(Listener l) {
        return l.program().isEmpty() ? l.command() : l.program();
    }

    // ---- Process facts: command line and start time, from the OS (on Linux /proc/PID/cmdline and stat).

    private static Optional<ProcessHandle.Info> info(Listener l) {
        return l.pid() < 0 ? Optional.empty() : ProcessHandle.of(l.pid()).map(ProcessHandle::info);
    }

    private static Optional<Instant> started(Listener l) {
        return info(l).flatMap(ProcessHandle.Info::startInstant);
    }

    /** The program, as the OS names its file, and its arguments, whole (a JVM's may pass 4,096 bytes). */
    private static List<String> commandLineOf(Listener l) {
        List<String> all = new ArrayList<>(l.pid() < 0 ? List.of() : Listeners.commandLine(l.pid()).orElse(List.of()));
        if (all.isEmpty()) return List.of(l.command());
        info(l).flatMap(ProcessHandle.Info::command).ifPresent(program -> all.set(0, program));
        return all;
    }

    private static String commandLine(Listener l) {
        return String.join(" ", commandLineOf(l));
    }

    /** The command line without the long values nobody reads in a table (a JVM's class path). */
    private static String shortCommandLine(Listener l) {
        List<String> args = new ArrayList<>(commandLineOf(l));
        args.set(0, args.get(0).substring(args.get(0).lastIndexOf(java.io.File.separatorChar) + 1)); // its file name
        Set<String> withValue = Set.of("-cp", "-classpath", "--class-path");
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("-D") || a.startsWith("-X")) continue; // JVM settings, a class-data archive's among them
            shown.add(i > 0 && withValue.contains(args.get(i - 1)) ? "…" : a);
        }
        // One line per row: an argument may hold newlines (python3 -c), or control characters.
        String text = String.join(" ", shown).replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        return text.length() > 60 ? text.substring(0, 59) + "…" : text;
    }

    private static Optional<Duration> ageOf(Listener l) {
        return started(l).map(s -> Duration.between(s, Instant.now()));
    }

    private static Optional<String> age(Listener l) {
        return ageOf(l).map(doctor::human);
    }

    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m " + s % 60 + "s";
        if (s < 86400) return s / 3600 + "h " + s % 3600 / 60 + "m";
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }

    // ---- Output.

    private void print(int port, List<InetAddress> order, List<Listener> listeners, Predicate<Listener> dualStack, List<Reach> reaches, Optional<String> warning) {
        System.out.println(host + ":" + port + " - " + host + " resolves here (getaddrinfo) to "
                + (order.isEmpty() ? "nothing" : order.stream().map(Resolving::format).collect(Collectors.joining(", "))));
        System.out.println();
        if (listeners.isEmpty()) {
            // macOS's lsof lists other users' processes only for root.
            System.out.println("No TCP listener on port " + port + (OperatingSystem.here() != OperatingSystem.MACOS ? "."
                    : " among this user's processes (without sudo, lsof may list only yours: " + hiddenHint(port) + ")."));
        } else {
            System.out.println("Listeners on port " + port + ":");
            String row = "  %-7s %-16s %-9s %-22s %s%n";
            System.out.printf(row, "PID", "ADDRESS", "AGE", "STARTED", "COMMAND");
            DateTimeFormatter when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
            for (Listener l : listeners) {
                System.out.printf(row, l.pidText(), Resolving.format(l.address(), port) + note(l, dualStack),
                        age(l).orElse("?"), started(l).map(when::format).orElse("?"), shortCommandLine(l));
            }
            if (listeners.stream().anyMatch(l -> l.pid() < 0)) {
                System.out.println("  ? : a process this user may not see (another user's, or in another namespace): " + hiddenHint(port));
            }
        }
        System.out.println();
        System.out.println("Clients of " + host + ":" + port + ":");
        for (Reach r : reaches) {
            String who = r.client() + r.program().version().map(v -> " " + (v.length() > 8 ? v.substring(0, v.indexOf('.') < 0 ? 8 : v.indexOf('.')) : v)).orElse(r.program().installed() ? "" : " (-)");
            String target = r.reachesSomething() ? "pid " + r.listener().pidText() + " " + Resolving.format(r.listener().address(), port) : "nothing";
            System.out.printf("  %-20s → %-24s %s%n", who, target, r.why());
        }
        if (reaches.stream().anyMatch(r -> !r.program().installed())) System.out.println("  (-) not installed here: predicted from its rule");
        warning.ifPresent(w -> {
            System.out.println();
            System.out.println("WARNING: " + w);
        });
        System.out.println();
        System.out.println("Same listeners, native: " + Listeners.nativeCommand(port));
    }

    /** " (+IPv4)" for a [::] that takes IPv4 too, " (v6only)" for one that does not, " (::ffff:)" for Java's ::ffff:127.0.0.1. */
    private static String note(Listener l, Predicate<Listener> dualStack) {
        if (l.v4Mapped()) return " (::ffff:)";
        if (l.address().isAnyLocalAddress() && l.address() instanceof java.net.Inet6Address) return dualStack.test(l) ? " (+IPv4)" : " (v6only)";
        return "";
    }

    private static JsonObject toJson(int port, List<Listener> listeners, Predicate<Listener> dualStack, List<Reach> reaches, Optional<String> warning) {
        JsonObject root = new JsonObject();
        root.addProperty("port", port);
        JsonArray ls = new JsonArray();
        for (Listener l : listeners) {
            JsonObject o = new JsonObject();
            if (l.pid() < 0) o.add("pid", JsonNull.INSTANCE); else o.addProperty("pid", l.pid());
            o.addProperty("command", commandLine(l));
            o.addProperty("name", name(l));
            o.addProperty("address", Resolving.format(l.address(), port));
            o.addProperty("family", l.family());
            o.addProperty("v4_mapped", l.v4Mapped());
            o.addProperty("wildcard", l.address().isAnyLocalAddress());
            if (l.address().isAnyLocalAddress() && l.address() instanceof java.net.Inet6Address) o.addProperty("dual_stack", dualStack.test(l));
            Optional<Instant> started = started(l);
            if (started.isPresent()) o.addProperty("started", started.get().toString()); else o.add("started", JsonNull.INSTANCE);
            Optional<Duration> age = ageOf(l);
            if (age.isPresent()) o.addProperty("age_seconds", age.get().getSeconds()); else o.add("age_seconds", JsonNull.INSTANCE);
            ls.add(o);
        }
        root.add("listeners", ls);
        JsonArray cs = new JsonArray();
        for (Reach r : reaches) {
            JsonObject o = new JsonObject();
            o.addProperty("client", r.client());
            if (r.reachesSomething()) {
                JsonObject to = new JsonObject();
                if (r.listener().pid() < 0) to.add("pid", JsonNull.INSTANCE); else to.addProperty("pid", r.listener().pid());
                to.addProperty("address", Resolving.format(r.listener().address(), port));
                to.addProperty("destination", Resolving.format(r.reached(), port));
                o.add("reaches", to);
            } else {
                o.add("reaches", JsonNull.INSTANCE);
            }
            o.addProperty("why", r.why());
            o.addProperty("installed", r.program().installed());
            if (r.program().version().isPresent()) o.addProperty("version", r.program().version().get()); else o.add("version", JsonNull.INSTANCE);
            JsonArray tries = new JsonArray();
            r.tries().forEach(a -> tries.add(Resolving.format(a, port)));
            o.add("order", tries);
            o.addProperty("fallback", r.fallback());
            cs.add(o);
        }
        root.add("clients", cs);
        if (warning.isPresent()) root.addProperty("warning", warning.get()); else root.add("warning", JsonNull.INSTANCE);
        return root;
    }
}
