// Your turn: try each address in order, as nc does; return the first reply.
String firstAnswer(List<InetAddress> addresses, int port) {
    for (InetAddress address : addresses) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            byte[] reply = socket.getInputStream().readAllBytes();
            return new String(reply, StandardCharsets.UTF_8).strip();
        } catch (IOException refused) {
            // nobody there: try the next address, as nc does
        }
    }
    return "nothing answered";
}
