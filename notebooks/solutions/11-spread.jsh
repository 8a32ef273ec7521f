// Your turn: how many replies each server sent, by the pid its reply names.
Map<String, Integer> spread(List<String> replies) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String reply : replies) {
        String pid = reply.replaceAll(".*\\(pid (\\d+)\\).*", "$1");
        if (!pid.equals(reply)) counts.merge(pid, 1, Integer::sum); // a reply without a pid: skip
    }
    return counts;
}
