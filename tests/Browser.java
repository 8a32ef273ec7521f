package tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Chromium;
import lab.Lifelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's Chromium, headless, on one page, driven as a learner's hands drive a
 * browser: through the DevTools protocol over a pipe (--remote-debugging-pipe: no
 * port that another user could reach while the page holds Jupyter's token; nothing
 * from npm). Closing it kills Chromium's tree by PID.
 */
final class Browser implements AutoCloseable {
    private final Process chromium;
    private final Path folder;
    /** When Chromium started: the sweep on close takes only processes started since. */
    private final Instant started;
    private final Path log;
    private final FileChannel commands;  // Chromium's fd 3
    private final FileChannel replies;   // Chromium's fd 4
    private final String session;        // the page's, for the commands sent to it
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> answers = new ConcurrentHashMap<>();

    static boolean installed() {
        return Chromium.usable().isPresent();
    }

    /** Opens {@code url} in a new profile, {@code width} × 900 CSS pixels. */
    Browser(String url, int width) throws Exception {
        folder = TempFiles.temporaryFolder("lab-browser");
        log = folder.resolve("chromium.log");
        Path in = folder.resolve("devtools-in"), out = folder.resolve("devtools-out");
        Run.Result fifos = Run.exec(List.of("mkfifo", "-m", "600", in.toString(), out.toString()));
        assertEquals(0, fifos.exit(), "mkfifo: " + fifos.err());
        // Both opened read-write: neither open waits for Chromium's side, whatever becomes of it.
        commands = FileChannel.open(in, StandardOpenOption.READ, StandardOpenOption.WRITE);
        replies = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE);
        List<String> command = new ArrayList<>(List.of("sh", "-c", "in=$1 out=$2; shift 2; exec \"$@\" 3<\"$in\" 4>\"$out\"",
                "sh", in.toString(), out.toString()));
        command.addAll(Chromium.headless(Chromium.usable().orElseThrow(), folder,
                List.of("--window-size=" + width + ",900", "--remote-debugging-pipe", url)));
        chromium = new ProcessBuilder(Lifelines.diesWithUs(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started = chromium.info().startInstant().orElse(Instant.MIN); // read now: a reaped process has none
        chromium.getOutputStream().close();
        Thread reader = new Thread(this::readReplies, "devtools replies");
        reader.setDaemon(true);
        reader.start();
        try {
            session = attach();
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    /** Each reply is a JSON message ended by a NUL byte; the ones with an id answer a command. */
    private void readReplies() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        try {
            while (replies.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b != 0) {
                        message.write(b);
                        continue;
                    }
                    JsonObject reply = JsonParser.parseString(message.toString(StandardCharsets.UTF_8)).getAsJsonObject();
                    message.reset();
                    if (reply.has("id")) answers.computeIfAbsent(reply.get("id").getAsInt(), id -> new CompletableFuture<>()).complete(reply);
                }
                buffer.clear();
            }
        } catch (IOException closed) {
            // close() closed the pipe: no more replies
        }
    }

    /** The page's session: its target, once Chromium lists it, attached to (flat: commands carry the session). */
    private String attach() throws Exception {
        String target = Settled.settled(this::firstPage, page -> page != null || !chromium.isAlive(), Duration.ofSeconds(60));
        assertTrue(target != null && chromium.isAlive(), "Chromium's DevTools did not start: " + log());
        JsonObject params = new JsonObject();
        params.addProperty("targetId", target);
        params.addProperty("flatten", true);
        return send(null, "Target.attachToTarget", params).get("sessionId").getAsString();
    }

    /** The first page's target id, or null before Chromium lists one (or answers at all). */
    private String firstPage() {
        try {
            for (JsonElement t : send(null, "Target.getTargets", new JsonObject(), Duration.ofSeconds(5)).getAsJsonArray("targetInfos")) {
                if (t.getAsJsonObject().get("type").getAsString().equals("page")) return t.getAsJsonObject().get("targetId").getAsString();
            }
            return null;
        } catch (Exception | AssertionError notYet) {
            return null;
        }
    }

    private JsonObject send(String toSession, String method, JsonObject params) throws Exception {
        return send(toSession, method, params, Duration.ofSeconds(60));
    }

    /** One command, to the browser or to {@code toSession}, and its result; a protocol error fails the test. */
    private JsonObject send(String toSession, String method, JsonObject params, Duration within) throws Exception {
        int id = ids.incrementAndGet();
        JsonObject command = new JsonObject();
        command.addProperty("id", id);
        if (toSession != null) command.addProperty("sessionId", toSession);
        command.addProperty("method", method);
        command.add("params", params);
        write(command);
        try {
            JsonObject answer = answers.computeIfAbsent(id, i -> new CompletableFuture<>()).get(within.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(!answer.has("error"), method + ": " + answer.get("error"));
            return answer.getAsJsonObject("result");
        } finally {
            answers.remove(id);
        }
    }

    private synchronized void write(JsonObject command) throws IOException {
        byte[] text = command.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(text.length + 1).put(text).put((byte) 0).flip();
        while (bytes.hasRemaining()) commands.write(bytes);
    }

    /** One DevTools command to the page, and its result; a protocol error fails the test. */
    JsonObject call(String method, JsonObject params) throws Exception {
        return send(session, method, params);
    }

    /** The value of a JavaScript expression in the page (a promise is awaited); a thrown error fails the test. */
    JsonElement evaluate(String expression) throws Exception {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("returnByValue", true);
        params.addProperty("awaitPromise", true);
        JsonObject result = call("Runtime.evaluate", params);
        assertTrue(!result.has("exceptionDetails"), expression + " threw: " + result.get("exceptionDetails"));
        return result.getAsJsonObject("result").get("value");
    }

    /**
     * Whether {@code expression} is true in the page now; false while the page cannot answer
     * (loading, or a new document whose scripts do not run yet): for polling with Settled.
     */
    boolean holds(String expression) {
        try {
            JsonElement value = evaluate(expression);
            return value != null && value.isJsonPrimitive() && value.getAsBoolean();
        } catch (Exception | AssertionError notYet) {
            return false;
        }
    }

    /** Types {@code text} where the focus is, as a keyboard's input method does. */
    void type(String text) throws Exception {
        JsonObject params = new JsonObject();
        params.addProperty("text", text);
        call("Input.insertText", params);
    }

    /** What Chromium printed, for a failure's message. */
    String log() throws IOException {
        return Files.readString(log);
    }

    /**
     * Asks Chromium to quit, as closing its window does, then kills by PID what is left: of its
     * tree as it was before it quit (a helper that outlives it is handed to init, out of the tree),
     * and of anything else running on its folder.
     */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> tree = new ArrayList<>(chromium.descendants().toList());
        try { // not waiting for an answer: it may quit first
            JsonObject quit = new JsonObject();
            quit.addProperty("id", 0);
            quit.addProperty("method", "Browser.close");
            quit.add("params", new JsonObject());
            write(quit);
            chromium.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException quitting) {
            // the kill below ends it either way
        }
        commands.close();
        replies.close(); // ends the reader
        assertTrue(Lifelines.killTree(chromium, Kit.WAIT), "Chromium and its children stopped within " + Kit.WAIT + " of SIGKILL");
        // Chromium's crash handler leaves the tree: found by this run's own folder, and only if started after Chromium.
        ProcessHandle.allProcesses().filter(p -> LeftBehind.commandLine(p).contains(folder.toString()))
                .filter(p -> !p.info().startInstant().orElse(Instant.MIN).isBefore(started)).forEach(tree::add);
        tree.forEach(ProcessHandle::destroyForcibly);
        assertEquals(List.of(), LeftBehind.stillRunning(tree), "Chromium left nothing running");
    }
}
