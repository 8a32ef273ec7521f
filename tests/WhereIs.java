package tests;

import lab.Tools;

/** Where the kit finds a program ({@code Tools.find}), or "none": run with another os.name, it answers as that system would. */
final class WhereIs {
    public static void main(String... args) {
        System.out.println(Tools.find(args[0]).map(Object::toString).orElse("none"));
    }
}
