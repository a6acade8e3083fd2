// Errors of the store backends, one class per condition (CompactedError lives in store.ts).

/** Thrown when a read or compaction names a revision the store has not reached yet. */
export class FutureRevisionError extends Error {
  override name = 'FutureRevisionError';
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`required revision ${requested} is a future revision (current revision ${current})`);
  }
}

/** Thrown by FileStore.open when another live process holds the data directory's lock. */
export class StoreLockedError extends Error {
  override name = 'StoreLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is locked by pid ${pid} (its LOCK file); stop that process or remove the file if it is gone`);
  }
}

/** Rejects writes to a store that has been closed. */
export class StoreClosedError extends Error {
  override name = 'StoreClosedError';
  constructor() {
    super('store is closed');
  }
}

/** Rejects writes after the log could not be written or fsynced; the store must be reopened. */
export class StoreFailedError extends Error {
  override name = 'StoreFailedError';
  constructor(override readonly cause: unknown) {
    super(`store log write failed, store is read-only until reopened: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** Thrown by FileStore.open when the data directory cannot be recovered without losing data silently. */
export class StoreCorruptError extends Error {
  override name = 'StoreCorruptError';
}

/** A `--store` value that names no backend; the message says what to write instead. */
export class StoreSpecError extends Error {
  override name = 'StoreSpecError';
}

/** A backend that could not be opened (not reachable, not set up); the message says what to do. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
