// A volume's group ownership for the pod's fsGroup, as upstream's SetVolumeOwnership: every file
// and directory gets the group; files get group read (and write unless the volume is read-only),
// directories also group search and setgid, so what the pod creates there keeps the group.
// Symlinks get the group but no chmod (it would change their targets' modes). With the pod's
// fsGroupChangePolicy OnRootMismatch, a volume whose root already has it all is left alone.
import { chmodSync, lchownSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { FsGroup } from '../security-context.ts';

/** Upstream's masks: group read-write, group read-only, and search on directories. */
const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/** Returns a file mode with the group bits fsGroup ownership adds (what the volume's files end up with). */
export const groupMode = (mode: number, readOnly: boolean) => mode | (readOnly ? RO_MASK : RW_MASK);

/** Whether the volume's root lacks the group, the group permissions or setgid (upstream requiresPermissionChange). */
export function requiresPermissionChange(root: string, gid: number, readOnly: boolean): boolean {
  let st: Stats;
  try {
    st = statSync(root);
  } catch {
    return true;
  }
  if (st.gid !== gid || !st.isDirectory()) return true;
  const want = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  return (st.mode & want) !== want || (st.mode & SETGID) === 0;
}

/** Gives `root` and everything under it the pod's fsGroup; returns whether it walked the volume. */
export function setVolumeOwnership(root: string, fsGroup: FsGroup, readOnly: boolean): boolean {
  if (fsGroup.policy === 'OnRootMismatch' && !requiresPermissionChange(root, fsGroup.gid, readOnly)) return false;
  const walk = (path: string) => {
    const st = lstatSync(path);
    lchownSync(path, -1, fsGroup.gid);
    if (st.isSymbolicLink()) return;
    const mask = (readOnly ? RO_MASK : RW_MASK) | (st.isDirectory() ? EXEC_MASK | SETGID : 0);
    chmodSync(path, (st.mode & 0o7777) | mask);
    if (st.isDirectory()) for (const e of readdirSync(path)) walk(join(path, e));
  };
  walk(root);
  return true;
}
