package io.cairn.connectors.metadata;

import java.util.List;

/**
 * A page of a fleet listing. A page may hold fewer tenants than asked (even none) while more follow:
 * only a null {@code nextCursor} says the listing is complete.
 */
public record TenantPage(List<TenantRecord> tenants, String nextCursor) {
    public TenantPage {
        tenants = List.copyOf(tenants);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
