package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who listens on a TCP port: the article's {@code lsof -nP -iTCP:3000} step.
 *
 * Linux is read straight from /proc (no lsof needed), macOS asks lsof and
 * Windows asks netstat.
 */
public final class Listeners {
    private Listeners() {}

    /**
     * One listening socket. {@code v4Mapped} marks an IPv4 address held by an
     * IPv6 socket (Java binds IPv4 that way on Linux: ::ffff:127.0.0.1).
     */
    public record Listener(long pid, String command, String program, InetAddress address, int port, boolean v4Mapped) {
        /** The address as pong prints it: 127.0.0.1:3000 or [::1]:3000; * for a wildcard. */
        public String where() {
            return address.isAnyLocalAddress() ? (address instanceof Inet6Address ? "[::]:" : "*:") + port
                                               : Resolving.format(address, port);
        }

        public String family() {
            if (v4Mapped) return "IPv6 (as ::ffff:" + Resolving.format(address) + ")";
            return address instanceof Inet6Address ? "IPv6" : "IPv4";
        }

        public String pidText() {
            return pid < 0 ? "?" : Long.toString(pid);
        }

        /** "pong (pid 123)", for messages. */
        public String owner() {
            return (program.isEmpty() ? command : program) + " (pid " + pidText() + ")";
        }

        /** Would this listener stop a bind of {@code other}:port? Same address, or a wildcard that covers it. */
        public boolean blocks(InetAddress other) {
            if (Arrays.equals(address.getAddress(), other.getAddress())) return true;
            if (!address.isAnyLocalAddress()) return false;
            // [::] on Linux is dual-stack unless IPV6_V6ONLY; we cannot see that flag here, so assume it is.
            return address instanceof Inet6Address || other instanceof Inet4Address;
        }
    }

    /** Every TCP listener on {@code port}, on this machine (on Linux: in this network namespace). */
    public static List<Listener> onPort(int port) {
        List<Listener> found = new ArrayList<>(switch (OperatingSystem.here()) {
            case MACOS -> fromLsof(port);
            case WINDOWS -> fromNetstat(port);
            case LINUX -> fromProc(port);
            default -> elsewhere(port);
        });
        found.sort(BY_PID_THEN_ADDRESS);
        return found;
    }

    /** The BSDs and others: /proc where it is there (Linux's emulation), else lsof; never "no listener" without asking. */
    private static List<Listener> elsewhere(int port) {
        if (Files.isReadable(Path.of("/proc/net/tcp"))) return fromProc(port);
        if (Tools.find("lsof").isPresent()) return fromLsof(port);
        throw Failure.failed("cannot list the listeners on this system: it has no /proc/net/tcp, and no lsof is installed");
    }

    /** The listeners that would make a bind of {@code address}:port fail. */
    public static List<Listener> holding(InetAddress address, int port) {
        return onPort(port).stream().filter(l -> l.blocks(address)).toList();
    }

    /** The command a reader can type to see the same thing natively. */
    public static String nativeCommand(int port) {
        return nativeCommand(System.getProperty("os.name"), port);
    }

    /** The same on another system, by its os.name ("Linux", "Mac OS X", "Windows 11"): the handout lists all three. */
    public static String nativeCommand(String osName, int port) {
        return switch (OperatingSystem.of(osName)) {
            case MACOS -> "lsof -nP -iTCP:" + port + " -sTCP:LISTEN -Tf";
            case WINDOWS -> "netstat -ano | findstr :" + port; // not -p TCP: that lists IPv4 alone, and hides [::1]
            default -> "ss -ltnp 'sport = :" + port + "'   (or: lsof -nP -iTCP:" + port + " -sTCP:LISTEN)";
        };
    }

    // ---- Linux: /proc/net/tcp{,6} give address and socket inode, /proc/PID/fd maps the inode to a PID.

    private static final String LISTEN = "0A";

    /** A stable order: by PID, then by address (one program on ::1 and 127.0.0.1; hidden sockets all have -1). */
    private static final java.util.Comparator<Listener> BY_PID_THEN_ADDRESS = java.util.Comparator.comparingLong(Listener::pid)
            .thenComparing(l -> Resolving.format(l.address())).thenComparing(Listener::v4Mapped);

    static List<Listener> fromProc(int port) {
        Map<Long, InetAddress> byInode = new HashMap<>();
        Map<Long, Boolean> mapped = new HashMap<>();
        // A busy machine lists thousands of sockets (TIME_WAIT lasts a minute): split only the lines
        // that hold the port and LISTEN's state, a few out of thousands.
        String portField = String.format(":%04X ", port), listenField = " " + LISTEN + " ";
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : readLines(Path.of(table))) {
                if (!line.contains(portField) || !line.contains(listenField)) continue;
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals(LISTEN)) continue;
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) != port) continue;
                byte[] raw = procAddressBytes(local[0]);
                long inode = Long.parseLong(f[9]);
                boolean isMapped = raw.length == 16 && isV4Mapped(raw);
                byInode.put(inode, toAddress(isMapped ? Arrays.copyOfRange(raw, 12, 16) : raw));
                mapped.put(inode, isMapped);
            }
        }
        Map<Long, Long> pids = pidsOfSockets(byInode.keySet());
        List<Listener> found = new ArrayList<>();
        byInode.forEach((inode, address) -> {
            long pid = pids.getOrDefault(inode, -1L);
            found.add(new Listener(pid, pid < 0 ? "?" : comm(pid), pid < 0 ? "" : program(pid), address, port, mapped.get(inode)));
        });
        return found; // in onPort's order
    }

    /** /proc writes an address as 32-bit words, each in host (little-endian) byte order. */
    static byte[] procAddressBytes(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + (3 - i)) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return bytes;
    }

    private static boolean isV4Mapped(byte[] raw) {
        for (int i = 0; i < 10; i++) if (raw[i] != 0) return false;
        return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
    }

    private static InetAddress toAddress(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<Long, Long> pidsOfSockets(Set<Long> inodes) {
        Map<Long, Long> pids = new HashMap<>();
        if (inodes.isEmpty()) return pids;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        String target;
                        try {
                            target = Files.readSymbolicLink(fd).toString();
                        } catch (IOException closed) {
                            continue; // closed meanwhile: the process's other sockets still count
                        }
                        if (!target.startsWith("socket:[")) continue;
                        long inode = Long.parseLong(target.substring(8, target.length() - 1));
                        if (inodes.contains(inode)) pids.putIfAbsent(inode, process(Long.parseLong(proc.getFileName().toString())));
                    }
                } catch (IOException | DirectoryIteratorException | SecurityException e) {
                    // gone meanwhile, or another user's process: its sockets stay without a PID
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /**
     * The process a /proc entry belongs to: some kernels (gVisor's, for one) list threads in /proc too, and a
     * thread shares its process's sockets, so a socket opened on a worker thread would be named by that thread.
     */
    private static long process(long id) {
        for (String line : readLines(Path.of("/proc/" + id + "/status"))) {
            if (line.startsWith("Tgid:")) return Long.parseLong(line.substring(5).trim());
        }
        return id;
    }

    private static String comm(long pid) {
        List<String> lines = readLines(Path.of("/proc/" + pid + "/comm"));
        return lines.isEmpty() ? "?" : lines.get(0).trim();
    }

    /** For a JVM, the main class or jar it runs ("pong"); empty for anything else. */
    private static String program(long pid) {
        return commandLine(pid).map(Listeners::javaMain).orElse("");
    }

    /**
     * A process's whole command line, program first. On Linux it is read from /proc: the JDK's
     * ProcessHandle reads only a page there (4,096 bytes on most machines), and gives no arguments
     * at all for a longer line, as a JVM's class path often makes it (JBang's, in a longer path).
     */
    public static Optional<List<String>> commandLine(long pid) {
        Path cmdline = Path.of("/proc/" + pid + "/cmdline");
        if (Files.isDirectory(cmdline.getParent())) {
            try {
                String all = ProcFiles.read(cmdline);
                if (all.endsWith("\0")) all = all.substring(0, all.length() - 1); // each argument ends with a NUL
                return all.isEmpty() ? Optional.empty() : Optional.of(Arrays.asList(all.split("\0", -1))); // "" stays an argument
            } catch (IOException e) {
                return Optional.empty(); // gone, or hidden from us
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::info).flatMap(i -> i.command().map(c -> {
            List<String> all = new ArrayList<>(List.of(c));
            i.arguments().ifPresent(a -> all.addAll(List.of(a)));
            return all;
        }));
    }

    /** The first argument of a java command line that is neither an option nor an option's value. */
    static String javaMain(List<String> args) {
        if (args.isEmpty() || !Path.of(args.get(0)).getFileName().toString().startsWith("java")) return "";
        Set<String> withValue = Set.of("-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-opens", "--add-exports", "--add-modules");
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-jar") && i + 1 < args.size()) return Path.of(args.get(i + 1)).getFileName().toString();
            if (withValue.contains(a)) i++;
            else if (!a.startsWith("-")) return a;
        }
        return "";
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    // ---- macOS: lsof's field output, asked for as -Fpctn: p=PID, c=command, t=IPv4/IPv6, n=address:port.
    // lsof adds f (the fd) to every set unasked; it is skipped like any other field.

    /** The listeners as lsof sees them: the macOS way, and the same program on Linux where it is installed. */
    public static List<Listener> fromLsof(int port) {
        // macOS keeps lsof in /usr/sbin, which a PATH may leave out; Tools.find looks there too.
        String lsof = Tools.find("lsof").map(Path::toString).orElse("lsof");
        // lsof names a JVM "java": the program is its main class ("pong"), from its command line, as on Linux.
        return fromLsofOutput(run(lsof, "-nP", "-iTCP:" + port, "-sTCP:LISTEN", "-Fpctn"), port).stream()
                .map(l -> l.pid() < 0 ? l : new Listener(l.pid(), l.command(), program(l.pid()), l.address(), l.port(), l.v4Mapped()))
                .toList();
    }

    /** Reads `lsof -F pctn` lines (the tests give it a Mac's, recorded). */
    public static List<Listener> fromLsofOutput(List<String> lines, int port) {
        List<Listener> found = new ArrayList<>();
        long pid = -1;
        String command = "?";
        boolean ipv6Socket = false;
        for (String line : lines) {
            if (line.isEmpty()) continue;
            String value = line.substring(1);
            switch (line.charAt(0)) {
                case 'p' -> pid = Long.parseLong(value);
                case 'c' -> command = value;
                case 't' -> ipv6Socket = value.equals("IPv6");
                case 'n' -> {
                    // lsof writes both wildcards as *: the socket's family tells [::] from 0.0.0.0.
                    InetAddress address = value.startsWith("*:") && ipv6Socket ? Resolving.literal("::") : hostPart(value);
                    // An IPv6 socket holding an IPv4 address: Java's dual-stack bind, as /proc shows it too.
                    found.add(new Listener(pid, command, "", address, port, ipv6Socket && address instanceof Inet4Address));
                }
                default -> { }
            }
        }
        return found;
    }

    // ---- Windows: netstat -ano lines such as "TCP    [::1]:3000    [::]:0    LISTENING    1234".

    static List<Listener> fromNetstat(int port) {
        return fromNetstatOutput(run("netstat", "-ano"), port);
    }

    /**
     * Reads `netstat -ano` lines. The state column is in the system's language
     * (LISTENING, ABHÖREN, ÉCOUTE…), so a listener is told by its remote end, which is unset.
     */
    public static List<Listener> fromNetstatOutput(List<String> lines, int port) {
        List<Listener> found = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || !f[0].equalsIgnoreCase("TCP") || !f[1].endsWith(":" + port)) continue;
            if (!f[2].equals("0.0.0.0:0") && !f[2].equals("[::]:0")) continue;
            long pid = Long.parseLong(f[f.length - 1]);
            String command = ProcessHandle.of(pid).flatMap(h -> h.info().command())
                    .map(c -> Path.of(c).getFileName().toString()).orElse("?");
            found.add(new Listener(pid, command, "", hostPart(f[1]), port, false));
        }
        return found;
    }

    /** "[::1]:3000", "127.0.0.1:3000" or "*:3000" to its address. */
    private static InetAddress hostPart(String endpoint) {
        String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
        if (host.equals("*")) host = "0.0.0.0";
        return withoutEmbeddedScope(Resolving.literal(host));
    }

    /**
     * macOS's lsof writes a link-local address as its kernel keeps it, with the interface's number in
     * the second group: fe80::1 on lo0 is [fe80:1::1] (the article's own lsof shows it). That group is
     * always 0 on the wire, so it is cleared: the address is then the one pong printed, [fe80::1].
     */
    private static InetAddress withoutEmbeddedScope(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (!address.isLinkLocalAddress() || !(address instanceof Inet6Address) || (bytes[2] | bytes[3]) == 0) return address;
        bytes[2] = 0;
        bytes[3] = 0;
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException impossible) { // 16 bytes are always an address
            throw new IllegalStateException(impossible);
        }
    }

    private static List<String> run(String... command) {
        String name = Path.of(command[0]).getFileName().toString();  // "lsof", wherever it was found
        try {
            ProcessOutput.Said said = ProcessOutput.run(List.of(command), Duration.ofSeconds(10));
            if (said.exit() == null) throw Failure.failed(name + " did not list the listeners within 10 s, and was stopped");
            return said.text().lines().collect(Collectors.toList());
        } catch (IOException e) {
            throw Failure.failed("cannot run " + name + " to list listeners: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
