// Your turn: true when address:port can be bound right now (close the socket again), else false.
boolean canBind(InetAddress address, int port) throws IOException {
    try (ServerSocket probe = new ServerSocket()) { // closed again by the try, either way
        probe.bind(new InetSocketAddress(address, port));
        return true;
    } catch (BindException taken) {
        return false;                                 // another socket holds address:port
    }
}
