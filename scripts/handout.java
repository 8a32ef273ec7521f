///usr/bin/env jbang "$0" "$@" ; exit $?
// handout: the one page a learner keeps (make handout), as HTML and, with Chromium, as PDF.
//
// The page's words are in docs/handout.html; its facts come from the kit, so they
// cannot drift from what the lab shows: the article's Mac (Article), where each of
// its servers binds, the client rules the port doctor uses (Clients), the native
// "who listens" command per system (Listeners) and notebook 12's two fixes.
// Headless Chromium prints it once per paper size, in a private profile that is
// removed afterwards; without Chromium the HTML is still written.
//
//   jbang handout@catalog                       # .lab/handout/handout.html, handout-a4.pdf, handout-letter.pdf
//   jbang handout@catalog --out /tmp/h --no-pdf
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//DEPS com.google.code.gson:gson:2.13.2
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Chromium.java lab/Clients.java lab/ClientsHere.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcFiles.java lab/ProcessOutput.java lab/Listeners.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/Servers.java lab/SessionFiles.java lab/SocketErrors.java lab/Tools.java

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import lab.Article;
import lab.ArticleHosts;
import lab.Cli;
import lab.Chromium;
import lab.Clients;
import lab.ClientsHere;
import lab.Clients.Program;
import lab.Clients.Reach;
import lab.Failure;
import lab.GivenFiles;
import lab.Lifelines;
import lab.Listeners;
import lab.Listeners.Listener;
import lab.Resolving;
import lab.SessionFiles;
import lab.SocketErrors;
import lab.Tools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "handout", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write the one-page handout (the lesson, the client table, three commands to diagnose a port, the fix) as HTML, "
                + "and print it to PDF on A4 and Letter with headless Chromium where it is installed. Run it in the kit's folder.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written (the HTML at least; without Chromium it says the PDFs need it)", "1:Chromium failed to print",
                "2:bad command line, or not in the kit's folder"})
class handout implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".lab/handout", description = "where to write (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--template", paramLabel = "FILE", defaultValue = "docs/handout.html", description = "the page's words (default: ${DEFAULT-VALUE})")
    Path template;

    @Option(names = "--notebook", paramLabel = "FILE", defaultValue = "notebooks/12-what-to-do.ipynb",
            description = "the notebook whose fixes the page gives (default: ${DEFAULT-VALUE})")
    Path notebook;

    @Option(names = {"-p", "--port"}, defaultValue = "3000", converter = Cli.Port.class, description = "the port on the page (default: ${DEFAULT-VALUE}, the article's)")
    int port;

    @Option(names = "--no-pdf", description = "write the HTML only")
    boolean noPdf;

    /** The papers a learner prints on, as CSS @page names them, and the file each goes to. */
    static final Map<String, String> PAPERS = papers();
    private static Map<String, String> papers() {
        Map<String, String> papers = new LinkedHashMap<>();
        papers.put("A4", "handout-a4.pdf");
        papers.put("letter", "handout-letter.pdf");
        return papers;
    }

    public static void main(String... args) {
        System.exit(Cli.run(new handout(), args));
    }

    @Override
    public Integer call() throws Exception {
        for (Path source : List.of(template, notebook)) {
            if (!Files.exists(source)) throw Failure.usage("no " + source + " here: run it in the kit's folder (make handout)");
        }
        String page = GivenFiles.text(template, "template");
        Map<String, String> facts = facts();
        try {
            Files.createDirectories(out);
        } catch (FileSystemException e) { // FileAlreadyExists, NotDirectory, AccessDenied, a read-only disk
            if (GivenFiles.fileInTheWay(out).isPresent()) throw Failure.usage("cannot make the folder --out " + out + ": a file is in the way");
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getReason() != null ? e.getReason() : "the system refused it";
            throw Failure.failed("cannot make the folder --out " + out + ": " + why);
        }
        Path html = out.resolve("handout.html");
        // The saved page leaves the paper to the reader's print dialog: the layout fits A4 and Letter alike.
        Files.writeString(html, fill(page, facts, "auto"), StandardCharsets.UTF_8);
        System.out.println("handout: " + html);
        if (noPdf) return Cli.OK;
        Optional<Path> chromium = Chromium.usable(); // the PDFs are printed by Chromium, or Chrome, not a snap's
        if (chromium.isEmpty()) {
            Optional<Path> snap = ClientsHere.find("chromium"); // Ubuntu's: it could not read the page we write in /tmp
            System.out.println(snap.isPresent() ? "handout: the PDFs need a Chromium that reads /tmp, and the snap's " + snap.get()
                    + " cannot; print the HTML from any browser instead"
                    : "handout: the PDFs need Chromium, which is not installed here (" + Tools.installCommand("chromium") + "); "
                    + "print the HTML from any browser instead");
            return Cli.OK;
        }
        for (Map.Entry<String, String> paper : PAPERS.entrySet()) {
            Path pdf = out.resolve(paper.getValue());
            System.out.println("handout: printing " + paper.getKey() + " with " + chromium.get() + " ...");
            print(chromium.get(), fill(page, facts, paper.getKey()), pdf);
            System.out.println("handout: " + pdf);
        }
        return Cli.OK;
    }

    // ---- The facts, from the kit.

    Map<String, String> facts() throws IOException {
        List<String> hostsLines = ArticleHosts.lines(Article.Mode.NAMESPACE);
        List<InetAddress> mac = hostsLines.stream().map(l -> Resolving.literal(l.split("\\s+")[0].replaceFirst("%.*", ""))).toList();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("port", "" + port);
        facts.put("hosts_lines", escape(String.join("\n", hostsLines)));
        facts.put("addresses", mac.stream().map(a -> "<code>" + escape(Resolving.format(a)) + "</code>").collect(Collectors.joining(", ")));
        facts.put("binds", binds(mac));
        for (int i = 0; i < mac.size(); i++) facts.put("server" + (i + 1), "<code>" + escape(Resolving.format(mac.get(i), port)) + "</code>");
        facts.put("client_rows", clientRows(mac));
        facts.put("who_listens_linux", escape(Listeners.nativeCommand("Linux", port)));
        facts.put("who_listens_macos", escape(Listeners.nativeCommand("Mac OS X", port)));
        facts.put("who_listens_windows", escape(Listeners.nativeCommand("Windows", port)));
        facts.put("fixes", fixes());
        return facts;
    }

    /** Server N binds the Nth address, and the one after the last fails, with the message a real bind gives. */
    String binds(List<InetAddress> addresses) throws IOException {
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < addresses.size(); i++) {
            items.append("<li><code>Listen on ").append(escape(Resolving.format(addresses.get(i), port))).append("</code></li>");
        }
        return items.append("<li class=\"fails\"><code>bind: ").append(escape(bindError())).append("</code></li>").toString();
    }

    /** What a second socket gets when it binds a taken address and port: asked for real, on 127.0.0.1, in English. */
    static String bindError() throws IOException {
        InetAddress loopback = Resolving.literal("127.0.0.1");
        try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
            first.bind(new InetSocketAddress(loopback, 0));
            try {
                second.bind(new InetSocketAddress(loopback, first.getLocalPort()));
            } catch (BindException e) {
                return SocketErrors.inEnglish(e); // the page is English, whatever this machine's language
            }
        }
        throw Failure.failed("a second bind of the same address and port did not fail here");
    }

    /**
     * One row per client: its rule (the newest, as the doctor predicts a client it cannot ask),
     * with the article's servers on the Mac's addresses. curl gets a second row, for the
     * 7.78-8.2.0 rule that Debian 12's curl 7.88.1 follows (docs/doctor.md).
     */
    String clientRows(List<InetAddress> mac) {
        List<Listener> servers = new ArrayList<>();
        for (int i = 0; i < mac.size(); i++) servers.add(new Listener(i + 1, "server #" + (i + 1), "", mac.get(i), port, false));
        Map<String, Program> programs = Map.of("curl", new Program("curl", Optional.empty(), Optional.of("7.88.1"), ""));
        List<Reach> newest = Clients.predict("localhost", port, mac, servers, l -> true, Map.of(), true, a -> true);
        List<Reach> older = Clients.predict("localhost", port, mac, servers, l -> true, programs, true, a -> true);
        StringBuilder rows = new StringBuilder();
        for (Reach reach : newest) {
            rows.append(row(reach, reach.client().equals("curl") ? "curl ≥ 8.2.1" : reach.client()));
            if (reach.client().equals("curl")) {
                older.stream().filter(r -> r.client().equals("curl")).findFirst().ifPresent(r -> rows.append(row(r, "curl 7.78-8.2.0")));
            }
        }
        return rows.toString();
    }

    String row(Reach reach, String name) {
        String reaches = reach.listener() == null ? "nothing"
                : "<span class=\"server" + reach.listener().pid() + "\">#" + reach.listener().pid() + " " + escape(Resolving.format(reach.reached())) + "</span>";
        return "      <tr><td class=\"client\">" + escape(name) + "</td><td class=\"reaches\">" + reaches + "</td><td class=\"fallback\">"
                + (reach.fallback() ? "yes" : "<b>no</b>") + "</td><td>" + escape(reach.how()) + "</td></tr>\n";
    }

    /**
     * Notebook 12's fixes: each "## N. title" heading, with the sentences under it up to the
     * first that leads into a cell (ends with a colon).
     */
    String fixes() {
        Pattern heading = Pattern.compile("^## \\d+\\. (.+)$", Pattern.MULTILINE);
        StringBuilder items = new StringBuilder();
        for (String text : markdownCells()) {
            Matcher m = heading.matcher(text);
            while (m.find()) {
                String rest = text.substring(m.end()).strip().split("\n\n|\n#")[0];
                List<String> said = new ArrayList<>();
                for (String sentence : rest.replace('\n', ' ').split("(?<=[.:])\\s+")) {
                    if (sentence.endsWith(":")) break;
                    said.add(sentence);
                }
                items.append("<li><b>").append(markdown(m.group(1))).append(".</b> ").append(markdown(String.join(" ", said))).append("</li>");
            }
        }
        if (items.length() == 0) throw Failure.failed(notebook + " has no \"## 1. ...\" headings: the handout takes its fixes from them");
        return items.toString();
    }

    /** The text of each markdown cell of --notebook; a file that is not a notebook is one usage line. */
    private List<String> markdownCells() {
        Failure notANotebook = Failure.usage(notebook + " is not a notebook (its JSON has no cells of text)");
        JsonElement root;
        try {
            root = JsonParser.parseString(GivenFiles.text(notebook, "notebook"));
        } catch (JsonParseException e) {
            throw notANotebook;
        }
        if (!root.isJsonObject() || !(root.getAsJsonObject().get("cells") instanceof JsonArray cells)) throw notANotebook;
        List<String> texts = new ArrayList<>();
        for (JsonElement cell : cells) {
            if (!(cell instanceof JsonObject c) || !(c.get("cell_type") instanceof JsonPrimitive type)) throw notANotebook;
            if (!type.getAsString().equals("markdown")) continue;
            JsonElement source = c.get("source"); // a string, or a list of lines
            List<JsonElement> lines = source instanceof JsonArray list ? list.asList() : source == null ? List.of() : List.of(source);
            if (source == null || !lines.stream().allMatch(l -> l instanceof JsonPrimitive p && p.isString())) throw notANotebook;
            texts.add(lines.stream().map(JsonElement::getAsString).collect(Collectors.joining()));
        }
        return texts;
    }

    // ---- Filling the template, and printing it.

    /** The template with every {{name}} filled; an unknown name is the template's mistake, said at once. */
    static String fill(String page, Map<String, String> facts, String paper) {
        Map<String, String> all = new LinkedHashMap<>(facts);
        all.put("paper", paper);
        Matcher m = Pattern.compile("\\{\\{(\\w+)}}").matcher(page);
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            String value = all.get(m.group(1));
            if (value == null) throw Failure.failed("the template names {{" + m.group(1) + "}}, which the handout does not know (it knows " + all.keySet() + ")");
            m.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        return m.appendTail(filled).toString();
    }

    /**
     * Prints one paper's page with headless Chromium, in a private profile folder that is
     * removed afterwards, and leaves no Chromium process behind, even when it hangs.
     */
    static void print(Path chromium, String page, Path pdf) throws IOException, InterruptedException {
        Path work = SessionFiles.newFolder(SessionFiles.Kind.PRINT); // a SIGKILLed handout's: the next session sweeps it
        AtomicReference<Process> running = new AtomicReference<>();
        // Stopped (Ctrl-C, SIGTERM) while it prints: Chromium goes first, then what it wrote meanwhile.
        Thread stopBrowser = new Thread(() -> {
            try {
                if (running.get() != null) Lifelines.killTree(running.get(), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                // the JVM is going: nothing more to wait for
            }
            SessionFiles.removeTree(work);
        }, "stop chromium");
        Runtime.getRuntime().addShutdownHook(stopBrowser);
        try {
            Path html = work.resolve("handout.html");
            Files.writeString(html, page, StandardCharsets.UTF_8);
            Path log = work.resolve("chromium.log");
            Path printed = work.resolve("handout.pdf");
            // Chromium's own sandbox is off (it refuses to start as root and where user namespaces are
            // restricted): the page is the kit's own file, with no network. diesWithUs: even if we are SIGKILLed.
            Process browser = new ProcessBuilder(Lifelines.diesWithUs(Chromium.headless(chromium, work,
                    List.of("--no-pdf-header-footer", "--print-to-pdf=" + printed, html.toUri().toString()))))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            running.set(browser);
            browser.getOutputStream().close();
            boolean done;
            try {
                done = browser.waitFor(120, TimeUnit.SECONDS);
            } finally {
                if (!Lifelines.killTree(browser, Duration.ofSeconds(10))) {
                    throw Failure.failed("Chromium or a process it started did not stop within 10 s of SIGKILL");
                }
            }
            if (!done || browser.exitValue() != 0 || !Files.isRegularFile(printed) || Files.size(printed) == 0) {
                List<String> said = Files.readAllLines(log).stream().filter(l -> !l.contains(":ERROR:dbus/") && !l.isBlank()).toList();
                throw Failure.failed("Chromium " + (done ? "did not print " + pdf.getFileName() : "hung for 120 s on " + pdf.getFileName())
                        + (said.isEmpty() ? "" : ": " + said.get(said.size() - 1).strip()));
            }
            Files.move(printed, pdf, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopBrowser);
            } catch (IllegalStateException shuttingDown) {
                Thread.sleep(Long.MAX_VALUE); // the hook stops Chromium and removes the folder; the JVM halts after it, silently
            }
            SessionFiles.removeTree(work);
        }
    }

    // ---- Text into HTML.

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The markdown notebook 12 uses in its prose: `code` and **bold**. */
    static String markdown(String text) {
        return escape(text).replaceAll("`([^`]+)`", "<code>$1</code>").replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>");
    }
}
