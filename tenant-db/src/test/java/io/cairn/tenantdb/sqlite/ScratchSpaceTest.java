package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process's scratch space outlives no process: a space whose owner was killed is removed by the next claim,
 * a live owner's is never touched. The owners here are real child JVMs, killed with SIGKILL.
 */
class ScratchSpaceTest {
    static final String PREFIX = "cairn-test-";
    @TempDir Path parent;

    @Test
    void aKilledOwnersSpaceIsRemovedByTheNextClaim() throws Exception {
        Process owner = owner();
        Path left = spaceOf(owner);
        Files.writeString(left.resolve("tenant-copy.db"), "a tenant's data");
        owner.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(left).exists();

        try (ScratchSpace mine = ScratchSpace.claim(parent, PREFIX)) {
            assertThat(left).doesNotExist();
            assertThat(mine.dir()).exists().hasParent(parent.toAbsolutePath().normalize());
        }
    }

    @Test
    void aLiveOwnersSpaceIsKept() throws Exception {
        Process owner = owner();
        try {
            Path theirs = spaceOf(owner);
            try (ScratchSpace mine = ScratchSpace.claim(parent, PREFIX)) {
                assertThat(theirs).exists();
                assertThat(ScratchSpace.sweep(parent, PREFIX)).isZero();
                assertThat(theirs.resolve(ScratchSpace.LOCK_FILE)).exists();
            }
        } finally {
            owner.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void thisProcessesOwnSpacesAreNeverSwept() {
        try (ScratchSpace first = ScratchSpace.claim(parent, PREFIX); ScratchSpace second = ScratchSpace.claim(parent, PREFIX)) {
            assertThat(ScratchSpace.sweep(parent, PREFIX)).isZero();
            assertThat(first.dir()).exists();
            assertThat(second.dir()).exists();
            assertThat(first.dir()).isNotEqualTo(second.dir());
        }
    }

    @Test
    void closingRemovesTheSpaceAndEverythingInIt() throws Exception {
        ScratchSpace space = ScratchSpace.claim(parent, PREFIX);
        Files.writeString(space.subdir("past").resolve("copy.db"), "x");
        space.close();
        space.close();
        assertThat(space.dir()).doesNotExist();
    }

    @Test
    void aSpaceWithoutItsLockIsRemovedOnlyOnceItIsOlderThanAClaimTakes() throws Exception {
        Path young = Files.createDirectory(parent.resolve(PREFIX + "young"));
        Path old = Files.createDirectory(parent.resolve(PREFIX + "old"));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(ScratchSpace.CLAIM_GRACE).minusSeconds(5)));
        Path other = Files.createDirectory(parent.resolve("someone-else"));
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minusSeconds(3600)));

        assertThat(ScratchSpace.sweep(parent, PREFIX)).isEqualTo(1);
        assertThat(young).exists();
        assertThat(old).doesNotExist();
        assertThat(other).exists();
    }

    /** A child JVM that claims a space under {@link #parent}, prints it, and holds it until killed. */
    private Process owner() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ScratchSpaceOwner.class.getName(),
                parent.toString(), PREFIX).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static Path spaceOf(Process owner) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the owner's space").isNotNull();
        return Path.of(line);
    }
}
