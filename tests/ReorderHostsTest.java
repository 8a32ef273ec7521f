package tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import lab.Sandbox;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.hostsFile;
import static tests.TempFiles.temporaryFolder;

/**
 * reorder-hosts, the opt-in edit of /etc/hosts (the macOS lesson), proven on
 * Linux against a copy mounted over /etc/hosts in a sandbox: the edit happens,
 * and the file is put back on Enter and on SIGINT mid-run; a leftover backup
 * blocks the next edit; the machine's real /etc/hosts is refused.
 */
class ReorderHostsTest extends Kit {
    private static final String MAC = "::1 localhost\nfe80::1%lo localhost\n127.0.0.1 localhost\n";

    private Path copy;
    private Path backup;
    private final List<String> said = new java.util.ArrayList<>();

    @BeforeEach
    void copyOfTheMacsHostsFile() throws Exception {
        assumeNamespaces();
        copy = hostsFile(MAC.strip().split("\n"));
        backup = temporaryFolder("lab-backup").resolve("hosts.backup");
    }

    /** Runs reorder-hosts --edit on the sandbox's /etc/hosts (the copy) and returns it once the edit is done. */
    private Process editing(Sandbox box) throws Exception {
        // SIGINT as a terminal delivers it: a run started in the background (no job control) inherits it ignored,
        // and the JVM then never hears it. env execs, so the pid stays the tool's.
        List<String> command = new java.util.ArrayList<>(List.of("env", "--default-signal=INT"));
        command.addAll(box.inside(tool("reorder-hosts", "--edit", "--backup", backup.toString())));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            said.add(line);
            if (line.startsWith("Press Enter")) return p;
        }
        throw new AssertionError("no edit: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private void editedMeanwhile() throws Exception {
        assertEquals("127.0.0.1 localhost\n::1 localhost\nfe80::1%lo localhost\n", Files.readString(copy), "the copy, edited through the sandbox's /etc/hosts");
        assertEquals(MAC, Files.readString(backup));
    }

    private void putBack() throws Exception {
        assertEquals(MAC, Files.readString(copy), "put back");
        assertFalse(Files.exists(backup), "backup removed");
    }

    @Test
    void putsTheFileBackOnEnter() throws Exception {
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(copy))) {
            Process p = editing(box);
            try {
                editedMeanwhile();
                // The lesson the article did not show: with 127.0.0.1 on the first line, glibc still sorts ::1 first
                // (and drops the scoped fe80::1%lo line).
                assertTrue(said.contains("The system's resolver now gives localhost: ::1, 127.0.0.1"), String.join("\n", said));
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
                assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
                putBack();
            } finally {
                p.destroyForcibly(); // a failed check leaves no editor behind
            }
        }
    }

    @Test
    void putsTheFileBackOnSigintMidRun() throws Exception {
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(copy))) {
            Process p = editing(box);
            try {
                editedMeanwhile();
                assertEquals(0, exec(List.of("kill", "-INT", Long.toString(p.pid()))).exit()); // nsenter exec'd java: this pid is the tool
                assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertEquals(130, p.exitValue(), "the exit code of SIGINT");
                String said = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(said.contains("/etc/hosts put back from " + backup), said);
                putBack();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aLeftoverBackupBlocksTheNextEditAndRestoreFixesIt() throws Exception {
        Files.writeString(backup, MAC);                                  // a run that was SIGKILLed mid-edit
        Files.writeString(copy, "127.0.0.1 localhost\n::1 localhost\n"); // left the file edited
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(copy))) {
            Result refused = exec(box.inside(tool("reorder-hosts", "--edit", "--backup", backup.toString())));
            Run.oneLine(refused, 1, "a backup from an earlier run is still at " + backup);
            assertEquals("127.0.0.1 localhost\n::1 localhost\n", Files.readString(copy), "untouched");

            Result restored = exec(box.inside(tool("reorder-hosts", "--restore", "--backup", backup.toString())));
            assertEquals(0, restored.exit(), restored.err());
            putBack();
        }
    }

    @Test
    void refusesTheMachinesRealHostsFileOnLinux() {
        // Without rights (a user namespace), so that even a broken check could not write the real file.
        List<String> command = new java.util.ArrayList<>(List.of("unshare", "-U", "--"));
        command.addAll(tool("reorder-hosts", "--edit", "--backup", backup.toString()));
        Run.oneLine(exec(command), 2, "on Linux the lab never edits this machine's real /etc/hosts");
        assertFalse(Files.exists(backup));
    }

    /** Without --edit, on the machine's own file, it says at once that --edit will be refused here, and what to do instead. */
    @Test
    void aDryRunOnLinuxsRealFileSaysEditIsRefusedThere() {
        assumeTrue(lab.OperatingSystem.here() == lab.OperatingSystem.LINUX, "skipped: not Linux");
        List<String> command = new java.util.ArrayList<>(List.of("unshare", "-U", "--"));
        command.addAll(tool("reorder-hosts", "--backup", backup.toString()));
        Result r = exec(command);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("Nothing changed, and on Linux the lab never edits this machine's real /etc/hosts: to try --edit, "
                + "run this in a sandbox"), r.out());
        assertFalse(r.out().contains("Add --edit"), r.out());
    }

    @Test
    void refusesTheRealFileMountedIntoASandbox() {
        // The machine's own file, bind-mounted: the same file under another mount. Run without rights, as above.
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(Path.of("/etc/hosts")))) {
            List<String> command = new java.util.ArrayList<>(List.of("unshare", "-U", "--"));
            command.addAll(tool("reorder-hosts", "--edit", "--backup", backup.toString()));
            Run.oneLine(exec(box.inside(command)), 2, "on Linux the lab never edits this machine's real /etc/hosts");
        }
    }

    @Test
    void aBackupOfAnotherFileIsNotRestoredOverThisOne() throws Exception {
        Files.writeString(backup, "127.0.0.1 localhost\n");
        Files.writeString(backup.resolveSibling("hosts.backup.of"), "/somewhere/else/hosts\n");
        Result r = exec(tool("reorder-hosts", "--restore", "--file", copy.toString(), "--backup", backup.toString()));
        Run.oneLine(r, 1, "the backup at " + backup + " is of /somewhere/else/hosts, not of " + copy + ": add --file /somewhere/else/hosts");
        assertEquals(MAC, Files.readString(copy), "untouched");
    }

    /** Restoring deletes the backup: a backup that is the file itself (or a link to it) would have taken the file. */
    @Test
    void aBackupThatIsTheFileItselfIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(backup.resolveSibling("link-to-hosts"), copy);
        for (Path same : List.of(copy, link)) {
            for (String mode : List.of("--restore", "--edit")) {
                Result r = exec(tool("reorder-hosts", mode, "--file", copy.toString(), "--backup", same.toString()));
                Run.oneLine(r, 2, "the backup " + same + " would be " + copy + " itself: name another file (--backup)");
            }
        }
        assertEquals(MAC, Files.readString(copy), "untouched");
    }

    /**
     * macOS's default file (tests/recorded/hosts-macos) already has 127.0.0.1 on its first localhost line, which
     * the default --first asks for: nothing to edit, no root needed, and it names another address to try.
     */
    @Test
    void aFileWhoseFirstLineIsAlreadyTheAddressIsLeftAloneEvenWithEdit() throws Exception {
        String stockMac = Files.readString(ROOT.resolve("tests/recorded/hosts-macos"));
        Files.writeString(copy, stockMac);
        Result r = exec(tool("reorder-hosts", "--edit", "--file", copy.toString(), "--backup", backup.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("Nothing to change: " + copy + "'s first localhost line is already 127.0.0.1's. To put another first: --first ::1"), r.out());
        assertEquals(stockMac, Files.readString(copy), "untouched");
        assertFalse(Files.exists(backup), "no backup made");
    }

    /** No HOME and no passwd entry (a container's user): Java's home is "?", no folder to keep a backup in. */
    @Test
    void withoutAHomeTheBackupMustBeNamed() {
        List<String> command = new java.util.ArrayList<>(List.of("env", "-u", "HOME"));
        command.addAll(tool("reorder-hosts", "--file", copy.toString(), "--restore"));
        Run.oneLine(exec(AnotherUser.asAUserWithoutAName(command)), 2, "no home folder to keep the backup in: name it with --backup FILE");
    }

    @Test
    void aBadAddressIsAUsageError() {
        Run.oneLine(exec(tool("reorder-hosts", "--file", copy.toString(), "--first", "bogus")), 2,
                "--first wants an address such as 127.0.0.1 or ::1, not 'bogus'");
        Run.oneLine(exec(tool("reorder-hosts", "--file", copy.toString(), "--first", "127.0.0.9")), 2,
                "no localhost line for 127.0.0.9 in " + copy);
    }
}
