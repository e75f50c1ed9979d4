package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;

/**
 * The applier's group-commit counters as {@code /metrics} shows them, so a throughput run can say how
 * many records each SQLite commit carried and what a commit cost: the evidence for where apply time goes.
 */
public record GroupCommits(double commits, double commitSeconds, double records) {

    public static GroupCommits read(CairnClient client) throws Exception {
        double commits = 0, seconds = 0, records = 0;
        for (String line : client.metrics().split("\n")) {
            if (line.startsWith("cairn_applier_group_commit_seconds_count ")) commits = value(line);
            else if (line.startsWith("cairn_applier_group_commit_seconds_sum ")) seconds = value(line);
            else if (line.startsWith("cairn_applier_group_records_sum ")) records = value(line);
        }
        return new GroupCommits(commits, seconds, records);
    }

    /** What happened between {@code before} and this reading. */
    public GroupCommits since(GroupCommits before) {
        return new GroupCommits(commits - before.commits, commitSeconds - before.commitSeconds, records - before.records);
    }

    public double recordsPerCommit() {
        return commits == 0 ? 0 : records / commits;
    }

    public double msPerCommit() {
        return commits == 0 ? 0 : commitSeconds * 1000 / commits;
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
