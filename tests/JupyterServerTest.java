package tests;

import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import lab.Listeners;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `make notebook`, as a workshop runs it: the real Jupyter server, on loopback
 * only, offers the lab's kernel and runs a cell on it; the kernel follows
 * Jupyter even when Jupyter is SIGKILLed.
 */
class JupyterServerTest extends Kit {
    @Test
    void makeNotebookServesTheLabKernelOnLoopbackAndTheKernelFollowsJupyter() throws Exception {
        int port = freePort(), labPort = freePort();
        // LAB_PORT reaches the kernel as it reaches a learner's.
        try (Jupyter jupyter = new Jupyter(port, Map.of("LAB_PORT", "" + labPort), "MY_NOTEBOOKS=" + temporaryFolder("my-notebooks"))) {
            JsonObject spec = jupyter.get("/api/kernelspecs").getAsJsonObject("kernelspecs").getAsJsonObject("localhost-lab");
            assertTrue(spec != null, "the lab's kernel is offered");
            assertEquals("Java (localhost-lab)", spec.getAsJsonObject("spec").get("display_name").getAsString());
            List<Listeners.Listener> server = Listeners.onPort(port);
            assertTrue(!server.isEmpty() && server.stream().allMatch(l -> l.address().isLoopbackAddress()), "loopback only: " + server);

            String id = jupyter.post("/api/kernels", "{\"name\": \"localhost-lab\"}").get("id").getAsString();
            String said = jupyter.runCell(id, "Lab.port();");
            assertTrue(said.startsWith("This machine's localhost: ") && said.contains("\nPort " + labPort + " (from LAB_PORT).\n"),
                    "a cell runs on the lab's kernel:\n" + said + jupyter.log());
            List<ProcessHandle> started = jupyter.make.descendants().toList();
            assertTrue(started.stream().anyMatch(h -> h.info().commandLine().orElse("").contains("ijava")), "a kernel runs: " + started);

            // The hard case: Jupyter SIGKILLed cannot shut its kernel down; the kernel must follow on its own.
            jupyter.make.children().forEach(ProcessHandle::destroyForcibly);
            assertEquals(List.of(), stillRunning(started), "Jupyter's kernel, and what it started, follow Jupyter");
        }
    }
}
