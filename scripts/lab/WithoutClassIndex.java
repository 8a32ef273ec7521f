package lab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;

/**
 * The player's JShell file manager: the JDK's own, except that it lists no paths to JShell's
 * class index. JShell builds that index on a thread of its own, walking every class of the JDK
 * and the classpath, for one thing only: suggesting imports and packages while one types. The
 * player types nothing, and the walk cost each player about a CPU-second beside its cells.
 * javac never sees this manager: JShell hands javac its own (jdk.jshell.MemoryFileManager), which
 * wraps this one and reaches it through the other methods, unchanged. The kernel keeps its index.
 */
final class WithoutClassIndex extends ForwardingJavaFileManager<StandardJavaFileManager> implements StandardJavaFileManager {
    WithoutClassIndex(StandardJavaFileManager jdks) {
        super(jdks);
    }

    /** The three locations JShell's indexer walks (jdk.jshell.SourceCodeAnalysisImpl.appendPaths): none. */
    @Override
    public Iterable<? extends Path> getLocationAsPaths(Location location) {
        if (location == StandardLocation.PLATFORM_CLASS_PATH || location == StandardLocation.CLASS_PATH
                || location == StandardLocation.SOURCE_PATH) return List.of();
        return fileManager.getLocationAsPaths(location);
    }

    // The rest as the JDK's file manager does it.

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjectsFromFiles(Iterable<? extends File> files) {
        return fileManager.getJavaFileObjectsFromFiles(files);
    }

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjectsFromPaths(Collection<? extends Path> paths) {
        return fileManager.getJavaFileObjectsFromPaths(paths);
    }

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjects(File... files) {
        return fileManager.getJavaFileObjects(files);
    }

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjects(Path... paths) {
        return fileManager.getJavaFileObjects(paths);
    }

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjectsFromStrings(Iterable<String> names) {
        return fileManager.getJavaFileObjectsFromStrings(names);
    }

    @Override
    public Iterable<? extends JavaFileObject> getJavaFileObjects(String... names) {
        return fileManager.getJavaFileObjects(names);
    }

    @Override
    public void setLocation(Location location, Iterable<? extends File> files) throws IOException {
        fileManager.setLocation(location, files);
    }

    @Override
    public void setLocationFromPaths(Location location, Collection<? extends Path> paths) throws IOException {
        fileManager.setLocationFromPaths(location, paths);
    }

    @Override
    public void setLocationForModule(Location location, String moduleName, Collection<? extends Path> paths) throws IOException {
        fileManager.setLocationForModule(location, moduleName, paths);
    }

    @Override
    public Iterable<? extends File> getLocation(Location location) {
        return fileManager.getLocation(location);
    }

    @Override
    public Path asPath(FileObject file) {
        return fileManager.asPath(file);
    }

    @Override
    public void setPathFactory(PathFactory factory) {
        fileManager.setPathFactory(factory);
    }
}
