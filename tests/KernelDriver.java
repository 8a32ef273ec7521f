package tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * tests/interrupt_cell.py on a real kernel, as Jupyter drives it: a cell that
 * starts a server, then one that waits on `sleep 300`. What the driver says,
 * line by line, and a way to tell it to go on (interrupt, then shut down).
 */
final class KernelDriver implements AutoCloseable {
    final Process process;
    /** The process Jupyter started for the kernel: IJava itself, or article mode's launcher. */
    final ProcessHandle kernel;
    private final BlockingQueue<String> said = new LinkedBlockingQueue<>();
    private final Path log;

    /** With {@code env} added; {@code kernelspec} null for the lab's plain kernel. */
    KernelDriver(Map<String, String> env, String kernelspec) throws Exception {
        log = Files.createTempFile("interrupt-cell", ".log");
        List<String> command = new ArrayList<>(List.of("env"));
        // The kernel's connection file in a folder of the run's own: the tests SIGKILL the driver, which then cannot remove it.
        if (!env.containsKey("JUPYTER_RUNTIME_DIR")) command.add("JUPYTER_RUNTIME_DIR=" + TempFiles.temporaryFolder("lab-runtime"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(List.of(NotebookTest.PYTHON, "tests/interrupt_cell.py"));
        if (kernelspec != null) command.add(kernelspec);
        process = new ProcessBuilder(command).directory(Kit.ROOT.toFile()).redirectError(log.toFile()).start();
        Thread reader = new Thread(() -> {
            try {
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).lines().forEach(said::add);
            } catch (java.io.UncheckedIOException closed) {
                // close() destroyed the driver, which closes this stream under the reader
            }
            said.add("(the driver has exited)");
        });
        reader.setDaemon(true);
        reader.start();
        String first = next();
        if (!first.startsWith("kernel ")) {
            process.destroy(); // the driver shuts down a kernel it started, if any
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
            String said = log();
            Files.deleteIfExists(log);
            fail("the driver did not start the kernel: " + first + "\n" + said);
        }
        kernel = ProcessHandle.of(Long.parseLong(first.substring("kernel ".length()))).orElseThrow();
    }

    String next() throws Exception {
        String line = said.poll(2, TimeUnit.MINUTES);
        return line != null ? line : "(nothing for 2 minutes) " + log();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    void goOn() throws Exception {
        process.getOutputStream().write('\n');
        process.getOutputStream().flush();
    }

    /** Once the driver has submitted the waiting cell: the one `sleep 300` it waits on. */
    ProcessHandle waitedOn() throws Exception {
        assertEquals("submitted", next(), log());
        List<ProcessHandle> found = Settled.settled(() -> kernel.descendants().filter(Settled::isSleep).toList(), f -> !f.isEmpty());
        assertEquals(1, found.size(), "the cell waits on sleep 300");
        return found.get(0);
    }

    @Override
    public void close() throws Exception {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        kernel.destroy(); // we started it, through the driver: a failed test must not leave it running
        LeftBehind.stillRunning(List.of(kernel));
        Files.delete(log);
    }
}
