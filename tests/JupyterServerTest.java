package tests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import lab.Listeners;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `make notebook`, as a workshop runs it: the real Jupyter server, on loopback
 * only, offers the lab's kernel and runs a cell on it; the kernel follows
 * Jupyter even when Jupyter is SIGKILLed.
 */
class JupyterServerTest extends Kit {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void makeNotebookServesTheLabKernelOnLoopbackAndTheKernelFollowsJupyter() throws Exception {
        int port = freePort();
        String token = UUID.randomUUID().toString();
        Path log = Files.createTempFile("make-notebook", ".log");
        ProcessBuilder command = new ProcessBuilder("make", "notebook", "NOTEBOOK_ARGS=--no-browser --port=" + port + " --port-retries=0")
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("JUPYTER_TOKEN", token); // notebook 6 and 7 both read it
        int labPort = freePort();
        command.environment().put("LAB_PORT", "" + labPort); // reaches the kernel as it reaches a learner's
        Process make = command.start();
        List<ProcessHandle> started = List.of();
        try {
            JsonObject specs = null;
            for (long end = System.nanoTime() + Duration.ofMinutes(2).toNanos(); specs == null && make.isAlive() && System.nanoTime() < end; ) {
                Thread.sleep(500);
                specs = get(port, token, "/api/kernelspecs");
            }
            assertTrue(specs != null, "no Jupyter on 127.0.0.1:" + port + ":\n" + Files.readString(log));
            JsonObject spec = specs.getAsJsonObject("kernelspecs").getAsJsonObject("localhost-lab");
            assertTrue(spec != null, "the lab's kernel is offered: " + specs);
            assertEquals("Java (localhost-lab)", spec.getAsJsonObject("spec").get("display_name").getAsString());
            List<Listeners.Listener> server = Listeners.onPort(port);
            assertTrue(!server.isEmpty() && server.stream().allMatch(l -> l.address().isLoopbackAddress()), "loopback only: " + server);

            String id = post(port, token, "/api/kernels", "{\"name\": \"localhost-lab\"}").get("id").getAsString();
            String said = runCell(port, token, id, "Lab.port();");
            assertTrue(said.strip().endsWith("\nPort " + labPort + " (from LAB_PORT).") && said.startsWith("This machine's localhost: "),
                    "a cell runs on the lab's kernel:\n" + said + Files.readString(log));
            started = make.descendants().toList();
            assertTrue(started.stream().anyMatch(h -> h.info().commandLine().orElse("").contains("ijava")), "a kernel runs: " + started);

            // The hard case: Jupyter SIGKILLed cannot shut its kernel down; the kernel must follow on its own.
            make.children().forEach(ProcessHandle::destroyForcibly);
            assertEquals(List.of(), stillRunning(started), "Jupyter's kernel, and what it started, follow Jupyter");
        } finally {
            // Whatever a failed check left: the processes this test started, by PID.
            make.descendants().forEach(ProcessHandle::destroyForcibly);
            make.destroy();
            make.waitFor(30, TimeUnit.SECONDS);
        }
        Files.delete(log);
    }

    @Test
    void makeNotebookSandboxArticleRunsTheNotebooksKernelInTheArticlesSandbox() throws Exception {
        assumeTrue(lab.Sandbox.unavailable().isEmpty(), () -> "skipped: " + lab.Sandbox.unavailable().orElse(""));
        int port = freePort();
        String token = UUID.randomUUID().toString();
        Path log = Files.createTempFile("make-notebook", ".log");
        ProcessBuilder command = new ProcessBuilder("make", "notebook", "SANDBOX=article",
                "NOTEBOOK_ARGS=--no-browser --port=" + port + " --port-retries=0")
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("JUPYTER_TOKEN", token);
        int labPort = freePort();
        command.environment().put("LAB_PORT", "" + labPort);
        command.environment().put("LAB_SANDBOX_STATE", STATE.toString()); // this run's sandboxes, not a learner's
        Process make = command.start();
        try {
            JsonObject specs = null;
            for (long end = System.nanoTime() + Duration.ofMinutes(2).toNanos(); specs == null && make.isAlive() && System.nanoTime() < end; ) {
                Thread.sleep(500);
                specs = get(port, token, "/api/kernelspecs");
            }
            assertTrue(specs != null, "no Jupyter on 127.0.0.1:" + port + ":\n" + Files.readString(log));
            // The name the notebooks ask for is the article-mode kernel in this session.
            JsonObject spec = specs.getAsJsonObject("kernelspecs").getAsJsonObject("localhost-lab");
            assertEquals("Java (localhost-lab, article mode)", spec.getAsJsonObject("spec").get("display_name").getAsString());

            String id = post(port, token, "/api/kernels", "{\"name\": \"localhost-lab\"}").get("id").getAsString();
            String said = runCell(port, token, id, "Lab.port(); System.out.println(Lab.pong().address());");
            assertTrue(said.contains("(article mode: the article's Mac)") && said.strip().endsWith("[::1]:" + labPort),
                    "the cell runs in the sandbox:\n" + said + Files.readString(log));
            assertEquals(List.of(), Listeners.onPort(labPort), "the server is on the sandbox's lo, not the host's");
            List<ProcessHandle> started = make.descendants().toList();
            assertTrue(started.stream().anyMatch(h -> h.info().commandLine().orElse("").contains("lab.ArticleKernel")), "the launcher runs");

            make.children().forEach(ProcessHandle::destroyForcibly); // Jupyter SIGKILLed
            assertEquals(List.of(), stillRunning(started), "the launcher, the kernel inside and its server follow Jupyter");
        } finally {
            make.descendants().forEach(ProcessHandle::destroyForcibly);
            make.destroy();
            make.waitFor(30, TimeUnit.SECONDS);
        }
        Files.delete(log);
    }

    /**
     * Runs one cell over the kernel's websocket, as the notebook page does
     * (Jupyter messaging protocol 5.3), and returns what it printed.
     */
    private String runCell(int port, String token, String kernel, String code) throws Exception {
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

    /** The JSON at a Jupyter API path, or null while the server is not up. */
    private JsonObject get(int port, String token, String path) throws InterruptedException {
        return send(HttpRequest.newBuilder(api(port, path)).header("Authorization", "token " + token).GET().build());
    }

    private JsonObject post(int port, String token, String path, String body) throws InterruptedException {
        JsonObject answer = send(HttpRequest.newBuilder(api(port, path)).header("Authorization", "token " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertTrue(answer != null, "POST " + path);
        return answer;
    }

    private JsonObject send(HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() / 100 == 2 ? JsonParser.parseString(response.body()).getAsJsonObject() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static URI api(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
