///usr/bin/env jbang "$0" "$@" ; exit $?
// sandbox: run any program where localhost means something else, for steps 6 to 8.
//
// The article ends with "try to modify /etc/hosts". The lab never writes the real
// /etc/hosts or /etc/gai.conf: on Linux it makes a private network and mount
// namespace, mounts private copies over those two files there, and runs the
// program inside. nc, curl, Python and C then resolve localhost from the copies.
// With no files given it joins the article's sandbox, where `--sandbox article`
// servers run, so `nc localhost 3000` can reach them as in the article.
//
//   jbang sandbox@catalog -- nc -vz localhost 3000            # the article's client, beside the article-mode pongs
//   jbang sandbox@catalog --hosts my-hosts -- getent ahosts localhost
//   jbang sandbox@catalog --hosts my-hosts --gai-conf my-gai.conf    # a shell; `exit` leaves it
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcessOutput.java lab/ProcFiles.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/Servers.java lab/SessionFiles.java lab/Tools.java

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import lab.Article;
import lab.ArticleHosts;
import lab.Cli;
import lab.Failure;
import lab.Lifelines;
import lab.Sandbox;
import lab.SharedSandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sandbox", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run COMMAND (default: a shell) in a private network and mount namespace with its own /etc/hosts and /etc/gai.conf.",
                "Without --hosts, --gai-conf or --address it joins the article's sandbox (see --sandbox article on the other tools). Linux only."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"n:COMMAND's own exit code", "1:no sandbox could be made here (not Linux, or no namespace rights)", "2:bad command line"})
class sandbox implements Callable<Integer> {
    @Option(names = "--hosts", paramLabel = "FILE", description = "mount FILE over /etc/hosts inside")
    Path hosts;

    @Option(names = "--gai-conf", paramLabel = "FILE", description = "mount FILE over /etc/gai.conf inside (glibc's sorting table)")
    Path gaiConf;

    @Option(names = "--address", paramLabel = "CIDR", description = "add an address to lo inside, such as fe80::1/64 (repeatable)")
    List<String> addresses = new ArrayList<>();

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the program and its arguments (put -- before it)")
    List<String> command = new ArrayList<>();

    public static void main(String... args) {
        System.exit(Cli.run(new sandbox(), args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (command.isEmpty()) command = List.of(System.getenv().getOrDefault("SHELL", "sh"));
        List<String> withLifeline = Lifelines.diesWithUs(command); // without setpriv no sandbox starts below, so none runs untied
        if (hosts == null && gaiConf == null && addresses.isEmpty()) {
            Sandbox.unavailable().ifPresent(why -> { throw Failure.failed("cannot make a sandbox: " + why); });
            System.err.println("sandbox: the article's sandbox: lo has ::1, fe80::1 and 127.0.0.1; /etc/hosts is "
                    + String.join(", ", ArticleHosts.lines(Article.Mode.NAMESPACE)));
            return SharedSandbox.runShared(Article.NAME, Article::sandboxSpec, withLifeline);
        }
        Sandbox.Spec spec = Sandbox.Spec.hosts(hosts).withGaiConf(gaiConf);
        for (String cidr : addresses) spec = spec.withAddress(cidr);
        try (Sandbox box = Sandbox.start(spec)) {
            return new ProcessBuilder(box.inside(withLifeline)).inheritIO().start().waitFor();
        }
    }
}
