// Whether a process still runs, for lock and record files that hold a pid.

/** True when `pid` names a live process (EPERM: alive, but another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
