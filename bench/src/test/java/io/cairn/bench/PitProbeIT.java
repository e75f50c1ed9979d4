package io.cairn.bench;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.scenario.PointInTime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PitProbeIT {
    @TempDir Path data;

    @Test
    void probe() throws Exception {
        int mb = Integer.getInteger("pit.mb", 100);
        int records = Integer.getInteger("pit.records", 100_000);
        try (BenchStack stack = BenchStack.start(data.resolve("stack"));
             CairnClient client = new CairnClient(stack.httpPort(), BenchStack.ADMIN_TOKEN)) {
            long t0 = System.nanoTime();
            PointInTime.Result r = PointInTime.measure(client, BenchStack.ADMIN_TOKEN, stack.hotDir(), "pit", mb, records, 64, 3);
            System.out.println("PROBE total " + (System.nanoTime() - t0) / 1e9 + " s: " + r);
        }
    }
}
