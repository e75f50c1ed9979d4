package io.cairn.tenantdb.sql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.ToIntFunction;

/**
 * Verdicts on SQL texts that depend on nothing but the text (the write policy, whether a statement may return rows,
 * whether SQLite can parse it), remembered because applications send the same texts again and again: a batch of
 * 100 inserts is often one text 100 times. Bounded by the characters kept, not by the number of entries, so a
 * tenant sending distinct long texts pushes out others' entries (which are then judged again) but cannot grow
 * the heap past the bound. Texts longer than {@link #MAX_TEXT} characters are never kept.
 *
 * @param <V> the verdict; never null
 */
public final class TextVerdicts<V> {
    /** The longest text kept, in characters. */
    public static final int MAX_TEXT = 4_096;
    private static final int ENTRY_OVERHEAD_CHARS = 64;

    private final Cache<String, V> cache;

    /**
     * @param maxChars the characters all kept entries may hold together (text, plus {@code extraChars} of the verdict,
     *     plus a fixed overhead per entry)
     * @param extraChars the characters a verdict holds beyond its text (a rewritten copy of it, say)
     */
    public TextVerdicts(long maxChars, ToIntFunction<V> extraChars) {
        this.cache = Caffeine.newBuilder().maximumWeight(maxChars).executor(Runnable::run) // evicts as it adds: the bound holds at once
                .weigher((String text, V verdict) -> text.length() + extraChars.applyAsInt(verdict) + ENTRY_OVERHEAD_CHARS)
                .build();
    }

    /** A verdict that holds nothing beyond its text. */
    public TextVerdicts(long maxChars) {
        this(maxChars, verdict -> 0);
    }

    /** The verdict kept for {@code text}, or null when none is (never kept, pushed out, or too long to keep). */
    public V get(String text) {
        return text == null || text.length() > MAX_TEXT ? null : cache.getIfPresent(text);
    }

    /** Keeps {@code verdict} for {@code text}, unless the text is too long to keep. */
    public void put(String text, V verdict) {
        if (text != null && text.length() <= MAX_TEXT) cache.put(text, verdict);
    }
}
