// Your turn: the lines of a hosts file whose first localhost address is 127.0.0.1.
List<String> ipv4FirstHosts() {
    return List.of("127.0.0.1 localhost", "::1 localhost"); // Java reads the file from the top
}
