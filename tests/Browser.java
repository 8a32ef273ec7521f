package tests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Clients;
import lab.Lifelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's Chromium, headless, on one page, driven as a learner's hands drive a
 * browser: through the DevTools protocol on a loopback port (the JDK's own HTTP
 * and WebSocket client; nothing from npm). Closing it kills Chromium's tree by PID.
 */
final class Browser implements AutoCloseable {
    private final Process chromium;
    private final Path folder;
    private final Path log;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> answers = new ConcurrentHashMap<>();

    static boolean installed() {
        return Clients.usableChromium().isPresent();
    }

    /** Opens {@code url} in a new profile, {@code width} × 900 CSS pixels. */
    Browser(String url, int width) throws Exception {
        folder = TempFiles.temporaryFolder("lab-browser");
        log = folder.resolve("chromium.log");
        // Port 0: a free one, on loopback.
        ProcessBuilder builder = new ProcessBuilder(Lifelines.diesWithUs(Clients.headlessChromium(Clients.usableChromium().orElseThrow(),
                folder, List.of("--window-size=" + width + ",900", "--remote-debugging-address=127.0.0.1",
                        "--remote-debugging-port=0", url))))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        chromium = builder.start();
        chromium.getOutputStream().close();
        try {
            page = connect();
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    /** The page's DevTools socket: Chromium writes its port to DevToolsActivePort once it listens. */
    private WebSocket connect() throws Exception {
        Path active = folder.resolve("profile/DevToolsActivePort");
        boolean listening = Settled.settled(() -> Files.isRegularFile(active) && size(active) > 0, up -> up || !chromium.isAlive(),
                Duration.ofSeconds(60));
        assertTrue(listening && chromium.isAlive(), "Chromium's DevTools did not start: " + Files.readString(log));
        int port = Integer.parseInt(Files.readAllLines(active).get(0).strip());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest pages = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(10)).build();
        // The first page may be listed a moment after the port is written.
        String target = Settled.settled(() -> pageIn(http, pages), page -> page != null, Duration.ofSeconds(30));
        assertTrue(target != null, "no page in Chromium: " + Files.readString(log));
        WebSocket.Listener listener = new JsonFrames(message -> {
            if (message.has("id")) answers.computeIfAbsent(message.get("id").getAsInt(), id -> new CompletableFuture<>()).complete(message);
        });
        return http.newWebSocketBuilder().buildAsync(URI.create(target), listener).get(30, TimeUnit.SECONDS);
    }

    /** The first page's DevTools socket in Chromium's list, or null before it is there. */
    private static String pageIn(HttpClient http, HttpRequest pages) {
        try {
            for (JsonElement t : JsonParser.parseString(http.send(pages, HttpResponse.BodyHandlers.ofString()).body()).getAsJsonArray()) {
                JsonObject target = t.getAsJsonObject();
                if (target.get("type").getAsString().equals("page")) return target.get("webSocketDebuggerUrl").getAsString();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // not answering yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // not written yet
        }
    }

    /** One DevTools command and its result; a protocol error fails the test. */
    JsonObject call(String method, JsonObject params) throws Exception {
        int id = ids.incrementAndGet();
        JsonObject command = new JsonObject();
        command.addProperty("id", id);
        command.addProperty("method", method);
        command.add("params", params);
        page.sendText(command.toString(), true).get(10, TimeUnit.SECONDS);
        JsonObject answer = answers.computeIfAbsent(id, i -> new CompletableFuture<>()).get(60, TimeUnit.SECONDS);
        answers.remove(id);
        assertTrue(!answer.has("error"), method + ": " + answer.get("error"));
        return answer.getAsJsonObject("result");
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
        List<ProcessHandle> tree = new java.util.ArrayList<>(chromium.descendants().toList());
        if (page != null) {
            try { // not waiting for an answer: it may hang up first
                page.sendText("{\"id\": 0, \"method\": \"Browser.close\", \"params\": {}}", true).get(10, TimeUnit.SECONDS);
                chromium.waitFor(10, TimeUnit.SECONDS);
            } catch (Exception quitting) {
                // the kill below ends it either way
            }
            page.abort();
        }
        assertTrue(Lifelines.killTree(chromium, Kit.WAIT), "Chromium and its children stopped within " + Kit.WAIT + " of SIGKILL");
        ProcessHandle.allProcesses().filter(p -> LeftBehind.commandLine(p).contains(folder.toString())).forEach(tree::add);
        tree.forEach(ProcessHandle::destroyForcibly);
        assertEquals(List.of(), LeftBehind.stillRunning(tree), "Chromium left nothing running");
    }
}
