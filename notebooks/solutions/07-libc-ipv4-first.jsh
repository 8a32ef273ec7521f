// Your turn: hosts lines with which getaddrinfo("localhost") returns 127.0.0.1 first.
List<String> libcIpv4FirstHosts() {
    // glibc sorts whatever localhost names, so let it name 127.0.0.1 alone; ::1 keeps other
    // names, as in Ubuntu's default /etc/hosts.
    return List.of("127.0.0.1 localhost", "::1 ip6-localhost ip6-loopback");
}
