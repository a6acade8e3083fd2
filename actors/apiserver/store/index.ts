// The store: interface, backends (memory, file, jetstream, etcd), choosing one, and their errors.
export * from './store.ts';
export * from './errors.ts';
export { MemoryStore } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { FileStore } from './file-store.ts';
export type { FileStoreOptions } from './file-store.ts';
export { JetStreamStore } from './jetstream-store.ts';
export type { JetStreamStoreOptions } from './jetstream-store.ts';
export type { EtcdStore, EtcdStoreOptions } from './etcd-store.ts'; // the class: import etcd-store.ts (etcd3 is heavy to load)
export * from './open.ts';
