// Your turn: one line of /etc/gai.conf that makes getaddrinfo return 127.0.0.1 before ::1.
String ipv4FirstGaiLine() {
    return "precedence ::ffff:0:0/96 100"; // IPv4 (as ::ffff:a.b.c.d) above ::1's 50
}
