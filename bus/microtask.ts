// Queueing a microtask without queueMicrotask's cost: Node makes an AsyncResource for each of those
// (its init and destroy hooks, a scope entered around the call); a reaction to a settled promise
// takes the same place in the one microtask queue and costs none of it.

const settled = Promise.resolve();

/**
 * Runs `fn` in a later microtask, in the order queueMicrotask would (one FIFO queue). Unlike
 * queueMicrotask, what `fn` throws becomes an unhandled rejection (which ends the process as an
 * uncaught exception would, under Node's default): callers catch their own errors.
 */
export function microtask(fn: () => void): void {
  void settled.then(fn);
}
