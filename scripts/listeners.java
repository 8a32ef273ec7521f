///usr/bin/env jbang "$0" "$@" ; exit $?
// listeners: the article's `lsof -nP -iTCP:3000` step (step 5, inspection).
//
// The article counts its servers with lsof and sees that they differ only in
// their address: [::1]:3000, [fe80::1]:3000 and 127.0.0.1:3000. This lists
// every TCP listener on a port with its PID, command, address and family.
// On Linux it reads /proc itself, so no lsof is needed; Java's IPv4 servers show
// up there as IPv6 sockets bound to ::ffff:127.0.0.1 (dual-stack).
// On macOS it asks lsof, on Windows netstat.
//
//   jbang listeners@catalog --port 3000
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcessOutput.java lab/ProcFiles.java lab/Listeners.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/SandboxOption.java lab/Servers.java lab/SessionFiles.java lab/Tools.java

import java.util.List;
import java.util.concurrent.Callable;

import lab.Cli;
import lab.Listeners;
import lab.Listeners.Listener;
import lab.SandboxOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "listeners", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List every TCP listener on PORT: PID, command, address and family.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed (maybe none)", "1:could not inspect", "2:bad command line"})
class listeners implements Callable<Integer> {
    @Option(names = {"-p", "--port"}, defaultValue = "3000", converter = Cli.Port.class, description = "TCP port (default: ${DEFAULT-VALUE})")
    int port;

    @Mixin
    SandboxOption sandbox;

    public static void main(String... args) {
        System.exit(Cli.run(new listeners(), args));
    }

    @Override
    public Integer call() {
        List<Listener> found = Listeners.onPort(port);
        if (found.isEmpty()) {
            System.out.println("No TCP listener on port " + port + ".");
        } else {
            String row = "%-8s %-10s %-10s %-24s %s%n";
            System.out.printf(row, "PID", "COMMAND", "PROGRAM", "ADDRESS", "FAMILY");
            for (Listener l : found) {
                System.out.printf(row, l.pidText(), l.command(), l.program(), l.where(), l.family());
            }
        }
        System.out.println();
        System.out.println("Same view, native: " + Listeners.nativeCommand(port));
        return Cli.OK;
    }
}
