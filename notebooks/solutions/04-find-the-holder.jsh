// Your turn: the PID of the process listening on address:port, or -1 if none.
long holderOf(InetAddress address, int port) {
    for (Listeners.Listener listener : Listeners.onPort(port)) {
        if (listener.address().equals(address)) return listener.pid();
    }
    return -1;
}
