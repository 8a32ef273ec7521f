// Your turn: each server takes the first free address; return how many bind before one fails.
int howManyBind(List<InetAddress> addresses, int port) throws IOException {
    List<ServerSocket> servers = new ArrayList<>();
    try {
        for (InetAddress address : addresses) { // each new server takes the first free one
            ServerSocket server = new ServerSocket();
            try {
                server.bind(new InetSocketAddress(address, port));
                servers.add(server);                // it keeps its address while we count
            } catch (BindException taken) {
                server.close();                     // taken (or listed twice): no server here
            }
        }
        return servers.size();
    } finally {
        for (ServerSocket server : servers) server.close();
    }
}
