// Your turn: true when none of the addresses can be bound on this port.
boolean allTaken(List<InetAddress> addresses, int port) {
    for (InetAddress address : addresses) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, port));
            return false;                      // free: the next server would take it
        } catch (IOException taken) {
            // another socket holds it: try the next address
        }
    }
    return true;
}
