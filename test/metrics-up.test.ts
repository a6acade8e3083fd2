// `kubus up` as a user runs it: the metrics server runs with the controller manager, so after two
// scrapes (15 s apart) the real kubectl's `top pods` and `top nodes` print figures for sim pods,
// through the HTTPS gateway with the admin's certificate (RBAC-checked).
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KUBECTL, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const kubectl = (home: string, kubeconfig: string, args: string[], input?: string) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });

test('metrics up - kubus up: kubectl top pods and top nodes print the sim pods\' usage', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-metrics-up-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn'], { KUBUS_HOME: home, HOME: home });
  const [, kubeconfig] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m, 60_000);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'busy', namespace: 'default', annotations: { 'sim.kubus.io/cpu-usage': '300m', 'sim.kubus.io/memory-usage': '32Mi' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  };
  const made = await kubectl(home, kubeconfig, ['apply', '-f', '-'], stringify(pod));
  t.is(made.code, 0, made.stderr);
  let top = { code: 1, stdout: '', stderr: '' };
  // Two scrapes 15 s apart make the first rate.
  await waitFor(async () => ((top = await kubectl(home, kubeconfig, ['top', 'pods'])), /^busy\s/m.test(top.stdout)), 'kubectl top pods shows busy', 60_000, 1000);
  t.regex(top.stdout, /^busy\s+300m\s+32Mi\s*$/m, top.stdout);
  // The node's rate covers its whole window: the scrape window the pod started in shows less than 300m, the next one all of it.
  let nodes = { code: 1, stdout: '', stderr: '' };
  await waitFor(async () => ((nodes = await kubectl(home, kubeconfig, ['top', 'nodes'])), /^node-0\s+300m\s/m.test(nodes.stdout)), 'kubectl top nodes shows node-0 at 300m', 40_000, 1000);
  t.regex(nodes.stdout, /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s*\nnode-0\s+300m\s+\d+%\s+32Mi\s+\d+%\s*$/m, nodes.stdout);
});
