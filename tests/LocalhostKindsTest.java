package tests;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import lab.Article;
import lab.Localhost;
import lab.OperatingSystem;
import lab.Resolving;
import lab.Sandbox;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;

/**
 * The lab on every common localhost: each distribution's real default /etc/hosts
 * (tests/recorded/, sources inside) is mounted over /etc/hosts in a sandbox, and
 * the article's steps 1 to 6, and step 9's advice, are played there. Each check ends in ✓ or in an
 * explained difference (≠), and the lab names the kind of localhost at the start.
 */
class LocalhostKindsTest extends Kit {
    /** Steps 1 to 6 and 9 depend on /etc/hosts; steps 7 and 8 bring hosts files of their own. */
    static final List<String> STEPS = List.of("01-single-server", "02-second-server", "03-third-server",
            "04-bind-failure", "05-lsof-inspection", "06-client-ordering", "12-what-to-do");

    static final List<String> FILES = List.of("hosts-ubuntu", "hosts-debian", "hosts-fedora", "hosts-docker", "hosts-docker-no-ipv6");
    /** Each file's lab, all played at once: each sandbox has a network of its own, so they cannot meet. */
    private static final Map<String, CompletableFuture<Result>> PLAYED = new ConcurrentHashMap<>();

    @BeforeAll
    static void playUnderEveryFileAtOnce() {
        if (Sandbox.unavailable().isPresent()) return;
        ExecutorService pool = Executors.newFixedThreadPool(FILES.size());
        for (String file : FILES) {
            List<String> command = new ArrayList<>(tool("sandbox", "--hosts", ROOT.resolve("tests/recorded").resolve(file).toString(), "--"));
            command.addAll(tool("play", STEPS.stream().map(s -> "notebooks/" + s + ".ipynb").toArray(String[]::new)));
            PLAYED.put(file, CompletableFuture.supplyAsync(() -> exec(command), pool));
        }
        pool.shutdown();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "hosts-ubuntu         | 127.0.0.1      | like Ubuntu's default /etc/hosts, where ::1 is only ip6-localhost",
            "hosts-debian         | ::1, 127.0.0.1 | like Debian's and Fedora's default /etc/hosts",
            "hosts-fedora         | ::1, 127.0.0.1 | like Debian's and Fedora's default /etc/hosts",
            "hosts-docker         | ::1, 127.0.0.1 | like Debian's and Fedora's default /etc/hosts",
            "hosts-docker-no-ipv6 | 127.0.0.1      | like Docker images without IPv6"})
    void theLabPlaysUnderThisDefaultHostsFile(String file, String localhost, String kind) {
        assumeNamespaces();
        Result r = PLAYED.get(file).join();
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("This machine's localhost: " + localhost + " (" + kind), r.out());
        assertTrue(r.out().contains("Port 3000, as in the article."), "the sandbox has its own port 3000: " + r.out());
        int addresses = localhost.split(", ").length;
        assertTrue(r.out().contains("✓ " + addresses + " server(s) listen, one per address of localhost"), r.out());
        assertTrue(r.out().contains("✓ the server took the first address in resolver order, " + localhost.split(", ")[0]), r.out());
        assertFalse(r.out().contains("✗") || r.out().contains("\tat "), "every check is ✓ or an explained ≠:\n" + r.out());
    }

    /**
     * A Mac cannot be sandboxed here, but what the lab says on one follows from its /etc/hosts:
     * today's default file (recorded) lacks the article's fe80::1%lo0 line, and the lab says so,
     * both in its first line and when article mode refuses to pretend.
     */
    @Test
    void aMacWithTodaysDefaultHostsFileIsToldWhichLineTheArticlesHad() throws IOException {
        String today = Files.readString(ROOT.resolve("tests/recorded/hosts-macos"));
        // Apple's resolver sorts by RFC 6724: ::1 first, whatever the file's order (docs/doctor.md).
        List<InetAddress> mac = List.of(Resolving.literal("::1"), Resolving.literal("127.0.0.1"));
        assertEquals("a Mac with today's default /etc/hosts, without the article's fe80::1%lo0 line",
                Localhost.likeWhat(OperatingSystem.MACOS, mac));
        String why = Article.unlikeTheArticlesMac(today).orElseThrow();
        assertTrue(why.startsWith("this Mac's /etc/hosts names localhost on 127.0.0.1 and ::1, not on the article's fe80::1%lo0"), why);

        String authors = String.join("\n", "127.0.0.1\tlocalhost", "255.255.255.255\tbroadcasthost", "::1 localhost",
                "fe80::1%lo0\tlocalhost");
        assertEquals(Optional.empty(), Article.unlikeTheArticlesMac(authors), "the author's Mac is the article's");
        for (String other : List.of("fe80::1%en0", "fe80::1")) { // another device's, or none, which no Mac binds
            assertTrue(Article.unlikeTheArticlesMac(authors.replace("fe80::1%lo0", other)).isPresent(), "only lo0's fe80::1 is, not " + other);
        }
        List<InetAddress> article = List.of(Resolving.literal("::1"), Resolving.literal("fe80::1"), Resolving.literal("127.0.0.1"));
        assertEquals("a Mac like the article's: its /etc/hosts names fe80::1%lo0 too", Localhost.likeWhat(OperatingSystem.MACOS, article));
        assertEquals("like the article's Mac: three addresses", Localhost.likeWhat(OperatingSystem.LINUX, article));
    }
}
