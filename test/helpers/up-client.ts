// An in-process API client of a running `kubus up` (found through KUBUS_HOME's cluster.json, with
// the admin's credentials when its bus is locked), for the tests to wait on the cluster's state:
// polling with the CLI costs a `kubus` start (~1 s of CPU) per try; the CLI then checks it once.
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/meta.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus, readCredentials } from '../../bus/nats-bus.ts';

/** Connects to the cluster `kubus up` recorded in `home`/cluster.json; closed in teardown. */
export async function upClient(t: ExecutionContext, home: string): Promise<ApiClient> {
  const info = JSON.parse(readFileSync(join(home, 'cluster.json'), 'utf8')) as { nats: string; credentials?: string };
  const bus = await NatsBus.connect({ servers: info.nats, name: 'test-wait', credentials: info.credentials ? readCredentials(info.credentials) : null });
  t.teardown(() => bus.close());
  return new ApiClient(bus, { timeoutMs: 5000 });
}

/** How many of `items` have condition Ready=True (nodes) or phase Running (pods). */
export const countReady = (items: KubeObject[]) =>
  items.filter((o) => ((o.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
export const countRunning = (items: KubeObject[]) => items.filter((o) => (o.status as { phase?: string } | undefined)?.phase === 'Running').length;
