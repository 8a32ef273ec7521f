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
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learner's own copies: `make notebook` serves copies in MY_NOTEBOOKS (never
 * notebooks/, so `git pull` keeps working), Jupyter's saves land there, a second
 * `make notebook` keeps them, and `make reset` brings one back with a backup.
 */
class MyNotebooksTest extends Kit {
    static final String FIRST = "01-single-server.ipynb";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void jupyterSavesIntoTheLearnersCopiesWhichMakeNotebookNeverOverwrites() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        byte[] original = Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST));
        String edited;
        try (Jupyter jupyter = new Jupyter(mine)) {
            for (Path notebook : originals()) assertTrue(Files.exists(mine.resolve(notebook.getFileName())), "copied: " + notebook);
            assertTrue(Files.exists(mine.resolve("README.md")));

            // The cells run in the learner's folder, with the lab's start-up from the kit.
            String id = jupyter.post("/api/sessions", "{\"path\": \"" + FIRST + "\", \"type\": \"notebook\", \"kernel\": {\"name\": \"localhost-lab\"}}")
                    .getAsJsonObject("kernel").get("id").getAsString();
            String said = jupyter.runCell(id, "System.out.println(System.getProperty(\"user.dir\")); System.out.println(Lab.class.getName());");
            assertEquals(List.of(mine.toString(), "lab.Lab"), said.lines().toList(), said);

            // What autosave does: PUT the notebook model back with a change.
            JsonObject model = jupyter.get("/api/contents/" + FIRST);
            JsonObject content = model.getAsJsonObject("content");
            JsonObject cell = new JsonObject();
            cell.addProperty("cell_type", "markdown");
            cell.add("metadata", new JsonObject());
            cell.addProperty("source", "My own note " + UUID.randomUUID());
            content.getAsJsonArray("cells").add(cell);
            edited = cell.get("source").getAsString();
            JsonObject save = new JsonObject();
            save.addProperty("type", "notebook");
            save.addProperty("format", "json");
            save.add("content", content);
            jupyter.put("/api/contents/" + FIRST, save.toString());
        }
        assertTrue(Files.readString(mine.resolve(FIRST)).contains(edited), "the save reached the learner's copy");
        assertArrayEquals(original, Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST)), "the kit's notebook is untouched");
        if (Files.exists(ROOT.resolve(".git"))) {
            Result status = exec(List.of("git", "status", "--porcelain", "notebooks/"));
            assertEquals("", status.out(), "git sees no change in notebooks/");
        }

        try (Jupyter again = new Jupyter(mine)) {
            assertTrue(Files.readString(mine.resolve(FIRST)).contains(edited), "a second make notebook keeps the learner's copy");
            assertTrue(again.log().lines().noneMatch(l -> l.contains("copied notebooks/" + FIRST)), again.log());
        }
    }

    @Test
    void resetBringsTheOriginalBackAndKeepsTheLearnersVersion() throws Exception {
        Path mine = temporaryFolder("my-notebooks");
        Path copy = mine.resolve(FIRST);
        for (String which : List.of("01", "1", FIRST, "notebooks/" + FIRST)) {
            String learners = "{\"cells\": [], \"note\": \"" + which + "\"}";
            Files.writeString(copy, learners);
            Result r = exec(List.of("make", "-s", "reset", "NOTEBOOK=" + which, "MY_NOTEBOOKS=" + mine));
            assertEquals(0, r.exit(), r.out() + r.err());
            assertArrayEquals(Files.readAllBytes(ROOT.resolve("notebooks").resolve(FIRST)), Files.readAllBytes(copy), which);
            List<Path> backups = backups(mine).stream().filter(b -> read(b).equals(learners)).toList();
            assertEquals(1, backups.size(), "one backup of the learner's version: " + backups(mine));
            assertTrue(backups.get(0).getFileName().toString().matches("01-single-server\\..+\\.ipynb"), backups.toString());
            assertTrue(r.out().contains(backups.get(0).toString()), "says where the backup is: " + r.out());
        }
        assertEquals(4, backups(mine).size(), "no backup overwrote another");
    }

    @Test
    void resetWithoutANotebookSaysHowToUseIt() {
        Path mine = temporaryFolder("my-notebooks");
        for (List<String> args : List.<List<String>>of(List.of(), List.of("NOTEBOOK=99"), List.of("NOTEBOOK=no-such"))) {
            List<String> command = new java.util.ArrayList<>(List.of("make", "-s", "reset", "MY_NOTEBOOKS=" + mine));
            command.addAll(args);
            Result r = exec(command);
            assertEquals(2, r.exit(), args + ": " + r.err());
            List<String> ours = r.err().lines().filter(l -> l.startsWith("reset: ")).toList();
            assertEquals(1, ours.size(), args + ": one line: " + r.err());
            assertTrue(ours.get(0).contains("make reset NOTEBOOK=01") || ours.get(0).contains("no notebook"), ours.get(0));
        }
        assertEquals(List.of(), list(mine), "nothing written");
    }

    static List<Path> originals() throws Exception {
        try (Stream<Path> files = Files.list(ROOT.resolve("notebooks"))) {
            return files.filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.ipynb")).sorted().toList();
        }
    }

    static List<Path> backups(Path mine) {
        return list(mine.resolve(".backup"));
    }

    static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The real `make notebook MY_NOTEBOOKS=...` on a free port, stopped (with its kernels) on close. */
    private final class Jupyter implements AutoCloseable {
        final int port = freePort();
        final String token = UUID.randomUUID().toString();
        final Path log;
        final Process make;

        Jupyter(Path mine) throws Exception {
            log = Files.createTempFile("make-notebook", ".log");
            ProcessBuilder command = new ProcessBuilder("make", "notebook", "MY_NOTEBOOKS=" + mine,
                    "NOTEBOOK_ARGS=--no-browser --port=" + port + " --port-retries=0")
                    .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            command.environment().put("JUPYTER_TOKEN", token);
            make = command.start();
            JsonObject up = null;
            for (long end = System.nanoTime() + Duration.ofMinutes(2).toNanos(); up == null && make.isAlive() && System.nanoTime() < end; ) {
                Thread.sleep(300);
                up = send(HttpRequest.newBuilder(api("/api/contents")).header("Authorization", "token " + token).GET().build());
            }
            assertTrue(up != null, "no Jupyter on 127.0.0.1:" + port + ":\n" + log());
            JsonArray served = up.getAsJsonArray("content");
            assertFalse(served.isEmpty(), "Jupyter serves the learner's folder: " + up);
        }

        String log() throws java.io.IOException {
            return Files.readString(log);
        }

        JsonObject get(String path) throws InterruptedException {
            JsonObject answer = send(HttpRequest.newBuilder(api(path)).header("Authorization", "token " + token).GET().build());
            assertTrue(answer != null, "GET " + path);
            return answer;
        }

        JsonObject post(String path, String body) throws InterruptedException {
            JsonObject answer = send(HttpRequest.newBuilder(api(path)).header("Authorization", "token " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertTrue(answer != null, "POST " + path);
            return answer;
        }

        JsonObject put(String path, String body) throws InterruptedException {
            JsonObject answer = send(HttpRequest.newBuilder(api(path)).header("Authorization", "token " + token)
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
            assertTrue(answer != null, "PUT " + path);
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

        private URI api(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        /** One cell over the kernel's websocket, as the notebook page runs it; what it printed. */
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

        /** Stops Jupyter and all it started (its kernels follow it), and checks that nothing is left. */
        @Override
        public void close() throws Exception {
            List<ProcessHandle> started = make.descendants().toList();
            make.descendants().forEach(ProcessHandle::destroy); // Jupyter shuts its kernels down on SIGTERM
            make.destroy();
            make.waitFor(30, TimeUnit.SECONDS);
            List<String> left = stillRunning(started);
            started.forEach(ProcessHandle::destroyForcibly);
            Files.delete(log);
            assertEquals(List.of(), left, "Jupyter and its kernels are gone");
        }
    }
}
