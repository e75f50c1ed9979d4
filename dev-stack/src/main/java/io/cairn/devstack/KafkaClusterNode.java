package io.cairn.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a Kafka cluster as a process of its own, so a test can kill it (-9) and start it again:
 * {@code java -cp … io.cairn.devstack.KafkaClusterNode <dir> <node-id> <cluster-id> <broker:controller>…}
 * (one port pair per node, in node-id order). Prints {@code started <bootstrap>} once serving; stops on
 * SIGTERM.
 */
public final class KafkaClusterNode {
    private KafkaClusterNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: KafkaClusterNode <dir> <node-id> <cluster-id> <broker:controller>...");
            System.exit(2);
        }
        List<EmbeddedKafka.NodePorts> nodes = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String[] pair = args[i].split(":");
            nodes.add(new EmbeddedKafka.NodePorts(Integer.parseInt(pair[0]), Integer.parseInt(pair[1])));
        }
        EmbeddedKafka node = EmbeddedKafka.startNode(Path.of(args[0]), Integer.parseInt(args[1]), nodes, args[2]);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }));
        System.out.println("started " + node.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
