// Runs the Website operator as its own process against a running kubus cluster:
//   npx tsx examples/operator/main.ts [--nats URL]
// It reaches the cluster over NATS like every kubus component (the cluster `kubus up` started, else
// $KUBUS_NATS, else localhost:4222), and feeds the cluster's trace recorder, so
// `bin/kubus trace website hello` shows what it did. Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { realClock } from '../../bus/clock.ts';
import { NatsBus } from '../../bus/nats-bus.ts';
import { cryptoRng } from '../../bus/random.ts';
import { resolveNats } from '../../runtime/connection.ts';
import { Host } from '../../runtime/host.ts';
import { createLogger } from '../../runtime/logger.ts';
import { startTracing } from '../../runtime/trace-feed.ts';
import { websiteController } from './website.controller.ts';

const { values } = parseArgs({ options: { nats: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npx tsx examples/operator/main.ts [--nats URL]   (apply examples/operator/website.crd.yaml first)');
  process.exit(0);
}
const log = createLogger(undefined, { component: 'website-operator' });
const servers = resolveNats(values.nats);
const bus = await NatsBus.connect({ servers, name: 'website-operator', log }).catch((err: Error) => {
  console.error(`cannot reach NATS at ${servers} (${err.message}): start a cluster with \`npm start\`, or pass --nats URL`);
  process.exit(1);
});
const host = new Host({ bus, clock: realClock, rng: cryptoRng(), log });
const feed = await startTracing(bus, host, { feed: { log } });
host.start(websiteController, 'controller/website', undefined);
log.info({ nats: servers }, 'website operator running; Ctrl-C stops it');

const stop = async () => {
  await host.stopAll();
  feed.stop();
  await bus.drain().catch(() => bus.close());
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
