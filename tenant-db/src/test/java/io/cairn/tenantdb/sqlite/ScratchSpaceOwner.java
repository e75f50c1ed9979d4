package io.cairn.tenantdb.sqlite;

import java.nio.file.Path;

/** The owner process of {@link ScratchSpaceTest}: claims a space, prints its path, and holds it until killed. */
public final class ScratchSpaceOwner {
    private ScratchSpaceOwner() {
    }

    public static void main(String[] args) throws Exception {
        ScratchSpace space = ScratchSpace.claim(Path.of(args[0]), args[1]);
        System.out.println(space.dir());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}
