package io.cairn.connectors.metadata;

class InMemoryMetadataStoreTest extends MetadataStoreContract {
    @Override
    protected MetadataStore newStore() {
        return new InMemoryMetadataStore();
    }
}
