// Your turn: the PID of the listener whose process started first (the stale one), or -1.
long stalePid(List<Listeners.Listener> listeners) {
    return listeners.stream()
        .min(Comparator.comparing((Listeners.Listener l) -> ProcessHandle.of(l.pid())
            .flatMap(h -> h.info().startInstant()).orElse(java.time.Instant.MAX)))
        .map(Listeners.Listener::pid).orElse(-1L);
}
