// Your turn: one line of /etc/gai.conf that makes getaddrinfo return 127.0.0.1 before ::1,
// without naming IPv4's prefix (::ffff:0:0/96).
String ipv4FirstGaiLine() {
    return "precedence ::1/128 5"; // ::1 below the catch-all ::/0 (40), where IPv4 now falls
}
