package io.cairn.bench.load;

/** One request of a load run; throws when it failed (a failure ends the run: the bench measures working paths). */
@FunctionalInterface
public interface Operation {
    void run(long sequence) throws Exception;
}
