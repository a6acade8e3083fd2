// Where a cgroupfs path lives on this host: under each v1 hierarchy, or once under the v2 root.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import type { Logger } from '../../../../bus/types.ts';

/** Returns the directories of a cgroupfs path under every mounted hierarchy (cgroup v1 or v2). */
export function cgroupDirs(path: string, root = '/sys/fs/cgroup'): string[] {
  return cgroupHierarchies(root).map((h) => `${h}${path}`);
}

/** Returns the mounted cgroup hierarchies: the root itself on cgroup v2, each controller's dir on v1. */
function cgroupHierarchies(root: string): string[] {
  if (existsSync(`${root}/cgroup.controllers`)) return [root];
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${root}/${d.name}`);
  } catch {
    return [];
  }
}

/** Removes a cgroup path under every hierarchy (once empty); a busy one is logged and left. */
export function removeCgroup(path: string, log: Logger): void {
  for (const dir of cgroupDirs(path)) {
    try {
      rmdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') log.warn({ dir, code }, 'cgroup not removed');
    }
  }
}
