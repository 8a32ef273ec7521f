// Your turn: how many distinct addresses do these hosts-file lines give the name localhost?
int serversFromHosts(List<String> hostsLines) {
    Set<String> addresses = new HashSet<>();      // an address listed twice counts once
    for (String line : hostsLines) {
        String[] words = line.replaceAll("#.*", "").strip().split("\\s+"); // no comments
        List<String> names = Arrays.asList(words).subList(1, Math.max(1, words.length));
        if (names.contains("localhost")) addresses.add(words[0]);
    }
    return addresses.size();
}
