package tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;

/**
 * The kernel's class-data archive (dev/kernel_archive.py, which make kernel runs): made once by a
 * real training kernel, made again when it changed, and a kernel given a changed one still runs.
 * The archive and the spec are this test's own, in a temp folder; the kit's kernel is not touched.
 */
class KernelArchiveTest extends Kit {
    private static final String NAME = "lab-archive-test";

    @Test
    void madeOnceMadeAgainWhenChangedAndNeverFatal() throws Exception {
        Path root = TempFiles.temporaryFolder("lab-kernel-archive");
        Path spec = specIn(root);
        JsonObject plain = kitsPlainSpec();
        Files.writeString(spec, new Gson().toJson(plain));

        Result made = archive(root, spec);
        assertTrue(made.out().contains("making its class-data archive"), made.out());
        Path archive = archiveIn(spec);
        assertTrue(archive.startsWith(root.resolve(".lab/cds")) && Files.isRegularFile(archive), archive.toString());
        assertTrue(classesFromArchive(spec) > 0, "IJava's JVM maps classes from it");

        Result again = archive(root, spec);
        assertEquals("", again.out(), "made once: a second make kernel says nothing");
        assertEquals(1, argv(spec).stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:AOTCache=")).count(),
                "and adds its options once: " + argv(spec));

        ClassArchiveTest.corrupt(archive, false);
        assertEquals(0, classesFromArchive(spec), "the JVM refuses a changed archive by its checksum");
        Result notebook = exec(Map.of("JUPYTER_PATH", root.resolve("jupyter").toString(), "LAB_PORT", "" + freePort()),
                NotebookTest.kernel("--kernel", NAME, "notebooks/01-single-server.ipynb"));
        assertEquals(0, notebook.exit(), "a kernel with a changed archive runs its notebook:\n" + notebook.out() + notebook.err());

        Result remade = archive(root, spec);
        assertTrue(remade.out().contains("making its class-data archive"), "make kernel makes a changed one again: " + remade.out());
        assertTrue(classesFromArchive(spec) > 0, "and the new one is used");
    }

    /**
     * A training that fails (here a kernel whose main class is not there) is not tried again by every make
     * kernel after it: its reason is kept in .lab/cds, the specs count as up to date without an archive, and
     * deleting that file, as the line says, tries again.
     */
    @Test
    void aFailedTrainingIsNotRepeatedUntilItsMarkIsDeleted() throws Exception {
        Path root = TempFiles.temporaryFolder("lab-kernel-archive");
        Path spec = specIn(root);
        JsonObject plain = kitsPlainSpec();
        JsonArray argv = new JsonArray();
        for (JsonElement a : plain.getAsJsonArray("argv")) argv.add(a.getAsString().equals("lab.KernelMain") ? "lab.NoSuchKernel" : a.getAsString());
        plain.add("argv", argv);
        plain.getAsJsonObject("env").addProperty("LAB_HOME", root.toString());
        Files.writeString(spec, new Gson().toJson(plain));

        Result failed = exec(List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", root.toString(), spec.toString()));
        assertEquals(0, failed.exit(), failed.out() + failed.err());
        assertTrue(failed.out().contains("making its class-data archive") && failed.out().contains("no class-data archive (the training kernel failed"), failed.out());
        assertFalse(failed.err().contains("Traceback"), "one line, no traceback: " + failed.err());
        assertEquals(List.of(), argv(spec).stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:AOTCache=")).toList());
        Result upToDate = upToDate(spec);
        assertEquals(0, upToDate.exit(), "the specs without an archive are up to date");

        Result again = exec(List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", root.toString(), spec.toString()));
        assertFalse(again.out().contains("making its class-data archive"), "no second training: " + again.out());
        Path mark;
        try (var marks = Files.list(root.resolve(".lab/cds"))) {
            mark = marks.filter(f -> f.toString().endsWith(".failed")).findFirst().orElseThrow();
        }
        assertTrue(again.out().contains("its training failed before") && again.out().contains("delete " + mark + " to try again"), again.out());
        assertTrue(upToDate.out().contains("delete " + mark + " to try again"), "and make kernel's up-to-date check says it too: " + upToDate.out());

        List<String> written = argv(spec);
        JsonArray withAnOption = new JsonArray(); // before the main class: another JVM for the same JDK and jars
        for (int i = 0; i < written.size(); i++) {
            if (i == written.size() - 2) withAnOption.add("-Dlab.another.option=1");
            withAnOption.add(written.get(i));
        }
        plain.add("argv", withAnOption);
        Files.writeString(spec, new Gson().toJson(plain));
        assertEquals(1, upToDate(spec).exit(), "a spec with other options is not up to date");
        Result other = exec(List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", root.toString(), spec.toString()));
        assertTrue(other.out().contains("making its class-data archive"), "it is trained again: " + other.out());

        Files.delete(mark);
        assertEquals(1, upToDate(spec).exit(), "once the mark is deleted, make kernel tries again");
    }

    /**
     * make stopped mid-training (Ctrl-C, a SIGTERM, or the recipe's shell gone: it runs under setpriv --pdeathsig
     * TERM): the training kernel goes at once, without writing a half-trained archive, and so do its temp files.
     */
    @Test
    void aTrainingStoppedHalfwayLeavesNothing() throws Exception {
        Path root = TempFiles.temporaryFolder("lab-kernel-archive"), tmp = TempFiles.temporaryFolder("lab-kernel-tmp");
        Path spec = specIn(root);
        // Its start-up script waits: the training is surely halfway when it is stopped, whatever the machine's speed.
        Path waits = Files.writeString(root.resolve("waits.jsh"), Files.readString(ROOT.resolve("notebooks/lab.jsh")) + "\nThread.sleep(600_000);\n");
        JsonObject plain = kitsPlainSpec();
        plain.getAsJsonObject("env").addProperty("IJAVA_STARTUP_SCRIPTS_PATH", waits.toString());
        Files.writeString(spec, new Gson().toJson(plain));
        Run.Started training = Run.started(Map.of("TMPDIR", tmp.toString()), List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", root.toString(), spec.toString()));
        try {
            List<ProcessHandle> kernel = Settled.settled(() -> training.process().descendants()
                    .filter(p -> LeftBehind.commandLine(p).contains("lab.KernelMain")).toList(), k -> !k.isEmpty(), Run.HUNG);
            assertFalse(kernel.isEmpty(), "the training kernel started");
            assertTrue(ClassArchiveTest.names(tmp).stream().anyMatch(n -> n.startsWith("lab-kernel-training-")), ClassArchiveTest.names(tmp).toString());
            training.process().destroy(); // SIGTERM, what setpriv --pdeathsig sends
            Result stopped = training.finish();
            assertEquals(128 + 15, stopped.exit(), stopped.out() + stopped.err());
            assertEquals(List.of(), LeftBehind.stillRunning(kernel), "the training kernel is gone");
            assertEquals(List.of(), ClassArchiveTest.names(tmp), "no training folder left");
            assertEquals(List.of(), ClassArchiveTest.names(root.resolve(".lab/cds")), "no half-made archive, no .failed mark");
        } finally {
            training.stop();
        }
    }

    /** Where this test's own spec goes under {@code root}, its folder made. */
    private static Path specIn(Path root) throws IOException {
        Path spec = root.resolve("jupyter/kernels/" + NAME + "/kernel.json");
        Files.createDirectories(spec.getParent());
        return spec;
    }

    /** The kit's plain kernel spec, as make kernel wrote it. */
    private static JsonObject kitsPlainSpec() throws IOException {
        return JsonParser.parseString(Files.readString(ROOT.resolve(".lab/jupyter/kernels/localhost-lab/kernel.json"))).getAsJsonObject();
    }

    private static Result upToDate(Path spec) {
        return exec(List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", "--up-to-date", spec.toString()));
    }

    /**
     * make kernel, asked for by make notebook, html, check and test, writes the specs once: again, it says they
     * are up to date and writes nothing, until its inputs change (here its stamp of them) or a file the specs
     * name is gone (a cleared JBang cache; here a jar of the article spec's classpath). The specs go to a folder
     * of this test's own (JUPYTER_DIR); the archive is the kit's.
     */
    @Test
    void makeKernelWritesTheSpecsOnceUntilAFileTheyNameIsGone() throws Exception {
        Path jupyter = TempFiles.temporaryFolder("lab-kernel-specs").resolve("jupyter");
        Path plain = jupyter.resolve("kernels/localhost-lab/kernel.json"), article = jupyter.resolve("kernels/localhost-lab-article/kernel.json");
        assertTrue(makeKernel(jupyter).contains("installed in " + jupyter.resolve("kernels")));
        String written = Files.readString(article);
        var when = Files.getLastModifiedTime(plain);

        assertTrue(makeKernel(jupyter).contains("up to date in " + jupyter.resolve("kernels")));
        assertEquals(when, Files.getLastModifiedTime(plain), "an up-to-date spec is not written again");
        Path stamp = jupyter.resolve("kernel.stamp");
        Files.writeString(stamp, "made from other inputs\n");
        assertTrue(makeKernel(jupyter).contains("installed in " + jupyter.resolve("kernels")), "other inputs: written again");
        assertEquals(JsonParser.parseString(written), JsonParser.parseString(Files.readString(article)));

        JsonObject spec = JsonParser.parseString(written).getAsJsonObject();
        JsonArray argv = spec.getAsJsonArray("argv");
        for (int i = 0; i < argv.size(); i++) {
            if (argv.get(i).getAsString().equals("-cp")) argv.set(i + 1, new JsonPrimitive(jupyter.resolve("gone.jar").toString()));
        }
        Files.writeString(article, new Gson().toJson(spec));
        assertTrue(makeKernel(jupyter).contains("installed in " + jupyter.resolve("kernels")), "a spec naming a missing jar is written again");
        assertEquals(JsonParser.parseString(written), JsonParser.parseString(Files.readString(article)));
    }

    private static String makeKernel(Path jupyter) {
        Result r = exec(List.of("make", "-s", "kernel", "JUPYTER_DIR=" + jupyter));
        assertEquals(0, r.exit(), r.out() + r.err());
        return r.out();
    }

    private static Result archive(Path root, Path spec) {
        Result r = exec(List.of(NotebookTest.PYTHON, "dev/kernel_archive.py", root.toString(), spec.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("no class-data archive"), r.out());
        return r;
    }

    private static List<String> argv(Path spec) throws IOException {
        JsonArray argv = JsonParser.parseString(Files.readString(spec)).getAsJsonObject().getAsJsonArray("argv");
        List<String> all = new ArrayList<>();
        for (JsonElement a : argv) all.add(a.getAsString());
        return all;
    }

    private static Path archiveIn(Path spec) throws IOException {
        for (String a : argv(spec)) {
            if (a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:AOTCache=")) return Path.of(a.substring(a.indexOf('=') + 1));
        }
        throw new AssertionError("no archive in " + argv(spec));
    }

    /** How many of IJava's classes the spec's JVM maps from the archive, as IJava starts (and stops: no connection file). */
    private static long classesFromArchive(Path spec) throws IOException {
        List<String> argv = argv(spec);
        List<String> command = new ArrayList<>(argv.subList(0, argv.size() - 1)); // without {connection_file}
        command.add(1, "-Xlog:class+load=info:stdout:tags");
        Result r = exec(command);
        assertFalse(r.out().contains("A fatal error") || r.out().contains("hs_err"), r.out());
        return r.out().lines().filter(l -> l.contains("io.github.spencerpark.") && l.contains("source: shared objects file")).count();
    }
}
