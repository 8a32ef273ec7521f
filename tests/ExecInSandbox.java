package tests;

import lab.Lab;
import lab.Sandbox;

/** Runs its arguments with Lab.exec in a new sandbox, as a notebook cell does, after saying "ready". */
public class ExecInSandbox {
    public static void main(String... command) {
        try (Sandbox box = Sandbox.start(Sandbox.Spec.hosts(null))) {
            System.out.println("ready");
            Lab.exec(box, command);
        }
    }
}
