package tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import lab.Chromium;
import lab.Clients;
import lab.Lifelines;
import lab.Listeners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.LeftBehind.noChildrenLeft;
import static tests.Run.HUNG;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.temporaryFolder;

/**
 * `make handout`, for real: one printed page on A4 and on Letter (the PDFs' pages counted), the
 * kit's facts on it, legible as printed, and no Chromium left running. Isolated: it checks every
 * process of this JVM.
 */
@Isolated
class HandoutTest extends Kit {
    /** The smallest type a handout may use: 8 pt, in CSS pixels. */
    static final double SMALLEST_PX = 8 * 96 / 72.0;

    /** The handout, made once by `make handout` into a folder of this run. */
    static final Once<Path> MADE = new Once<>(() -> {
        Path dir = temporaryFolder("lab-handout-test");
        Result r = exec(List.of("make", "-s", "handout", "HANDOUT_DIR=" + dir));
        assertEquals(0, r.exit(), r.out() + r.err());
        return dir;
    });

    static Optional<Path> chromium() {
        return Chromium.usable();
    }

    static void assumeChromium() {
        assumeTrue(chromium().isPresent(), "no Chromium here, or only a snap's: the handout's PDFs need one (make setup installs it where apt has it)");
    }

    @Test
    void eachPaperIsExactlyOnePageOfThatSize() throws Exception {
        assumeChromium();
        Path dir = MADE.get();
        // A4 is 210 × 297 mm, Letter 8.5 × 11 in: in PDF points (1/72 in).
        assertPdf(dir.resolve("handout-a4.pdf"), 595, 842);
        assertPdf(dir.resolve("handout-letter.pdf"), 612, 792);
        assertNothingLeft();
    }

    static void assertPdf(Path pdf, int width, int height) throws IOException {
        String bytes = new String(Files.readAllBytes(pdf), StandardCharsets.ISO_8859_1);
        assertTrue(bytes.startsWith("%PDF-"), pdf + " is a PDF");
        // Page objects, not the /Pages tree node. Chromium writes them uncompressed (no object streams).
        assertFalse(bytes.contains("/ObjStm"), pdf + " hides its objects in a stream: count its pages another way");
        Matcher page = Pattern.compile("/Type\\s*/Page(?![A-Za-z])").matcher(bytes);
        int pages = 0;
        while (page.find()) pages++;
        assertEquals(1, pages, pdf + " has " + pages + " pages");
        Matcher box = Pattern.compile("/MediaBox\\s*\\[\\s*0 0 ([\\d.]+) ([\\d.]+)\\s*]").matcher(bytes);
        assertTrue(box.find(), pdf + " names its paper size");
        assertEquals(width, Math.round(Double.parseDouble(box.group(1))), pdf + "'s width in points");
        assertEquals(height, Math.round(Double.parseDouble(box.group(2))), pdf + "'s height in points");
    }

    @Test
    void thePageHoldsTheKitsFacts() throws Exception {
        String html = Files.readString(MADE.get().resolve("handout.html"));
        assertFalse(html.contains("{{"), "every placeholder is filled");
        // The client table: every client the doctor knows, with what its rule gives for the article's three servers.
        for (String client : Clients.NAMES) {
            if (!client.equals("curl")) assertTrue(html.contains("<td class=\"client\">" + client + "</td>"), "a row for " + client);
        }
        // curl's rule changed with its version: a row for each.
        assertTrue(html.contains("<td class=\"client\">curl ≥ 8.2.1</td>") && html.contains("<td class=\"client\">curl 7.78-8.2.0</td>"), html);
        assertEquals("#1 ::1", reaches(html, "nc"), "nc takes getaddrinfo's order: the Mac's first address");
        assertEquals("#3 127.0.0.1", reaches(html, "java"), "plain Java puts IPv4 first");
        assertEquals("#3 127.0.0.1", reaches(html, "curl 7.78-8.2.0"), "this curl answers localhost with 127.0.0.1 first");
        assertEquals("#1 ::1", reaches(html, "chromium"), "Chromium answers localhost with ::1 first");
        // The lesson: the Mac's three addresses bound in order, and the fourth server's real error.
        assertTrue(html.contains("Listen on [::1]:3000") && html.contains("Listen on [fe80::1]:3000") && html.contains("Listen on 127.0.0.1:3000"), html);
        assertTrue(html.contains("bind: Address already in use"), html);
        // The three commands to diagnose a port.
        assertTrue(html.contains(escape(Listeners.nativeCommand("Linux", 3000))), "who listens, on Linux");
        assertTrue(html.contains(escape(Listeners.nativeCommand("Mac OS X", 3000))), "who listens, on macOS");
        assertTrue(html.contains(escape(Listeners.nativeCommand("Windows", 3000))), "who listens, on Windows");
        assertTrue(html.contains("./jbang resolve@catalog") && html.contains("./jbang doctor@catalog 3000"), html);
        // The fix: notebook 12's two headings.
        for (String heading : notebookHeadings(ROOT.resolve("notebooks/12-what-to-do.ipynb"))) {
            assertTrue(html.contains(heading.replace("`", "")) || html.contains(heading.replaceAll("`([^`]+)`", "<code>$1</code>")), heading);
        }
    }

    static String reaches(String html, String client) {
        Matcher m = Pattern.compile("<td class=\"client\">" + Pattern.quote(client) + "</td><td class=\"reaches\"><span[^>]*>([^<]+)</span>").matcher(html);
        assertTrue(m.find(), "a row for " + client);
        return m.group(1);
    }

    static List<String> notebookHeadings(Path notebook) throws IOException {
        Matcher m = Pattern.compile("## \\d+\\. ([^\\\\\"]+)").matcher(Files.readString(notebook));
        List<String> headings = new ArrayList<>();
        while (m.find()) headings.add(m.group(1));
        assertEquals(2, headings.size(), "notebook 12 gives two fixes: " + headings);
        return headings;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * Legible as printed: Chromium lays the page out at the paper's printable width (A4's, the
     * narrower), and no text is smaller than 8 pt, and nothing is wider than the page (Chromium
     * would shrink the whole print to fit).
     */
    @Test
    void noTextIsShrunkBelowEightPoints() throws Exception {
        assumeChromium();
        String html = Files.readString(MADE.get().resolve("handout.html"));
        String probe = "<script>\n"
                + "let min = 1e9, at = '';\n"
                + "for (const e of document.body.querySelectorAll('*')) {\n"
                + "  if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;\n"
                + "  const px = parseFloat(getComputedStyle(e).fontSize);\n"
                + "  if (px < min) { min = px; at = e.tagName + ': ' + e.textContent.trim().slice(0, 40); }\n"
                + "}\n"
                + "document.body.dataset.smallest = min; document.body.dataset.smallestAt = at;\n"
                + "document.body.dataset.wider = document.documentElement.scrollWidth > window.innerWidth;\n"
                + "</script>";
        Path dir = temporaryFolder("lab-handout-probe");
        Path page = dir.resolve("probe.html");
        Files.writeString(page, html.replace("</body>", probe + "</body>"));
        // A4's printable width: 210 mm less the handout's 12 mm margins, in CSS pixels (96 per inch).
        int width = (int) Math.floor((210 - 24) / 25.4 * 96);
        String dom = dumpDom(page, width, dir.resolve("chromium"));
        double smallest = Double.parseDouble(attribute(dom, "data-smallest"));
        assertTrue(smallest >= SMALLEST_PX - 0.01, "text at " + smallest + " px (" + attribute(dom, "data-smallest-at") + "), below 8 pt");
        assertEquals("false", attribute(dom, "data-wider"), "the page is wider than A4's printable width");
        assertNothingLeft();
    }

    static String attribute(String dom, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
        assertTrue(m.find(), name + " in " + dom.substring(0, Math.min(300, dom.length())));
        return m.group(1);
    }

    /** The page's DOM after its scripts ran, from headless Chromium; Chromium and its children are stopped by PID. */
    static String dumpDom(Path page, int width, Path folder) throws Exception {
        Path out = Files.createTempFile(page.getParent(), "dom", ".html");
        Process browser = new ProcessBuilder(Chromium.headless(chromium().orElseThrow(), folder,
                List.of("--window-size=" + width + ",1100", "--dump-dom", page.toUri().toString())))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        browser.getOutputStream().close();
        boolean done = browser.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS);
        assertTrue(Lifelines.killTree(browser, WAIT), "Chromium and its children stopped within " + WAIT + " of SIGKILL");
        assertTrue(done, "Chromium still running after " + HUNG);
        return Files.readString(out);
    }

    /** The tool's print folders (SessionFiles.Kind.PRINT): Chromium's page, profile and PDF. */
    private static final String PRINT_FOLDER = "lab-print-";

    /** Stopped (SIGTERM, as Ctrl-C) while Chromium prints: Chromium stops too, and its folder goes. */
    @Test
    void stoppedWhileChromiumPrintsNothingIsLeft() throws Exception {
        assumeChromium();
        Path dir = temporaryFolder("lab-handout-stopped"), said = dir.resolve("said.txt"); // a file: the JDK closes a pipe as the process ends
        List<Path> socketsBefore = chromiumSockets(TMP);
        Process handout = new ProcessBuilder(tool("handout", "--out", dir.resolve("out").toString())).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(said.toFile()).start();
        // Stopped once Chromium has made its socket folder, which a killed Chromium leaves: in the print folder, which goes.
        boolean printing = Settled.settled(() -> handout.descendants().anyMatch(p -> LeftBehind.commandLine(p).contains(PRINT_FOLDER))
                && !chromiumSocketsInPrintFolders().isEmpty(), started -> started, Duration.ofSeconds(60));
        assertTrue(printing, "Chromium started: " + Files.readString(said));
        handout.destroy();
        assertTrue(handout.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS), "the handout stopped");
        String output = Files.readString(said);
        assertTrue(output.contains("handout: printing"), output);
        assertFalse(output.contains("unexpected") || output.contains("Exception"), "stopped quietly: " + output);
        assertNothingLeft();
        List<Path> socketsLeft = new java.util.ArrayList<>(chromiumSockets(TMP));
        socketsLeft.removeAll(socketsBefore);
        assertEquals(List.of(), socketsLeft, "no Chromium socket folder in the temp folder itself"); // Isolated: no other Chromium runs
    }

    @Test
    void withoutChromiumTheHtmlIsWrittenAndOneLineSaysThePdfsNeedIt() throws Exception {
        Path dir = temporaryFolder("lab-handout-nochromium");
        // The tool alone, its java by its full path, on a PATH where no browser is.
        List<String> command = tool("handout", "--out", dir.toString());
        Result r = exec(Map.of("PATH", dir.toString()), command);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(Files.isRegularFile(dir.resolve("handout.html")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("handout: the PDFs need Chromium, which is not installed here")), r.out());
        assertFalse(Files.exists(dir.resolve("handout-a4.pdf")), "no PDF without Chromium");
    }

    /**
     * Ubuntu's chromium is a snap, which cannot read the page in /tmp, and may come first on the PATH: Google
     * Chrome's package, found after it, prints. Here a script that starts /snap/bin/chromium, as Ubuntu's
     * /usr/bin/chromium-browser does, stands first, and this machine's Chromium is named google-chrome.
     */
    @Test
    void aSnapsChromiumFirstOnThePathIsPassedOverForTheNextBrowser() throws Exception {
        assumeChromium();
        Path bin = temporaryFolder("lab-handout-snap-bin"), dir = temporaryFolder("lab-handout-snap");
        // Every name the kit looks for is a snap here, whatever browsers this machine has further down the PATH.
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")) {
            Path script = Files.writeString(bin.resolve(name), "#!/bin/sh\nexec /snap/bin/chromium \"$@\"\n");
            assertTrue(script.toFile().setExecutable(true));
        }
        Path snap = bin.resolve("chromium");
        // Ubuntu's /snap/bin/chromium is a link to snapd's launcher, a large program named snap.
        Path launcher = Files.write(dir.resolve("snap"), new byte[100_000]);
        assertTrue(Chromium.inSnap(Files.createSymbolicLink(dir.resolve("chromium-link"), launcher)));
        assertFalse(Chromium.inSnap(chromium().orElseThrow()), "this machine's own Chromium is no snap");
        List<String> command = tool("handout", "--out", dir.toString());
        Result alone = exec(Map.of("PATH", bin + ":" + System.getenv("PATH")), command);
        assertEquals(0, alone.exit(), alone.out() + alone.err());
        assertTrue(alone.out().contains("handout: the PDFs need a Chromium that reads /tmp, and the snap's " + snap + " cannot"), alone.out());

        Files.delete(bin.resolve("google-chrome"));
        Files.createSymbolicLink(bin.resolve("google-chrome"), chromium().orElseThrow());
        Result r = exec(Map.of("PATH", bin + ":" + System.getenv("PATH")), command);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("handout: printing A4 with " + bin.resolve("google-chrome") + " ..."), r.out());
        assertPdf(dir.resolve("handout-a4.pdf"), 595, 842);
        assertNothingLeft();
    }

    /** `make handout PORT=4000` puts 4000 on the page, as PORT sets the port of every other target. */
    @Test
    void makeHandoutTakesThePortOfEveryOtherTarget() {
        Result dry = make(Map.of(), "-n", "handout", "PORT=4000");
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().contains("handout@catalog") && dry.out().contains("--port 4000"), dry.out());
        // A PORT exported by the learner's shell for another server (Node's habit) is not the lab's, and stays its own.
        Result exported = make(Map.of("PORT", "8080"), "-n", "handout");
        assertEquals(0, exported.exit(), exported.err());
        assertTrue(exported.out().contains("--port 3000"), exported.out());
        Result passedOn = make(Map.of("PORT", "8080"), "-s", "--eval", "show: ; @echo \"PORT=$$PORT\"", "show");
        assertEquals("PORT=8080", passedOn.out().strip(), passedOn.out() + passedOn.err());
    }

    /** `make ARGS` in the kit, with no port or make flags from the run that started the tests (make test PORT=...). */
    private static Result make(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("make"));
        command.addAll(List.of(args));
        ProcessBuilder make = new ProcessBuilder(command).directory(ROOT.toFile());
        make.environment().keySet().removeIf(k -> k.matches("PORT|LAB_PORT|MAKE.*|MFLAGS"));
        make.environment().putAll(env);
        return Run.exec(make);
    }

    @Test
    void outsideTheKitItSaysWhereToRunItInOneLine() {
        Path elsewhere = temporaryFolder("lab-handout-elsewhere");
        Result r = exec(tool("handout", "--no-pdf", "--out", elsewhere.resolve("out").toString()), elsewhere);
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(List.of("handout: no docs/handout.html here: run it in the kit's folder (make handout)"), r.err().lines().toList());
    }

    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    /** Chromium's socket folders in {@code folder}: of the Chromiums running, or killed and not cleaned up after. */
    private static List<Path> chromiumSockets(Path folder) {
        try (Stream<Path> in = Files.list(folder)) {
            return in.filter(p -> p.getFileName().toString().startsWith("org.chromium.Chromium.")).toList();
        } catch (IOException e) {
            return List.of(); // a print folder going as we look
        }
    }

    /** Chromium's socket folders in the handout's print folders. */
    private static List<Path> chromiumSocketsInPrintFolders() {
        try (Stream<Path> tmp = Files.list(TMP)) {
            return tmp.filter(p -> p.getFileName().toString().startsWith(PRINT_FOLDER)).flatMap(p -> chromiumSockets(p).stream()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** No Chromium of this JVM, and none of this user's still using a handout's private profile; no profile folder left. */
    static void assertNothingLeft() throws Exception {
        noChildrenLeft();
        String me = ProcessHandle.current().info().user().orElse("?"); // ours only: another user may print a handout too
        List<String> left = ProcessHandle.allProcesses().filter(p -> p.info().user().map(me::equals).orElse(false))
                .map(p -> p.pid() + " " + LeftBehind.commandLine(p))
                .filter(c -> c.contains(PRINT_FOLDER)).toList();
        assertEquals(List.of(), left, "processes of the handout still running");
        try (Stream<Path> tmp = Files.list(TMP)) {
            assertEquals(List.of(), tmp.filter(p -> p.getFileName().toString().startsWith(PRINT_FOLDER)).toList(), "the print's private folders are removed");
        }
    }
}
