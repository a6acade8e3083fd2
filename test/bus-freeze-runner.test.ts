// `npm test` and `npm run test:hosts` run with KUBUS_FREEZE=1 (scripts/test-env.mjs), so tests over a
// real nats-server, and the processes they start, get frozen messages as MemoryBus tests do.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { freezeFromEnv } from '../bus/freeze.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import type { BusMessage } from '../bus/types.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { testEnv } from '../scripts/test-env.mjs';
import { startNode } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const PROBE = fileURLToPath(new URL('./fixtures/freeze-probe.ts', import.meta.url));
/** This process's environment as a shell without KUBUS_FREEZE has it. */
const { KUBUS_FREEZE: _shell, ...BASE } = process.env;

// One server for the file, started by the first test that needs it (a promise: those tests run at once).
let started: Promise<NatsServer> | undefined;
const natsServer = () => (started ??= startNatsServer());
test.after.always(async () => {
  await (await started)?.stop('SIGKILL');
});

test('bus freeze (runner) - the test environment has KUBUS_FREEZE=1 unless the shell set it', (t) => {
  t.is(testEnv(BASE, true).KUBUS_FREEZE, '1');
  t.is(testEnv({ ...BASE, KUBUS_FREEZE: '0' }, true).KUBUS_FREEZE, '0', 'the shell’s choice stands');
  t.is(testEnv({ ...BASE, KUBUS_TEST_BUNDLES: '1' }, false).KUBUS_TEST_BUNDLES, '0');
});

const cases: [string, string, RegExp][] = [
  ['the test environment', testEnv(BASE, true).KUBUS_FREEZE!, /^threw TypeError$/m],
  ['KUBUS_FREEZE=0', '0', /^mutated$/m],
];
for (const [how, freeze, outcome] of cases) {
  test(`bus freeze (runner) - a child process started with ${how} gets ${freeze === '1' ? 'frozen' : 'plain'} messages from a NatsBus made without the option`, async (t) => {
    const server = await natsServer();
    const subject = `probe.${freeze}`;
    const probe = startNode(t, [PROBE, server.url, subject], { KUBUS_FREEZE: freeze });
    await probe.waitFor(/^ready$/m);
    const sender = await NatsBus.connect({ servers: server.url, name: 'sender' });
    t.teardown(() => sender.close());
    sender.publish(subject, { deep: { n: 1 } });
    await sender.flush();
    t.regex((await probe.waitFor(/^(mutated|threw \w+)$/m))[0], outcome);
  });
}

// Only under scripts/run.mjs (which sets KUBUS_TEST_BUNDLES either way): `ava test/x.test.ts` passes the shell's environment.
const underRunner = process.env.KUBUS_TEST_BUNDLES !== undefined;
(underRunner ? test : test.skip)('bus freeze (runner) - under npm test, a worker has KUBUS_FREEZE and its NatsBus freezes as it says', async (t) => {
  t.not(process.env.KUBUS_FREEZE, undefined, 'scripts/run.mjs sets it when the shell did not');
  const server = await natsServer();
  const [a, b] = await Promise.all(['a', 'b'].map((name) => NatsBus.connect({ servers: server.url, name })));
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const got: BusMessage[] = [];
  a.subscribe('x', (m) => got.push(m));
  await a.flush();
  b.publish('x', { deep: { n: 1 } });
  await waitFor(() => got.length === 1, 'delivered');
  t.is(Object.isFrozen((got[0].data as { deep: object }).deep), freezeFromEnv());
});
