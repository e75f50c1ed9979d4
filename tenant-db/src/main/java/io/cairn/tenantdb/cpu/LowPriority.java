package io.cairn.tenantdb.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling platform thread's scheduling priority (Linux: {@code setpriority} on its own thread
 * id, found through {@code /proc/thread-self}; nice {@value #NICE} above the process's), for work nobody
 * waits on, or that one tenant can ask for at will and should not take the cores from the others: the
 * applier's heavy lane (fleet migrations, restores, runaway writes), the edge's builds of past copies. Such
 * a thread still gets every core nobody else wants, but when the cores are contended the threads that apply other tenants' writes,
 * answer requests and run the broker get them first (the kernel gives a thread at nice +10 about a tenth
 * of the share of one at +0). Raising it back would need a privilege, so it is only ever lowered, once,
 * by the thread itself. Elsewhere (no {@code /proc/thread-self}, no libc) it does nothing but say so once.
 */
public final class LowPriority {
    public static final int NICE = 10;
    private static final Logger log = LoggerFactory.getLogger(LowPriority.class);
    private static final int PRIO_PROCESS = 0;
    private static volatile boolean warned;

    /** The one libc call needed; loaded on first use. */
    private interface LibC extends Library {
        int setpriority(int which, int who, int prio);
    }

    private static final class Loaded {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private LowPriority() {}

    /** Lowers the calling thread's priority by {@value #NICE}; true when it was lowered. */
    public static boolean lowerCurrentThread() {
        try {
            Integer tid = currentThreadId();
            Integer nice = tid == null ? null : niceOf(tid);
            if (tid == null || nice == null) {
                warnOnce("no /proc/thread-self");
                return false;
            }
            if (Loaded.LIBC.setpriority(PRIO_PROCESS, tid, lowered(nice)) == 0) return true;
            warnOnce("setpriority failed, errno " + Native.getLastError());
        } catch (RuntimeException | LinkageError e) {
            warnOnce(e.toString());
        }
        return false;
    }

    /**
     * Daemon platform threads named {@code prefix0, prefix1, ...} that lower their own priority as they start,
     * for an executor of such work (a virtual thread cannot be lowered: its carrier runs everyone's).
     */
    public static ThreadFactory threads(String prefix) {
        ThreadFactory platform = Thread.ofPlatform().daemon().name(prefix, 0).factory();
        return work -> platform.newThread(() -> {
            lowerCurrentThread();
            work.run();
        });
    }

    /** The nice value a thread at {@code nice} is lowered to (19 is the lowest there is). */
    public static int lowered(int nice) {
        return Math.min(19, nice + NICE);
    }

    /** The calling thread's nice value, or null where it cannot be read. */
    public static Integer currentNice() {
        Integer tid = currentThreadId();
        return tid == null ? null : niceOf(tid);
    }

    /** The kernel's id of the calling thread ({@code /proc/thread-self} links to {@code <pid>/task/<tid>}), or null. */
    private static Integer currentThreadId() {
        try {
            return Integer.valueOf(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (Exception e) {
            return null;
        }
    }

    /** The nice value of this process's thread {@code tid}, or null where it cannot be read. */
    public static Integer niceOf(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            // The fields after the command's closing parenthesis start at the 3rd; nice is the 19th.
            return Integer.valueOf(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * The nice values of this process's threads whose names start with {@code prefix} (as far as the kernel
     * keeps a thread's name: its first 15 characters); empty where they cannot be read. For tests and diagnostics.
     */
    public static List<Integer> niceOfThreadsNamed(String prefix) {
        String kept = prefix.substring(0, Math.min(15, prefix.length()));
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).trim().startsWith(kept)) continue;
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                Integer nice = niceOf(Integer.parseInt(task.getFileName().toString()));
                if (nice != null) out.add(nice);
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return out;
    }

    private static void warnOnce(String why) {
        if (warned) return;
        warned = true;
        log.info("background threads keep the normal scheduling priority here ({})", why);
    }
}
