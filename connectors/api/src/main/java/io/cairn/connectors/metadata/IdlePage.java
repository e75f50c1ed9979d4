package io.cairn.connectors.metadata;

import java.util.List;

/**
 * A page of the idle-tenant query.
 *
 * @param nextCursor pass to the next call to continue; null when there is nothing more
 */
public record IdlePage(List<IdleTenant> tenants, String nextCursor) {
    public IdlePage {
        tenants = List.copyOf(tenants);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
