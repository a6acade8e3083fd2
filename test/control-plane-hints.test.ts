// The hints `kubus control-plane` prints: a kubeconfig --server the gateway's certificate holds.
import test from 'ava';
import { hostIPv4 } from '../actors/lib/host-address.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../bus/types.ts';
import { reachableUrl, sharedCA } from '../cli/commands/up.ts';
import { gatewaySans } from '../runtime/pki.ts';

test('control-plane hints - a 0.0.0.0 or :: gateway is printed at this host\'s IPv4, a name in its certificate', (t) => {
  const ip = hostIPv4();
  t.is(reachableUrl('https://0.0.0.0:8080'), `https://${ip}:8080`);
  t.is(reachableUrl('https://[::]:6443'), `https://${ip}:6443`);
  t.true(gatewaySans('0.0.0.0').includes(ip));
  t.is(reachableUrl('https://127.0.0.1:8080'), 'https://127.0.0.1:8080', 'a named host is kept');
});

test('control-plane hints - making a new CA warns once to copy $KUBUS_HOME/pki; an existing CA is quiet', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-cp-hints-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') };
  const first = sharedCA(log, join(home, 'pki'));
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /copy \$KUBUS_HOME\/pki from the first host/);
  t.is(sharedCA(log, join(home, 'pki')).cert, first.cert);
  t.is(warnings.length, 1, 'the second start finds the CA and says nothing');
});
