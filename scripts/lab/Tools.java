package lab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The programs outside Java that the lab may run (nc, curl, lsof, and Linux's
 * namespace tools), where they are, and how to install one on this machine.
 * None is needed to play the lab: a step whose tool is missing says so and what
 * it would have shown, and the rest goes on.
 */
public final class Tools {
    private Tools() {}

    /** A tool's package on each family of systems (a missing entry: same as the tool's name). */
    private record Packages(String debian, String fedora, String alpine, String arch, String macos) {}

    private static final Packages UTIL_LINUX = new Packages("util-linux", "util-linux", "util-linux", "util-linux", null);
    private static final Packages IPROUTE = new Packages("iproute2", "iproute", "iproute2", "iproute2", null);
    private static final Map<String, Packages> PACKAGES = Map.ofEntries(
            Map.entry("nc", new Packages("netcat-openbsd", "nmap-ncat", "netcat-openbsd", "openbsd-netcat", "netcat")),
            Map.entry("curl", new Packages("curl", "curl", "curl", "curl", "curl")),
            Map.entry("lsof", new Packages("lsof", "lsof", "lsof", "lsof", "lsof")),
            Map.entry("node", new Packages("nodejs", "nodejs", "nodejs", "nodejs", "node")),
            Map.entry("python3", new Packages("python3", "python3", "python3", "python", "python")),
            Map.entry("chromium", new Packages("chromium", "chromium", "chromium", "chromium", "--cask chromium")),
            Map.entry("ss", IPROUTE), Map.entry("ip", IPROUTE),
            Map.entry("unshare", UTIL_LINUX), Map.entry("nsenter", UTIL_LINUX), Map.entry("setpriv", UTIL_LINUX),
            Map.entry("mount", UTIL_LINUX));

    /** What a learner would have seen from each tool the notebooks run, for the line that says it is missing. */
    private static final Map<String, String> SHOWS = Map.of(
            "nc", "which address nc reached (its \"Connection to localhost (ADDRESS) PORT port ... succeeded!\" line) and the reply",
            "curl", "the reply curl got, or its \"Connection refused\"",
            "lsof", "every listener on the port with its PID, command and address",
            "ss", "every listener on the port with its PID, command and address");

    /**
     * A Mac without the Command Line Tools has a /usr/bin/python3 (and make, git) that only stands in
     * for theirs: running it, even for its version, opens Apple's installer. {@code xcode-select -p}
     * asks without one, once (not tested on a Mac: the kit's tests run on Linux).
     */
    private static boolean appleStandIn(Path program) {
        if (OperatingSystem.here() != OperatingSystem.MACOS || !APPLE_STAND_INS.contains(program)) return false;
        if (commandLineTools == null) {
            try {
                commandLineTools = ProcessOutput.run(List.of("/usr/bin/xcode-select", "-p"), Duration.ofSeconds(5)).ran();
            } catch (IOException e) {
                commandLineTools = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return !commandLineTools;
    }

    private static final Set<Path> APPLE_STAND_INS = Set.of(Path.of("/usr/bin/python3"), Path.of("/usr/bin/make"), Path.of("/usr/bin/git"));
    private static volatile Boolean commandLineTools;

    /**
     * One line for a step whose tool is missing: which tool, what it would have
     * shown, and how to install it here.
     */
    public static String skipped(String tool) {
        return SKIPPED + tool + MISSING + "; it would have shown " + SHOWS.getOrDefault(tool, "its output") + ". Install it: " + installCommand(tool);
    }

    private static final String SKIPPED = "≠ skipped: ", MISSING = " is not installed here";

    /** Whether {@code line} is {@link #skipped}'s: a tool missing here, not an outcome unlike the article's. */
    public static boolean saysMissing(String line) {
        return line.startsWith(SKIPPED) && line.contains(MISSING);
    }

    /** Where {@code tool} is: on PATH, or in the sbin folders a user's PATH may lack; a full path, if it runs. */
    public static Optional<Path> find(String tool) {
        if (tool.indexOf('/') >= 0 || tool.indexOf(File.separatorChar) >= 0) { // a path, such as this JVM's own java
            Path given = Path.of(tool);
            return Files.isExecutable(given) && !Files.isDirectory(given) ? Optional.of(given) : Optional.empty();
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        // Windows finds jbang as jbang.cmd or jbang.exe: the endings PATHEXT lists.
        List<String> endings = new ArrayList<>(List.of(""));
        if (File.pathSeparatorChar == ';') endings.addAll(List.of(System.getenv().getOrDefault("PATHEXT", ".EXE;.CMD;.BAT").toLowerCase(Locale.ROOT).split(";")));
        for (String dir : dirs) {
            if (File.pathSeparatorChar == ';' && dir.length() > 1 && dir.startsWith("\"") && dir.endsWith("\"")) dir = dir.substring(1, dir.length() - 1);
            if (dir.isEmpty()) continue;
            for (String ending : endings) {
                Path candidate;
                try {
                    candidate = Path.of(dir, tool + ending);
                } catch (InvalidPathException unusable) { // a folder Java cannot name (non-ASCII under the C locale): skipped
                    break;
                }
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate) && !appleStandIn(candidate)) return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * How to run JBang here, for a hint the learner can paste: in a subfolder of the kit (a terminal in
     * Jupyter starts in my-notebooks/), the kit's launcher as "../jbang" (JBang itself cannot take NAME@catalog
     * there); else "jbang" where it is installed, or the kit's own launcher, run from the repo's root.
     */
    public static String jbang() {
        return kitAboveHere().map(kit -> kit.resolve("jbang").toString()).orElse(find("jbang").isPresent() ? "jbang" : "./jbang");
    }

    /** "make TARGET", run from where the learner is: "make -C .. TARGET" in a subfolder of the kit, where make finds no Makefile. */
    public static String make(String target) {
        return kitAboveHere().map(kit -> "make -C " + kit + " " + target).orElse("make " + target);
    }

    /** The kit's folder relative to the current one (".."), when that is a subfolder of the kit. */
    private static Optional<Path> kitAboveHere() {
        Path here = Path.of("").toAbsolutePath();
        return kitAt(here).filter(kit -> !kit.equals(here)).map(here::relativize);
    }

    /** The kit's folder, if {@code folder} is in one: the nearest at or above it with jbang-catalog.json and notebooks/. */
    public static Optional<Path> kitAt(Path folder) {
        for (Path dir = folder.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("jbang-catalog.json")) && Files.isDirectory(dir.resolve("notebooks"))) return Optional.of(dir);
        }
        return Optional.empty();
    }

    /** "'nc' is not installed here (install it: sudo apt-get install netcat-openbsd)". */
    public static String notInstalled(String tool) {
        return "'" + tool + "' is not installed here (install it: " + installCommand(tool) + ")";
    }

    /** The command that installs {@code tool} on this system, as its users type it. */
    public static String installCommand(String tool) {
        Packages p = PACKAGES.get(tool);
        OperatingSystem os = OperatingSystem.here();
        if (os == OperatingSystem.MACOS) return p != null && p.macos() == null ? tool + " is Linux-only" : "brew install " + pick(p, Packages::macos, tool);
        if (os == OperatingSystem.WINDOWS) return "use WSL (Ubuntu) for " + tool;
        // Ubuntu's apt gives Chromium as a snap, which cannot read the files the kit writes in /tmp.
        if (tool.equals("chromium") && ubuntu()) return "Ubuntu's chromium is a snap, which cannot print here: install Google Chrome's .deb";
        return switch (osFamily()) {
            case "fedora" -> "sudo dnf install " + pick(p, Packages::fedora, tool);
            case "alpine" -> "sudo apk add " + pick(p, Packages::alpine, tool);
            case "arch" -> "sudo pacman -S " + pick(p, Packages::arch, tool);
            case "suse" -> "sudo zypper install " + pick(p, Packages::debian, tool);
            default -> "sudo apt-get install " + pick(p, Packages::debian, tool);
        };
    }

    private static String pick(Packages p, java.util.function.Function<Packages, String> field, String tool) {
        String name = p == null ? null : field.apply(p);
        return name == null ? tool : name;
    }

    /** Whether /etc/os-release names Ubuntu (or a system built on it), as its ID or ID_LIKE. */
    private static boolean ubuntu() {
        return osIds().stream().anyMatch(l -> l.contains("ubuntu"));
    }

    /** debian (also Ubuntu and the default), fedora (also RHEL), alpine, arch or suse, from /etc/os-release. */
    static String osFamily() {
        for (String line : osIds()) {
            for (String family : List.of("fedora", "rhel", "alpine", "arch", "suse", "debian", "ubuntu")) {
                if (line.contains(family)) return family.equals("rhel") ? "fedora" : family.equals("ubuntu") ? "debian" : family;
            }
        }
        return "debian";
    }

    /** /etc/os-release's ID= and ID_LIKE= lines, in lower case, in its order; none where it cannot be read. */
    private static List<String> osIds() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream().map(l -> l.toLowerCase(Locale.ROOT))
                    .filter(l -> l.startsWith("id=") || l.startsWith("id_like=")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
