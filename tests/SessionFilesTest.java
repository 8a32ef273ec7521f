package tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import lab.Lifelines;
import lab.Servers;
import lab.SessionFiles;
import lab.Tools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A SIGKILLed kernel, player or handout runs no hook: the files it made (Lab.file, Lab.compiled, a print folder) go with the next session. */
@Tag("fast")
class SessionFilesTest extends Kit {
    private final List<Path> all = new ArrayList<>(); // removed at the end, whatever happened
    private final List<Process> sessions = new ArrayList<>();
    /** The sessions' temp folder, ours alone: no other test's session sweeps it meanwhile. */
    private final Path temp = TempFiles.temporaryFolder("lab-session-temp");
    private final Map<Process, Path> stderr = new HashMap<>();

    @Test
    void whatASigkilledSessionLeftTheNextOneDeletesAndNothingElse() throws Exception {
        try {
            Process live = session(List.of());
            List<Path> itsFiles = files(live);
            // Its parent never waits for it (sh execs sleep): once SIGKILLed it stays a zombie, as a
            // kernel does until Jupyter waits for it. A zombie is gone all the same. (Through fd 3: sh
            // gives a job in the background /dev/null as its stdin, and the session would end at once.)
            Process waitsForNoOne = session(List.of("sh", "-c", "exec 3<&0; \"$@\" <&3 3<&- & exec sleep 600", "sh"));
            List<Path> left = files(waitsForNoOne);
            ProcessHandle killed = waitsForNoOne.children().findFirst().orElseThrow();
            killed.destroyForcibly(); // no hook runs
            assertTrue(Settled.settled(() -> Lifelines.hasEnded(killed), ended -> ended), "the session ended");
            assertTrue(ProcessHandle.of(killed.pid()).isPresent(), "and is a zombie, not reaped yet");
            assertTrue(left.stream().allMatch(Files::exists), "no hook ran: " + left);
            // Not of the form a session names its files: never touched, though its PID is gone too.
            Path lookAlike = made(left.get(0).resolveSibling("localhost-lab-file-" + killed.pid() + "-notes.txt"));
            // Named as the killed session would, but another user's (as root only): never touched either.
            Path anothers = null;
            if (AnotherUser.isRoot()) {
                anothers = made(left.get(0).resolveSibling(left.get(0).getFileName().toString().replaceAll("-\\d+\\.txt$", "-1.txt")));
                Files.setAttribute(anothers, "unix:uid", 65534);
            }
            if (AnotherUser.isRoot() && Tools.find("unshare").isPresent() && Run.exec(List.of("unshare", "-U", "true")).exit() == 0) {
                // Root in a user namespace that maps no ID sees every file as nobody's: it must sweep nothing.
                Process unmapped = session(List.of("unshare", "-U"));
                files(unmapped);
                assertTrue(left.stream().allMatch(Files::exists), "a session that cannot tell owners apart deleted " + left);
                ended(unmapped);
            }
            if (anothers != null && Tools.find("unshare").isPresent() && Run.exec(List.of("unshare", "-U", "--map-user=65534", "--map-group=65534", "true")).exit() == 0) {
                // Root mapped to nobody, as the real nobody's sandbox is: there, nobody's file reads as ours.
                Process mappedToNobody = session(List.of("unshare", "-U", "--map-user=65534", "--map-group=65534"));
                files(mappedToNobody);
                assertTrue(Files.exists(anothers), "a session whose user ID is the one unmapped owners read as deleted another user's file");
                ended(mappedToNobody);
            }
            Process next = session(List.of());
            List<Path> nextFiles = files(next);
            assertEquals(List.of(), left.stream().filter(Files::exists).toList(), "the next session deleted them");
            assertTrue(itsFiles.stream().allMatch(Files::exists), "a live session's files stay");
            assertTrue(Files.exists(lookAlike), "a file not named by a session stays");
            assertTrue(anothers == null || Files.exists(anothers), "another user's file stays");
            ended(next);
            ended(live);
            assertEquals(List.of(), nextFiles.stream().filter(Files::exists).toList(), "a session's files go when it ends");
            assertEquals(List.of(), itsFiles.stream().filter(Files::exists).toList(), "a session's files go when it ends");
        } finally {
            for (Process p : sessions) p.destroyForcibly().waitFor();
            all.forEach(SessionFiles::removeTree);
        }
    }

    /** A session that makes a file and a folder as a notebook does, then waits for its stdin's end. */
    private Process session(List<String> prefix) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(Servers.javaCommand(System.getProperty("java.class.path"), List.of("-Djava.io.tmpdir=" + temp),
                "tests.MakeSessionFiles", List.of()));
        Path err = TempFiles.temporaryFolder("lab-session").resolve("stderr");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        sessions.add(p);
        stderr.put(p, err);
        return p;
    }

    /** The file and the folders the session says it made. */
    private List<Path> files(Process session) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = CompletableFuture.supplyAsync(() -> out.lines().limit(3).toList()).get(Run.HUNG.toSeconds(), TimeUnit.SECONDS); // a JVM and javac: a hang guard
        assertEquals(3, lines.size(), () -> "the session printed its file and folders: " + read(stderr.get(session)));
        List<Path> made = lines.stream().map(Path::of).toList();
        all.addAll(made);
        return made;
    }

    /** Closes the session's stdin: it ends as a kernel or player does. */
    private static void ended(Process session) throws Exception {
        session.getOutputStream().close();
        assertTrue(session.waitFor(Run.HUNG.toSeconds(), TimeUnit.SECONDS), "the session ended");
        assertEquals(0, session.exitValue());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Path made(Path path) throws Exception {
        all.add(path);
        return Files.writeString(path, "a learner's own\n");
    }
}
