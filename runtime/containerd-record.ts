// Which containerd serves which node of the local cluster, so `kubus image import` finds them: one
// small JSON file per node under kubus's home, written by the node process that runs it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubusHome } from './connection.ts';
import { pidAlive } from '../actors/lib/pid.ts';

export interface ContainerdRecord {
  node: string;
  /** The CRI endpoint, `unix://…`. */
  endpoint: string;
  /** The node process that runs it: a record whose process is gone is stale. */
  pid: number;
}

const recordsDir = () => join(kubusHome(), 'cri');

// Node names are DNS labels or subdomains, safe as file names.
const recordPath = (node: string) => join(recordsDir(), `${node}.json`);

/** Records that `endpoint` serves `node` (for this process). */
export function writeContainerdRecord(node: string, endpoint: string, pid = process.pid): void {
  mkdirSync(recordsDir(), { recursive: true });
  writeFileSync(recordPath(node), JSON.stringify({ node, endpoint, pid } satisfies ContainerdRecord) + '\n');
}

/** Removes the record of `node` if it is this process's. */
export function clearContainerdRecord(node: string, pid = process.pid): void {
  if (readContainerdRecords().some((r) => r.node === node && r.pid === pid)) rmSync(recordPath(node), { force: true });
}

/** Returns the records of nodes whose process still runs, sorted by node. */
export function readContainerdRecords(): ContainerdRecord[] {
  let files: string[];
  try {
    files = readdirSync(recordsDir()).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: ContainerdRecord[] = [];
  for (const f of files) {
    try {
      const r = JSON.parse(readFileSync(join(recordsDir(), f), 'utf8')) as ContainerdRecord;
      if (pidAlive(r.pid)) out.push(r);
    } catch {
      // half-written or removed meanwhile: not a node to import into
    }
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}
