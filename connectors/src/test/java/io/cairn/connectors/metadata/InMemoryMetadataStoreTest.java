package io.cairn.connectors.metadata;

class InMemoryMetadataStoreTest extends MetadataStoreContract {
    @Override
    MetadataStore newStore() {
        return new InMemoryMetadataStore();
    }
}
