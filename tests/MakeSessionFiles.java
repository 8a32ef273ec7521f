package tests;

import lab.Lab;
import lab.SessionFiles;

/**
 * Makes a session's file and folder as a notebook does (Lab.file, Lab.compiled), and a print folder as the
 * handout does (named lab-print-*, not localhost-lab-*), prints their paths, and waits for stdin's end.
 */
public class MakeSessionFiles {
    public static void main(String... args) throws Exception {
        System.out.println(Lab.file("127.0.0.1 localhost"));
        System.out.println(Lab.compiled("class Hello { public static void main(String... a) { } }"));
        System.out.println(SessionFiles.newFolder(SessionFiles.Kind.PRINT));
        System.out.flush();
        while (System.in.read() >= 0) { /* until the test closes our stdin */ }
    }
}
