// Your turn: the PID listening on this port, found in /proc alone; -1 if none.
long pidFromProc(int port) throws IOException {
    Set<String> sockets = new HashSet<>();               // "socket:[INODE]", as fd links say
    for (String[] l : procListening()) {
        if (l[1].endsWith(String.format(":%04X", port))) sockets.add("socket:[" + l[2] + "]");
    }
    List<Path> processes;
    try (var all = Files.list(Path.of("/proc"))) {
        processes = all.filter(p -> p.getFileName().toString().matches("\\d+")).toList();
    }
    for (Path process : processes) {
        List<Path> fds = List.of();
        try (var open = Files.list(process.resolve("fd"))) { fds = open.toList(); }
        catch (IOException notOurs) { }                  // another user's process, or gone
        for (Path fd : fds) {
            String target = "";
            try { target = Files.readSymbolicLink(fd).toString(); } catch (IOException gone) { }
            if (sockets.contains(target)) return Long.parseLong(process.getFileName().toString());
        }
    }
    return -1;
}
