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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real `make notebook` on a given port, as a learner's browser uses it: its
 * REST API, and a cell run over the kernel's websocket. Closing it stops Jupyter
 * and, by PID, whatever it started.
 */
final class Jupyter implements AutoCloseable {
    final int port;
    final Process make;
    private final String token = UUID.randomUUID().toString();
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts `make notebook [makeArgs]` with {@code env} added, and waits until its API answers. */
    Jupyter(int port, Map<String, String> env, String... makeArgs) throws Exception {
        this.port = port;
        log = Files.createTempFile("make-notebook", ".log");
        List<String> command = new ArrayList<>(List.of("make", "notebook", "NOTEBOOK_ARGS=--no-browser --port=" + port + " --port-retries=0"));
        command.addAll(List.of(makeArgs));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Kit.ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JUPYTER_TOKEN", token);
        // Its server and kernel files in a folder of the run's own: a test that SIGKILLs Jupyter leaves them.
        builder.environment().put("JUPYTER_RUNTIME_DIR", TempFiles.temporaryFolder("lab-runtime").toString());
        builder.environment().putAll(env);
        make = builder.start();
        JsonObject up = null;
        for (long end = System.nanoTime() + Duration.ofMinutes(2).toNanos(); up == null && make.isAlive() && System.nanoTime() < end; ) {
            Thread.sleep(300);
            up = send(request("/api/kernelspecs").GET().build());
        }
        if (up == null) {
            close();
            throw new AssertionError("no Jupyter on 127.0.0.1:" + port + ":\n" + log());
        }
    }

    /** Every process `make notebook` runs now. Each is also killed, by PID, on close: a test that kills make or Jupyter orphans them. */
    List<ProcessHandle> started() {
        List<ProcessHandle> now = make.descendants().toList();
        seen.addAll(now);
        return now;
    }

    private final List<ProcessHandle> seen = new ArrayList<>();

    /** A notebook's page, as the link Jupyter prints opens it. */
    String pageOf(String notebook) {
        return "http://127.0.0.1:" + port + "/notebooks/" + notebook + "?token=" + token;
    }

    /** Shuts every kernel down, as the Running tab's Shutdown buttons do. */
    void shutDownKernels() throws Exception {
        // The server answers 500 while it lists a kernel whose start it has not finished (the page opened
        // just before starts one, and a CI run saw it once): ask again, as a reload of the Running tab would.
        HttpResponse<String> kernels = Settled.settled(this::kernels, listed -> listed.statusCode() < 500, Duration.ofSeconds(30));
        assertTrue(kernels.statusCode() == 200, "GET /api/kernels: " + kernels.statusCode() + " " + kernels.body());
        for (var kernel : JsonParser.parseString(kernels.body()).getAsJsonArray()) {
            String id = kernel.getAsJsonObject().get("id").getAsString();
            int status = http.send(request("/api/kernels/" + id).timeout(Duration.ofSeconds(60)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertTrue(status == 204, "DELETE /api/kernels/" + id + ": " + status);
        }
    }

    /** GET /api/kernels, as it answered. */
    private HttpResponse<String> kernels() {
        try {
            return http.send(request("/api/kernels").timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing the kernels", e);
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    JsonObject get(String path) throws InterruptedException {
        return answered("GET " + path, send(request(path).GET().build()));
    }

    JsonObject post(String path, String body) throws InterruptedException {
        return answered("POST " + path, send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build()));
    }

    JsonObject put(String path, String body) throws InterruptedException {
        return answered("PUT " + path, send(request(path).PUT(HttpRequest.BodyPublishers.ofString(body)).build()));
    }

    private static JsonObject answered(String what, JsonObject answer) {
        assertTrue(answer != null, what);
        return answer;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "token " + token);
    }

    /** The JSON answer, or null for an error or while the server is not up. */
    private JsonObject send(HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() / 100 == 2 ? JsonParser.parseString(response.body()).getAsJsonObject() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Runs one cell over the kernel's websocket, as the notebook page does
     * (Jupyter messaging protocol 5.3), and returns what it printed.
     */
    String runCell(String kernel, String code) throws Exception {
        StringBuilder printed = new StringBuilder();
        CompletableFuture<String> done = new CompletableFuture<>();
        String request = UUID.randomUUID().toString();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder frame = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                frame.append(data);
                if (last) {
                    JsonObject message = JsonParser.parseString(frame.toString()).getAsJsonObject();
                    frame.setLength(0);
                    JsonObject parent = message.getAsJsonObject("parent_header");
                    if (parent.has("msg_id") && parent.get("msg_id").getAsString().equals(request)) {
                        String type = message.get("msg_type").getAsString();
                        JsonObject content = message.getAsJsonObject("content");
                        if (type.equals("stream")) printed.append(content.get("text").getAsString());
                        if (type.equals("execute_result")) printed.append(content.getAsJsonObject("data").get("text/plain").getAsString());
                        if (type.equals("error")) printed.append(content.get("ename").getAsString());
                        if (type.equals("status") && content.get("execution_state").getAsString().equals("idle")) done.complete(printed.toString());
                    }
                }
                socket.request(1);
                return null;
            }
        };
        WebSocket socket = http.newWebSocketBuilder().header("Authorization", "token " + token)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/kernels/" + kernel + "/channels"), listener).get(30, TimeUnit.SECONDS);
        try {
            JsonObject header = new JsonObject();
            header.addProperty("msg_id", request);
            header.addProperty("msg_type", "execute_request");
            header.addProperty("session", UUID.randomUUID().toString());
            header.addProperty("username", "test");
            header.addProperty("version", "5.3");
            JsonObject content = new JsonObject();
            content.addProperty("code", code);
            content.addProperty("silent", false);
            JsonObject message = new JsonObject();
            message.add("header", header);
            message.add("parent_header", new JsonObject());
            message.add("metadata", new JsonObject());
            message.add("content", content);
            message.addProperty("channel", "shell");
            socket.sendText(message.toString(), true).get(10, TimeUnit.SECONDS);
            return done.get(2, TimeUnit.MINUTES);
        } finally {
            socket.abort();
        }
    }

    /**
     * Stops Jupyter (it shuts its kernels down on SIGTERM) and fails if anything it
     * started is still running then; that is killed by PID, so nothing is left.
     */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> started = new ArrayList<>(seen);
        started.addAll(make.descendants().toList());
        started.forEach(ProcessHandle::destroy);
        make.destroy();
        make.waitFor(30, TimeUnit.SECONDS);
        List<String> left = LeftBehind.stillRunning(started);
        started.forEach(ProcessHandle::destroyForcibly);
        make.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(log);
        if (!left.isEmpty()) throw new AssertionError("still running after Jupyter stopped: " + left);
    }
}
