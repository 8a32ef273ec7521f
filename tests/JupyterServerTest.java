package tests;

import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;
import lab.Listeners;
import lab.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.LeftBehind.listenersOnceGone;
import static tests.LeftBehind.stillRunning;
import static tests.Run.exec;
import static tests.Scripts.STATE;
import static tests.TempFiles.temporaryFolder;

/**
 * `make notebook`, as a workshop runs it: the real Jupyter server, on loopback
 * only, offers the lab's kernel and runs a cell on it; the kernel follows
 * Jupyter even when Jupyter is SIGKILLed, and Jupyter follows a SIGKILLed make.
 */
// One class at a time in the article's shared sandbox: its state is this run's, and asserted.
@ResourceLock("lab.article-sandbox")
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
            List<ProcessHandle> started = jupyter.started();
            assertTrue(started.stream().anyMatch(h -> LeftBehind.commandLine(h).contains("ijava")), "a kernel runs: " + started);

            // The hard case: Jupyter SIGKILLed cannot shut its kernel down; the kernel must follow on its own.
            jupyter.make.children().forEach(ProcessHandle::destroyForcibly);
            assertEquals(List.of(), stillRunning(started), "Jupyter's kernel, and what it started, follow Jupyter");
        }
    }

    @Test
    void aSigkilledMakeTakesJupyterItsKernelAndTheKernelsServerAlong() throws Exception {
        // The Makefile's own probe (FOLLOW_MAKE): util-linux before 2.33 has setpriv without --pdeathsig.
        assumeTrue(Tools.find("setpriv").isPresent() && exec(List.of("setpriv", "--pdeathsig", "TERM", "--", "true")).exit() == 0,
                "skipped: no setpriv --pdeathsig here, so Jupyter cannot follow make (as on a Mac)");
        int port = freePort(), labPort = freePort();
        try (Jupyter jupyter = new Jupyter(port, Map.of("LAB_PORT", "" + labPort), "MY_NOTEBOOKS=" + temporaryFolder("my-notebooks"))) {
            String id = jupyter.post("/api/kernels", "{\"name\": \"localhost-lab\"}").get("id").getAsString();
            String said = jupyter.runCell(id, "System.out.println(Lab.pong().address());");
            assertTrue(said.strip().endsWith(":" + labPort), "a server runs on the kernel:\n" + said + jupyter.log());
            List<ProcessHandle> started = jupyter.started();

            jupyter.make.destroyForcibly(); // make itself SIGKILLed, as `kill -9` or a crashed terminal would
            assertEquals(List.of(), stillRunning(started), "Jupyter, its kernel and the kernel's server went with make");
            assertEquals(List.of(), listenersOnceGone(labPort), "nothing listens on the lab's port");
        }
    }

    @Test
    void makeNotebookSandboxArticleRunsTheNotebooksKernelInTheArticlesSandbox() throws Exception {
        assumeNamespaces();
        int port = freePort(), labPort = freePort();
        Map<String, String> env = Map.of("LAB_PORT", "" + labPort,
                "LAB_SANDBOX_STATE", STATE.toString()); // this run's sandboxes, not a learner's
        try (Jupyter jupyter = new Jupyter(port, env, "SANDBOX=article", "MY_NOTEBOOKS=" + temporaryFolder("my-notebooks"))) {
            // The name the notebooks ask for is the article-mode kernel in this session.
            JsonObject spec = jupyter.get("/api/kernelspecs").getAsJsonObject("kernelspecs").getAsJsonObject("localhost-lab");
            assertEquals("Java (localhost-lab, article mode)", spec.getAsJsonObject("spec").get("display_name").getAsString());

            String id = jupyter.post("/api/kernels", "{\"name\": \"localhost-lab\"}").get("id").getAsString();
            String said = jupyter.runCell(id, "Lab.port(); System.out.println(Lab.pong().address());");
            assertTrue(said.contains("(article mode: the article's Mac)") && said.strip().endsWith("[::1]:" + labPort),
                    "the cell runs in the sandbox:\n" + said + jupyter.log());
            assertEquals(List.of(), Listeners.onPort(labPort), "the server is on the sandbox's lo, not the host's");
            List<ProcessHandle> started = jupyter.started();
            assertTrue(started.stream().anyMatch(h -> LeftBehind.commandLine(h).contains("lab.ArticleKernel")), "the launcher runs");

            jupyter.make.children().forEach(ProcessHandle::destroyForcibly); // Jupyter SIGKILLed
            assertEquals(List.of(), stillRunning(started), "the launcher, the kernel inside and its server follow Jupyter");
        }
    }
}
