package io.cairn.streams.apply;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling platform thread's scheduling priority (Linux: {@code setpriority} on its own thread
 * id, found through {@code /proc/thread-self}; nice {@value #NICE} above the process's), for work nobody
 * waits on: the heavy lane's fleet migrations, restores and runaway writes. Such a thread still gets every
 * core nobody else wants, but when the cores are contended the threads that apply other tenants' writes,
 * answer requests and run the broker get them first (the kernel gives a thread at nice +10 about a tenth
 * of the share of one at +0). Raising it back would need a privilege, so it is only ever lowered, once,
 * by the thread itself. Elsewhere (no {@code /proc/thread-self}, no libc) it does nothing but say so once.
 */
final class LowPriority {
    static final int NICE = 10;
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
    static boolean lowerCurrentThread() {
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

    /** The nice value a thread at {@code nice} is lowered to (19 is the lowest there is). */
    static int lowered(int nice) {
        return Math.min(19, nice + NICE);
    }

    /** The calling thread's nice value, or null where it cannot be read. */
    static Integer currentNice() {
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
    static Integer niceOf(int tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            // The fields after the command's closing parenthesis start at the 3rd; nice is the 19th.
            return Integer.valueOf(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (Exception e) {
            return null;
        }
    }

    private static void warnOnce(String why) {
        if (warned) return;
        warned = true;
        log.info("background threads keep the normal scheduling priority here ({})", why);
    }
}
