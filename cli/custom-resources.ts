// Custom resources in the CLI: before a command that names resources runs, the cluster's CRDs are
// read (one list) so that `kubus get widgets` or `kubus apply -f` of a custom kind resolves, as
// kubectl reads discovery. Only when the command needs it: built-in names cost nothing.
import type { Command } from 'commander';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import { followCrd } from '../actors/lib/custom-resources.ts';
import { createLogger } from '../runtime/logger.ts';
import { withSession, type GlobalOptions } from './context.ts';

/** Commands whose first argument is a resource (TYPE, TYPE,TYPE or TYPE/NAME). */
const NAMING = new Set(['get', 'describe', 'delete', 'scale', 'explain', 'trace']);
/** Commands that read manifests, which may hold custom kinds. */
const MANIFESTS = new Set(['apply', 'delete']);
/** Commands that list every resource. */
const LISTING = new Set(['api-resources']);

/** Returns true when the command names a resource that is not built in, or reads manifests. */
function needsCustomResources(cmd: Command): boolean {
  const name = cmd.name();
  const opts = cmd.opts<{ filename?: unknown }>();
  if (MANIFESTS.has(name) && opts.filename) return true;
  if (!NAMING.has(name)) return false;
  const kinds = cmd.args.slice(0, 1).flatMap((a) => a.split('/')[0].split(','));
  return kinds.some((k) => k !== 'all' && !resourceFor(k));
}

/** Registers the cluster's established CRDs in this process's resource table. */
export async function loadCustomResources(opts: GlobalOptions): Promise<void> {
  await withSession(opts, async ({ client }) => {
    const log = createLogger('error');
    for (const crd of (await client.list<KubeObject>('customresourcedefinitions')).items) followCrd(crd, log);
  });
}

/** Adds the hook to the program: commands that need custom resources get them first. */
export function withCustomResources(program: Command): void {
  program.hook('preAction', async (root, cmd) => {
    if (needsCustomResources(cmd)) await loadCustomResources(root.opts<GlobalOptions>());
    // Listing works without a cluster too: then it shows the built-in kinds only.
    else if (LISTING.has(cmd.name())) await loadCustomResources(root.opts<GlobalOptions>()).catch(() => undefined);
  });
}
