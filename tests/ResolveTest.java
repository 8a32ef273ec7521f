package tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.Scripts.tool;
import static tests.TempFiles.hostsFile;

/** What localhost resolves to, in the OS order and in Java's default order, and the address each client tries first. */
@Tag("fast")
class ResolveTest extends Kit {

    @Test
    void showsTheFileOrderJavasDefaultOrderAndWhereEachClientGoesFirst() {
        Path hosts = hostsFile("::1 localhost", "127.0.0.2 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");
        Result r = exec(tool("resolve", "--hosts-file", hosts.toString()));
        assertEquals(0, r.exit(), r.err());

        List<List<String>> lists = numberedLists(r.lines());
        assertEquals(PongTest.javaResolves(hosts, "system", "localhost"), lists.get(0), r.out());
        List<String> javaDefault = PongTest.javaResolves(hosts, null, "localhost");
        assertEquals(javaDefault, lists.get(1), "Java's default order, as a default JVM resolves it:\n" + r.out());
        assertTrue(r.out().contains("new Socket(\"localhost\", 3000)    " + javaDefault.get(0) + " "), r.out());
        assertTrue(r.out().contains("curl http://localhost:3000/      127.0.0.1   then ::1"), r.out());
    }

    /** The "  1. addr" blocks of the output, in order. */
    static List<List<String>> numberedLists(List<String> lines) {
        List<List<String>> lists = new ArrayList<>();
        List<String> current = null;
        for (String line : lines) {
            if (line.matches("\\s+\\d+\\. .*")) {
                if (current == null) lists.add(current = new ArrayList<>());
                current.add(line.trim().split("\\s+", 2)[1]);
            } else {
                current = null;
            }
        }
        return lists;
    }
}
