// The example operator's controller, on kubus's controller framework: it watches Websites and what
// they own, and for each Website key makes the owned objects match `desired` and the status match
// the Deployment. Everything it reads comes from the informer caches (level-based).
import { controllerKeys } from '../../actors/controllers/shared/owner-keys.ts';
import { defineController } from '../../actors/lib/controller.ts';
import { isAlreadyExists, isConflict } from '../../api/status.ts';
import { desired, drifted, KIND, statusOf, type Owned, type Website } from './website.logic.ts';

const OWNED: Array<keyof Owned> = ['configmaps', 'deployments', 'services'];
const ofWebsite = (o: Parameters<typeof controllerKeys>[0]) => controllerKeys(o, KIND);

/** The Website operator's actor definition (input: none). */
export const websiteController = defineController({
  name: 'website',
  workers: 2,
  watches: [{ resource: 'websites' }, ...OWNED.map((resource) => ({ resource, keys: ofWebsite }))],
  async reconcile(key, ctx) {
    const site = ctx.cache<Website>('websites').get(key);
    // Gone or going: the garbage collector removes what it owned (owner references).
    if (!site || site.metadata.deletionTimestamp) return;
    const { client } = ctx.deps;
    const want = desired(site);
    for (const resource of OWNED) {
      const obj = want[resource];
      const live = ctx.cache(resource).get(`${obj.metadata.namespace}/${obj.metadata.name}`);
      try {
        if (!live) {
          await client.create(resource, obj);
          ctx.events.record(site, 'Normal', 'Created', `Created ${obj.kind} ${obj.metadata.name}`);
        } else {
          const next = drifted(resource, obj, live);
          if (next) await client.update(resource, next);
        }
      } catch (err) {
        // The cache lags behind a write of ours: the next event brings this key back.
        if (isAlreadyExists(err) || isConflict(err)) return { requeueAfterMs: 100 };
        throw err;
      }
    }
    const status = statusOf(site, ctx.cache('deployments').get(key));
    if (JSON.stringify(status) !== JSON.stringify(site.status ?? {})) await client.updateStatus('websites', { ...site, status });
  },
});
