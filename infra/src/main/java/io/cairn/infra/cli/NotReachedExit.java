package io.cairn.infra.cli;

/**
 * A command whose exit code for "Cairn could not be reached, or did not answer in time" is not the launcher's 1,
 * because 1 already means something else for it (for {@code migrate}: a tenant failed). {@link CairnCommand}'s
 * error handler asks it.
 */
interface NotReachedExit {
    /** The exit code when Cairn could not be reached or did not answer in time. */
    int notReachedExit();
}
