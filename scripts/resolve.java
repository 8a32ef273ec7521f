///usr/bin/env jbang "$0" "$@" ; exit $?
// resolve: what `localhost` means on this machine, behind steps 1 to 8.
//
// The article's servers and nc take getaddrinfo's list in its order, so the
// order decides which server binds which address and which one nc reaches.
// That order differs between tools: glibc sorts it (::1 first), Java's default
// puts IPv4 first, and curl does not read /etc/hosts for localhost at all.
// This prints each order and the address each client tries first.
//
//   jbang resolve@catalog
//   jbang resolve@catalog --hosts-file my-hosts    # the order Java keeps from a private file
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcessOutput.java lab/ProcFiles.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/SandboxOption.java lab/Servers.java lab/SessionFiles.java lab/Tools.java

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Callable;

import lab.ArticleStory;
import lab.Cli;
import lab.Endpoint;
import lab.Resolving;
import lab.SandboxOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "resolve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what HOST resolves to, in the OS order and in Java's default order, and which address nc, Java and curl try first.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:resolved", "1:article mode cannot run here (a Mac without the article's fe80::1%%lo0 line)", "2:bad command line or unknown host"})
class resolve implements Callable<Integer> {
    @Mixin
    Endpoint endpoint;

    @Mixin
    SandboxOption sandbox;

    @Option(names = "--list", description = "print only the addresses, in the order of the OS (or of --hosts-file), one per line")
    boolean list;

    public static void main(String... args) {
        System.exit(Cli.run(new resolve(), args));
    }

    @Override
    public Integer call() {
        Resolving.useOsOrder();
        List<InetAddress> system = Resolving.resolve(endpoint.host);
        if (list) {
            Resolving.distinct(system).forEach(a -> System.out.println(Resolving.format(a)));
            return Cli.OK;
        }
        // One JVM reads its order setting once, so Java's default order is derived:
        // it is the same list with the IPv4 addresses moved to the front.
        List<InetAddress> javaDefault = Resolving.javaDefaultOrder(system);

        // --hosts-file, or the file article mode handed us
        String privateFile = System.getProperty(Resolving.HOSTS_FILE);
        String source = privateFile == null ? "the operating system's order (getaddrinfo: nc, the article's server, pong)"
                                            : "private hosts file " + privateFile + ", in file order (pong --hosts-file)";
        print(endpoint.host + " in " + source + ":", system);
        print(endpoint.host + " in Java's default order (IPv4 first: a plain Java program):", javaDefault);

        System.out.println("First address each client tries:");
        String nc = privateFile == null ? first(system) + "   then the next one if refused"
                                        : "(nc asks the OS resolver, not this file)";
        client("nc " + endpoint.host + " " + endpoint.port, nc);
        client("new Socket(\"" + endpoint.host + "\", " + endpoint.port + ")", first(javaDefault) + "   and no other");
        client("curl http://" + endpoint.host + ":" + endpoint.port + "/", curl(system));
        ArticleStory.explainIfActive(endpoint.port);
        return Cli.OK;
    }

    private static void print(String title, List<InetAddress> addresses) {
        System.out.println(title);
        for (int i = 0; i < addresses.size(); i++) {
            System.out.println("  " + (i + 1) + ". " + Resolving.format(addresses.get(i)));
        }
    }

    private static void client(String who, String what) {
        System.out.printf("  %-32s %s%n", who, what);
    }

    private static String first(List<InetAddress> addresses) {
        return Resolving.format(addresses.get(0));
    }

    /** curl 7.78+ answers "localhost" itself, whatever /etc/hosts says: 127.0.0.1 first up to 8.2.0, ::1 first from 8.2.1. */
    private String curl(List<InetAddress> system) {
        if (endpoint.host.equalsIgnoreCase("localhost")) {
            return "127.0.0.1   then ::1 (curl 7.78 to 8.2.0; from 8.2.1 ::1 first; neither reads /etc/hosts)";
        }
        return first(system) + "   (the OS order; curl may race IPv6 and IPv4)";
    }
}
