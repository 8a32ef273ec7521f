package tests;

import java.net.InetAddress;

import lab.Resolving;

/** Prints what this JVM resolves a name to, one address a line: a reference that the tests compare with. */
public class PrintAddresses {
    public static void main(String... args) throws Exception {
        for (InetAddress a : InetAddress.getAllByName(args[0])) System.out.println(Resolving.format(a));
    }
}
