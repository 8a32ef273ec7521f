///usr/bin/env jbang "$0" "$@" ; exit $?
// reorder-hosts: step 7 on the real /etc/hosts, for macOS, to see what the article did not show.
//
// The article ends: change the order of the localhost lines in /etc/hosts and
// restart the servers. It does not show the result. The system's resolver sorts
// the addresses (glibc by RFC 3484, Apple's by RFC 6724), so ::1 most likely
// stays first: after the edit this tool prints what the resolver now gives.
// It does that edit for as long as it runs, and no longer: it is opt-in
// (--edit; without it, it only shows the new order), keeps a backup, puts the
// file back on Enter, Ctrl-C or kill, and refuses to start while a backup from
// an earlier run is left over. On Linux it never touches the machine's real
// /etc/hosts: it works on a private copy mounted over it in a sandbox (see
// `jbang sandbox@catalog`), or on any other file given with --file.
//
//   jbang reorder-hosts@catalog                          # show the new order only (a stock Mac: nothing to move)
//   sudo JAVA_HOME="$JAVA_HOME" jbang reorder-hosts@catalog --first ::1 --edit   # macOS: ::1 first until Enter (sudo drops JAVA_HOME)
//   sudo JAVA_HOME="$JAVA_HOME" jbang reorder-hosts@catalog --restore  # after a crash: put the backup back
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/Lifelines.java lab/OperatingSystem.java lab/ProcessOutput.java lab/ProcFiles.java lab/Resolving.java lab/Tools.java

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import lab.Cli;
import lab.Failure;
import lab.HostsFile;
import lab.OperatingSystem;
import lab.Resolving;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reorder-hosts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Move one address to the front of the localhost lines of a hosts file, for as long as this runs.",
                "Without --edit it only shows the new order. The file is put back on Enter, Ctrl-C or kill."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown, or edited and put back", "1:could not edit or restore (no rights, a backup left over)", "2:bad command line"})
class reorder_hosts implements Callable<Integer> {
    @Option(names = "--file", paramLabel = "FILE", description = "hosts file to reorder (default: /etc/hosts; on Windows, drivers\\etc\\hosts)")
    Path file;

    @Option(names = "--first", defaultValue = "127.0.0.1", paramLabel = "ADDRESS", description = "address whose localhost line goes first (default: ${DEFAULT-VALUE})")
    String first;

    @Option(names = "--edit", description = "really edit FILE until Enter, Ctrl-C or kill (needs write access: sudo on macOS)")
    boolean edit;

    @Option(names = "--backup", paramLabel = "FILE", description = "where the backup goes (default: ~/.localhost-lab/hosts.backup)")
    Path backup;

    @Option(names = "--restore", description = "put a backup left by an earlier run back, then remove it")
    boolean restore;

    public static void main(String... args) {
        System.exit(Cli.run(new reorder_hosts(), args));
    }

    @Override
    public Integer call() throws Exception {
        Resolving.useOsOrder(); // before anything resolves: the order the system gives, as nc sees it
        Path systemHosts = OperatingSystem.here() == OperatingSystem.WINDOWS
                ? Path.of(System.getenv().getOrDefault("SystemRoot", "C:\\Windows"), "System32", "drivers", "etc", "hosts") : Path.of("/etc/hosts");
        if (file == null) file = systemHosts;
        if (backup == null) {
            Path home = Path.of(System.getProperty("user.home"));
            // Java's "?" (no HOME, no passwd entry) would put it in a folder named ? here, where --restore elsewhere cannot find it
            if (!home.isAbsolute() && (edit || restore)) throw Failure.usage("no home folder to keep the backup in: name it with --backup FILE");
            backup = home.resolve(".localhost-lab").resolve("hosts.backup");
        }
        HostsFile hosts = new HostsFile(file, backup);
        if (restore) {
            hosts.restoreLeftover();
            System.out.println(file + " restored from " + backup + "; backup removed.");
            return Cli.OK;
        }
        InetAddress address;
        try {
            address = Resolving.literal(first);
        } catch (IllegalArgumentException e) {
            throw Failure.usage("--first wants an address such as 127.0.0.1 or ::1, not '" + first + "'");
        }
        String reordered = hosts.withFirst(address);
        List<String> now = HostsFile.localhostAddresses(hosts.text());
        System.out.println("localhost lines in " + file + " now:   " + String.join(", ", now));
        System.out.println("localhost lines after the edit:   " + String.join(", ", HostsFile.localhostAddresses(reordered)));
        boolean machines = hosts.isTheMachinesOnLinux(); // asked once: each machine's name for the file, compared
        if (!edit && machines) {
            System.out.println("Nothing changed, and " + HostsFile.NEVER_ON_LINUX + ": to try --edit, " + HostsFile.instead() + ".");
            return Cli.OK;
        }
        // A stock Mac's file already starts with 127.0.0.1 (the default): an edit would change nothing. A leftover
        // backup, or Linux's real file, still goes on to edit(), which refuses and says why.
        if (reordered.lines().toList().equals(hosts.text().lines().toList()) && Files.notExists(backup) && !machines) {
            Optional<String> another = now.stream().filter(a -> !a.equals(now.get(0))).findFirst();
            System.out.println("Nothing to change: " + file + "'s first localhost line is already " + now.get(0) + "'s."
                    + another.map(a -> " To put another first: --first " + a.replaceFirst("%.*", "")).orElse(""));
            if (file.equals(systemHosts)) systemsOrder(); // the lesson, with no edit: the system sorts the lines
            return Cli.OK;
        }
        if (!edit) {
            System.out.println("Nothing changed. Add --edit to change " + file + " until you press Enter (it keeps a backup and always puts it back).");
            return Cli.OK;
        }

        hosts.edit(reordered); // refuses on Linux's real file, or with a leftover backup; restores on any exit
        System.out.println("Edited " + file + " (backup: " + backup + "). Restart the servers and clients in other terminals now.");
        if (file.equals(systemHosts)) systemsOrder(); // the system's own file: ask the system, which may sort the lines
        System.out.println("Press Enter to put " + file + " back (Ctrl-C does too).");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine(); // a line, or end of input
        hosts.restore();
        System.out.println(file + " put back; backup removed.");
        return Cli.OK;
    }

    private static void systemsOrder() {
        System.out.println("The system's resolver now gives localhost: " + Resolving.resolve("localhost").stream().map(Resolving::format).collect(Collectors.joining(", ")));
    }
}
