package tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import lab.Servers;
import lab.SessionFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A SIGKILLed kernel or player runs no hook: the files it made (Lab.file, Lab.compiled) go with the next session. */
@Tag("fast")
class SessionFilesTest extends Kit {

    @Test
    void whatASigkilledSessionLeftTheNextOneDeletesAndNothingElse() throws Exception {
        List<Path> all = new ArrayList<>(); // deleted at the end, whatever happened
        Process killed = session(), next = null;
        try {
            List<Path> left = files(killed, all);
            killed.destroyForcibly().waitFor();
            assertTrue(left.stream().allMatch(Files::exists), "no hook ran: " + left);
            // Not of the form a session names its files: never touched, though its PID is gone too.
            Path notOurs = left.get(0).resolveSibling("localhost-lab-file-" + killed.pid() + "-notes.txt");
            all.add(notOurs);
            Files.writeString(notOurs, "a learner's own notes\n");
            next = session();
            List<Path> made = files(next, all);
            assertEquals(List.of(), left.stream().filter(Files::exists).toList(), "the next session deleted them");
            assertTrue(Files.exists(notOurs), "a file not named by a session stays");
            next.getOutputStream().close(); // a normal end: its own files go with it
            assertEquals(0, next.waitFor());
            assertEquals(List.of(), made.stream().filter(Files::exists).toList(), "a session's files go when it ends");
        } finally {
            killed.destroyForcibly().waitFor();
            if (next != null) next.destroyForcibly().waitFor();
            for (Path p : all) SessionFiles.removeTree(p);
        }
    }

    private static Process session() throws Exception {
        return new ProcessBuilder(Servers.javaCommand(System.getProperty("java.class.path"), List.of(), "tests.MakeSessionFiles", List.of()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The file and the folder the session says it made, added to {@code all}. */
    private static List<Path> files(Process session, List<Path> all) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8));
        String file = out.readLine(), folder = out.readLine();
        assertTrue(file != null && folder != null, "the session printed its file and folder");
        List<Path> made = List.of(Path.of(file), Path.of(folder));
        all.addAll(made);
        return made;
    }
}
