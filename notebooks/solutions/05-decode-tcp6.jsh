// Your turn: "0100007F:0BB8" -> "127.0.0.1:3000", "0000...01000000:0BB8" -> "[::1]:3000".
String decodeProcAddress(String field) throws IOException {
    String[] parts = field.split(":");                 // address hex, port hex
    byte[] bytes = new byte[parts[0].length() / 2];
    for (int i = 0; i < bytes.length; i++) {
        int word = i / 4, inWord = i % 4;               // 4-byte words, lowest byte first
        int at = (word * 4 + 3 - inWord) * 2;
        bytes[i] = (byte) Integer.parseInt(parts[0].substring(at, at + 2), 16);
    }
    int port = Integer.parseInt(parts[1], 16);
    return Resolving.format(InetAddress.getByAddress(bytes), port);
}
