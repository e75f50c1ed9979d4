package io.cairn.streams.apply;

import io.cairn.topics.Bookmark;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.TenantCommand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The {@link HeavyLane}'s line: each tenant's queue of records, in log order, and whose turn comes next.
 *
 * <p>A tenant stands in line ({@code turns}) at most once, and never while a worker holds its turn: a worker
 * takes a tenant's turn ({@link #awaitTurns}), applies its oldest records, and gives the turn back
 * ({@link #giveTurnsBack}, {@link #retryLater}, {@link #finish} with {@code giveTurnBack}, {@link #giveBackAfterFault}).
 * A record that arrives while a worker holds its tenant gets no turn of its own, even when that worker just
 * emptied the tenant's queue: the worker gives it one as it lets go. So no two workers ever apply one tenant,
 * and a worker's group never holds one record twice.
 *
 * <p>Two lines: a tenant whose queued records are all fleet migrations ({@code ApplyMigration}: nobody waits on them
 * but the run's status) stands in the {@code background} line, any other in {@code turns}, and a group takes the
 * turns of {@code turns} first, with room for the records queued behind each (its run, {@code HeavyLane.withRuns}) up to
 * seven eighths of the group, then fills up from {@code background}. A fleet run queues thousands of tenants here
 * at once; in one line, a write sent here behind them (heavy, or its tenant over its share of the stream thread)
 * waited for all of them: 30 s and more, answered {@code write_timeout} (the bench's fleet scenario, 10,000 tenants).
 * The run still moves while others' records come: they take at most seven eighths of a group's places, heads and runs.
 *
 * <p>It also keeps what must survive a crash ({@link #unpersisted}, {@link #persisted}) and the retry times of
 * records the machine failed. Thread-safe: one monitor, held only for bookkeeping, never across an apply.
 */
final class HeavyLaneQueues {
    /** A queued record: its command, or null when only the position is kept. */
    record Queued(String tenant, Bookmark position, TenantCommand command) {}

    /** Records of a tenant kept whole in memory; later ones keep only their position and are fetched again when their turn comes. */
    static final int KEPT_PER_TENANT = 8;
    static final long FIRST_BACKOFF_MILLIS = 50;
    static final long MAX_BACKOFF_MILLIS = 10_000;
    /** How often a record waiting for room on the volume looks whether the room is there ({@link #lookForRoomLater}). */
    static final long ROOM_LOOK_MILLIS = 250;

    private final Object lock = new Object();
    private final Map<String, ArrayDeque<Queued>> queues = new HashMap<>();
    /** Per partition, the tenants with a queue here. */
    private final Map<Integer, Set<String>> owners = new HashMap<>();
    /** Per partition, the tenants that got a queue since {@link #joinedOn} last drained it. */
    private final Map<Integer, List<String>> joined = new HashMap<>();
    /** Tenants whose turn has come, each at most once, and none a worker holds: those with a record someone waits on. */
    private final ArrayDeque<String> turns = new ArrayDeque<>();
    /** The same for tenants whose queued records are all fleet migrations: their turns come after those of {@link #turns}. */
    private final ArrayDeque<String> background = new ArrayDeque<>();
    /** Per tenant, its queued records that are not fleet migrations (absent: none). */
    private final Map<String, Integer> urgent = new HashMap<>();
    /** The queued positions of fleet migrations. */
    private final Set<Bookmark> migrations = new HashSet<>();
    /** Tenants whose turn a worker took and has not given back. */
    private final Set<String> busy = new HashSet<>();
    /** Tenants whose first record the machine failed: when their turn may come again (System.nanoTime). */
    private final Map<String, Long> retryAt = new HashMap<>();
    /** The backoff of each record the machine failed, doubling to {@link #MAX_BACKOFF_MILLIS}. */
    private final Map<Bookmark, Long> retryBackoff = new HashMap<>();
    /** Deletes queued here: a write of their tenant's that the machine keeps failing gives way to them. */
    private final Set<Bookmark> deletes = new HashSet<>();
    /**
     * Tenants a record of which took {@link #SLOW_NANOS} or more here, and until when (System.nanoTime) each is given
     * its turn alone, never in a group with others' records: a group waits for its slowest record, and one write of a
     * few steps each making tens of megabytes (no budget counts such steps) held the others of its group 40 s.
     */
    private final Map<String, Long> aloneUntil = new HashMap<>();
    static final long SLOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a spare worker looks whether it may take turns. */
    static final long SPARE_LOOK_MILLIS = 200;
    static final long ALONE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private final Set<Bookmark> queued = new HashSet<>();
    private final Map<Bookmark, String> unpersisted = new HashMap<>();
    private final Set<Bookmark> persisted = new HashSet<>();

    /** True while {@code tenant} has a record here: its next records must queue behind. */
    boolean owns(String tenant) {
        synchronized (lock) {
            return queues.containsKey(tenant);
        }
    }

    /** The tenants of {@code partition} with records here. */
    Set<String> tenantsOn(int partition) {
        synchronized (lock) {
            Set<String> owned = owners.get(partition);
            return owned == null ? Set.of() : Set.copyOf(owned);
        }
    }

    /** The tenants of {@code partition} that started having records here since the last call (drained). */
    List<String> joinedOn(int partition) {
        synchronized (lock) {
            List<String> j = joined.remove(partition);
            return j == null ? List.of() : j;
        }
    }

    /** Records queued or being applied. */
    int size() {
        synchronized (lock) {
            return queued.size();
        }
    }

    /** Queues {@code r} behind its tenant's earlier records; a position already queued is ignored. */
    void enqueue(ApplyProcessor.LogRecord r) {
        synchronized (lock) {
            if (!queued.add(r.position())) return;
            String tenant = r.command().getTenant();
            ArrayDeque<Queued> q = queues.computeIfAbsent(tenant, t -> {
                owners.computeIfAbsent(r.position().partition(), p -> new HashSet<>()).add(t);
                joined.computeIfAbsent(r.position().partition(), p -> new ArrayList<>()).add(t);
                return new ArrayDeque<>();
            });
            q.add(new Queued(tenant, r.position(), q.size() < KEPT_PER_TENANT ? r.command() : null));
            if (r.command().getPayload() instanceof DeleteTenant) deletes.add(r.position());
            if (!persisted.contains(r.position())) unpersisted.put(r.position(), tenant);
            boolean wasBackground = q.size() > 1 && !urgent.containsKey(tenant);
            if (r.command().getPayload() instanceof ApplyMigration) migrations.add(r.position());
            else urgent.merge(tenant, 1, Integer::sum);
            if (!busy.contains(tenant)) { // else its worker gives it a turn as it lets go, in the line its queue then calls for
                if (q.size() == 1) lineOf(tenant).add(tenant);
                // someone waits on it now: its migrations go first, in the others' line
                else if (wasBackground && urgent.containsKey(tenant) && background.remove(tenant)) turns.add(tenant);
            }
            lock.notifyAll();
        }
    }

    /**
     * {@code position}, queued here, has its row recorded already (the thaw holds recorded it before handing the
     * record over): the lane takes the row as its own, and clears it once the record is applied. False when it is
     * not queued (applied already: whoever recorded the row clears it).
     */
    boolean adopt(Bookmark position) {
        synchronized (lock) {
            if (!queued.contains(position)) return false;
            unpersisted.remove(position);
            persisted.add(position);
            return true;
        }
    }

    /** A position recorded before a restart, to be queued again: false when it is queued already. */
    boolean recovered(Bookmark position) {
        synchronized (lock) {
            if (queued.contains(position)) return false;
            persisted.add(position);
            return true;
        }
    }

    /**
     * Waits until some tenant's turn has come and takes the turns of up to {@code max} of them: their oldest
     * records, which the caller holds until it gives the turns back. A tenant waiting out a machine failure keeps
     * its place but is passed over until its retry time. Empty when {@code closed} turned true.
     */
    List<Queued> awaitTurns(int max, BooleanSupplier closed) throws InterruptedException {
        return awaitTurns(max, closed, () -> true);
    }

    /** As {@link #awaitTurns(int, BooleanSupplier)}, taking turns only while {@code mayTake} (looked at every {@link #SPARE_LOOK_MILLIS}). */
    List<Queued> awaitTurns(int max, BooleanSupplier closed, BooleanSupplier mayTake) throws InterruptedException {
        List<Queued> batch = new ArrayList<>();
        synchronized (lock) {
            while (!closed.getAsBoolean()) {
                if (!mayTake.getAsBoolean()) {
                    lock.wait(SPARE_LOOK_MILLIS);
                    continue;
                }
                long now = System.nanoTime();
                long wait = -1;
                boolean single = false;
                int reserved = 0; // places kept for the records queued behind the heads of the first line (their runs)
                for (ArrayDeque<String> line : List.of(turns, background)) {
                    List<String> waiting = new ArrayList<>();
                    List<String> next = new ArrayList<>(); // tenants applied alone, passed over by a group: first in line again
                    // the first line leaves the run's tenants an eighth of the places, so that a run goes on under any load
                    int places = line == turns && !background.isEmpty() ? max - max / 8 : max;
                    while (!line.isEmpty() && batch.size() + reserved < places && !single) {
                        String tenant = line.poll();
                        Long due = retryAt.get(tenant);
                        if (due != null && due - now > 0) {
                            waiting.add(tenant);
                            wait = wait < 0 ? due - now : Math.min(wait, due - now);
                        } else if (alone(tenant, now) && !batch.isEmpty()) {
                            next.add(tenant);
                        } else {
                            single = alone(tenant, now);
                            ArrayDeque<Queued> q = queues.get(tenant);
                            batch.add(q.peek());
                            busy.add(tenant);
                            if (line == turns) reserved += Math.max(0, Math.min(q.size() - 1, places - batch.size() - reserved));
                        }
                    }
                    for (int i = next.size() - 1; i >= 0; i--) line.addFirst(next.get(i));
                    line.addAll(waiting);
                }
                if (!batch.isEmpty()) return batch;
                if (wait < 0) lock.wait();
                else TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1_000_000, wait));
            }
            return List.of();
        }
    }

    /** The line {@code tenant} stands in when its turn comes: {@link #background} when all its queued records are fleet migrations. */
    private ArrayDeque<String> lineOf(String tenant) {
        return urgent.containsKey(tenant) ? turns : background;
    }

    /** Whether {@code tenant}'s turns are given alone now; forgets it once that is over. Under the lock. */
    private boolean alone(String tenant, long now) {
        Long until = aloneUntil.get(tenant);
        if (until == null) return false;
        if (now - until < 0) return true;
        aloneUntil.remove(tenant);
        return false;
    }

    /** A record of {@code tenant} took {@code nanos} to apply here: from {@link #SLOW_NANOS} on, its turns come alone for a while. */
    void took(String tenant, long nanos) {
        if (nanos < SLOW_NANOS) return;
        synchronized (lock) {
            aloneUntil.put(tenant, System.nanoTime() + ALONE_NANOS);
        }
    }

    /** Whether {@code tenant}'s turns come alone now (a record of it was slow lately). */
    boolean appliedAlone(String tenant) {
        synchronized (lock) {
            return alone(tenant, System.nanoTime());
        }
    }

    /** Up to {@code room} records queued right behind {@code head}, its tenant's oldest, in order. */
    List<Queued> behind(Queued head, int room) {
        synchronized (lock) {
            List<Queued> behind = new ArrayList<>();
            var it = queues.get(head.tenant()).iterator();
            it.next(); // the head
            while (it.hasNext() && behind.size() < room) behind.add(it.next());
            return behind;
        }
    }

    /** True when the machine failed {@code r} before (its retries began) and a delete of its tenant is queued behind it. */
    boolean retryingWithDeleteBehind(Queued r) {
        synchronized (lock) {
            return retryBackoff.containsKey(r.position()) && deleteBehind(r);
        }
    }

    /** True when a delete of {@code r}'s tenant is queued behind it. */
    boolean deleteBehind(Queued r) {
        synchronized (lock) {
            ArrayDeque<Queued> q = queues.get(r.tenant());
            return q != null && q.stream().anyMatch(later -> deletes.contains(later.position()));
        }
    }

    /** The machine failed {@code r}: it stays first of its tenant's, whose turn is given back and waits out the backoff. */
    void retryLater(Queued r) {
        synchronized (lock) {
            giveTurnBackIn(r, retryBackoff.merge(r.position(), FIRST_BACKOFF_MILLIS, (was, first) -> Math.min(was * 2, MAX_BACKOFF_MILLIS)));
        }
    }

    /**
     * {@code r}, its tenant's oldest, waits for room on the volume ({@link RoomToRetry}): its turn comes again in
     * {@link #ROOM_LOOK_MILLIS}, whatever backoff its failures built, so that it is tried within that of the room coming
     * (the backoff's 10 s made writes wait 5-9 s after space was freed: outside re-test). A look costs a free-space query.
     */
    void lookForRoomLater(Queued r) {
        synchronized (lock) {
            giveTurnBackIn(r, ROOM_LOOK_MILLIS);
        }
    }

    /** {@code r}'s tenant's turn, held by a worker, is given back to come again in {@code millis}. Holds {@link #lock}. */
    private void giveTurnBackIn(Queued r, long millis) {
        retryAt.put(r.tenant(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
        busy.remove(r.tenant());
        lineOf(r.tenant()).add(r.tenant());
        lock.notifyAll();
    }

    void forgetRetries(Queued r) {
        synchronized (lock) {
            retryBackoff.remove(r.position());
            retryAt.remove(r.tenant());
        }
    }

    /**
     * {@code r}, its tenant's oldest, is applied (durably): off the queue; the tenant is released when nothing of
     * it is left. When {@code giveTurnBack} the turn is given back here, else the caller does ({@link #giveTurnsBack}).
     * Returns true when its position had been recorded ({@link #persisted}): its row is to be cleared.
     */
    boolean finish(Queued r, boolean giveTurnBack) {
        synchronized (lock) {
            String tenant = r.tenant();
            ArrayDeque<Queued> q = queues.get(tenant);
            q.poll();
            queued.remove(r.position());
            unpersisted.remove(r.position());
            deletes.remove(r.position());
            if (!migrations.remove(r.position())) urgent.computeIfPresent(tenant, (t, n) -> n == 1 ? null : n - 1);
            if (q.isEmpty()) {
                queues.remove(tenant);
                Set<String> owned = owners.get(r.position().partition());
                if (owned != null && owned.remove(tenant) && owned.isEmpty()) owners.remove(r.position().partition());
            }
            if (giveTurnBack) giveTurnBack(tenant);
            lock.notifyAll();
            return persisted.remove(r.position());
        }
    }

    /** Gives back the turns of {@code tenants}: each goes to the end of the line when it has records left. */
    void giveTurnsBack(Collection<String> tenants) {
        synchronized (lock) {
            tenants.forEach(this::giveTurnBack);
            lock.notifyAll();
        }
    }

    /** After a fault of the lane's own: the turns of {@code tenants} still held are given back, due after {@code pauseMillis}. */
    void giveBackAfterFault(Collection<String> tenants, long pauseMillis) {
        synchronized (lock) {
            long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
            for (String tenant : tenants) {
                if (busy.contains(tenant) && queues.containsKey(tenant)) retryAt.put(tenant, due);
                giveTurnBack(tenant);
            }
            lock.notifyAll();
        }
    }

    private void giveTurnBack(String tenant) {
        if (busy.remove(tenant) && queues.containsKey(tenant)) lineOf(tenant).add(tenant);
    }

    /** The queued positions not recorded yet, and their tenants. */
    Map<Bookmark, String> unpersisted() {
        synchronized (lock) {
            return new HashMap<>(unpersisted);
        }
    }

    /**
     * {@code positions} are recorded now. Returns those finished meanwhile: applied durably, but with their
     * state perhaps not in Kafka yet, their rows go the way of every applied record's.
     */
    List<Bookmark> persisted(Collection<Bookmark> positions) {
        List<Bookmark> finished = new ArrayList<>();
        synchronized (lock) {
            for (Bookmark b : positions) {
                unpersisted.remove(b);
                if (queued.contains(b)) persisted.add(b); // recorded, or adopted meanwhile: its row stays until it is applied
                else finished.add(b);
            }
        }
        return finished;
    }

    /** Wakes the workers waiting for a turn (to see that the lane closed). */
    void wakeAll() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** What {@code cmd} is, when it is a kind that gives way to its tenant's delete ({@code HeavyLane.supersededByDelete}); else null. */
    static String givesWayToDelete(io.cairn.topics.avro.TenantCommand cmd) {
        return switch (cmd.getPayload()) {
            case io.cairn.topics.avro.ExecuteBatch b -> "write";
            case io.cairn.topics.avro.Sealed s -> "write";
            case io.cairn.topics.avro.RestoreFrom r when r.getImportKey() != null -> "import";
            case io.cairn.topics.avro.RestoreFrom r when r.getSourceTenant() != null && !r.getSourceTenant().equals(cmd.getTenant()) -> "fork";
            case io.cairn.topics.avro.RestoreFrom r -> "restore";
            default -> null;
        };
    }
}
