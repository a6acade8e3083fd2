// The dashboard's flow and bus views in a real headless Chromium (Debian's chromium through
// playwright-core) against `kubus up` (locked bus; the gateway on plain HTTP, every caller the admin):
// a pod created with kubectl shows the scheduler's bind in its flow diagram, a click on it shows its
// trace context and body, the bus view shows non-zero rates and actors' states, and no console errors.
// KUBUS_SCREENSHOTS=1 writes docs/images/flow.png and bus.png for the README.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectProblems, ensureChromium, kubectlWith, launchChromium, PAGE_LOAD_MS, screenshot } from './helpers/browser.ts';
import { startKubus } from './helpers/proc.ts';

const POD = `apiVersion: v1
kind: Pod
metadata: { name: flow-1, namespace: default }
spec: { containers: [{ name: c, image: registry.k8s.io/pause:3.10 }] }
`;

test('dashboard flow - a pod created with kubectl: its flow shows the scheduler\'s bind; the bus view shows rates', async (t) => {
  const missing = ensureChromium();
  if (missing) return t.fail(missing);
  const home = mkdtempSync(join(tmpdir(), 'kubus-flow-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home, HOME: home };
  const up = startKubus(t, ['up', '--insecure-http', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn'], env);
  const [, url] = await up.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/, 90_000);
  const [, kubeconfig] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);

  const kubectl = kubectlWith(kubeconfig, home);

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = collectProblems(page);

  const made = await kubectl(['create', '-f', '-'], POD);
  t.is(made.code, 0, made.out);

  await page.goto(`${url}/ui/#/o/Pod/default/flow-1`, { timeout: PAGE_LOAD_MS });
  await page.getByRole('tab', { name: 'Flow' }).click({ timeout: 30_000 });
  // The bind arrives in the diagram as the recorder gets it (the scheduler's `bind pods`, to the API server).
  const bind = page.locator('kubus-flow svg text.messageText', { hasText: 'bind pods' });
  await bind.first().waitFor({ timeout: 60_000 });
  t.true(await page.locator('kubus-flow svg').getByText('scheduler', { exact: true }).first().isVisible(), 'the scheduler is a lifeline');
  await bind.first().click();
  const panel = page.locator('kubus-flow .flow-message');
  await panel.getByText('traceparent').waitFor({ timeout: 10_000 });
  t.regex(await panel.innerText(), /00-[0-9a-f]{32}-[0-9a-f]{16}-01/);
  t.regex(await panel.innerText(), /kubus\.api\.pods\.bind/);
  // Its body: the pod as the bind left it, read back from the store's history at the rv its watch event carried.
  await panel.locator('.flow-body pre').waitFor({ timeout: 15_000 });
  t.regex(await panel.locator('.flow-body').innerText(), /after this request[\s\S]*nodeName: node-0/);
  await screenshot(page.locator('kubus-flow'), 'flow.png');

  await page.goto(`${url}/ui/#/bus`);
  // Some subject's rate above 0.0 msg/s (leases, status updates, watches keep the bus busy).
  const someRate = `[...document.querySelectorAll('kubus-bus-view table.bus-rates tbody tr td.num:nth-child(2)')].some((td) => Number(td.textContent) > 0)`;
  await page.waitForFunction(someRate, undefined, { timeout: 30_000 });
  t.true(await page.locator('kubus-bus-view table.bus-rates tr[data-name="apiserver"]').count() === 1, 'the API server is counted as an actor');
  await page.locator('kubus-bus-view table.bus-states tr[data-actor]').first().waitFor({ timeout: 30_000 });
  await screenshot(page.locator('kubus-bus-view'), 'bus.png');
  t.deepEqual(problems, [], 'no console errors');
  // Each identity's connection keeps its own spans (a locked `kubus up` runs one per component).
  t.notRegex(up.output(), /dropped spans of actors the publishing identity does not run/);

  // How live: a flow stream opened before the pod exists gets the scheduler's bind this long after kubectl returns.
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const res = await fetch(`${url}/ui/api/flows?kind=Pod&namespace=default&name=flow-2`, { signal: abort.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const sawBind = (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buf += value;
      if (/"kind":"bind pods"/.test(buf)) return true;
    }
  })();
  const second = await kubectl(['create', '-f', '-'], POD.replace('flow-1', 'flow-2'));
  t.is(second.code, 0, second.out);
  const created = Date.now();
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000).unref());
  t.true(await Promise.race([sawBind, timeout]), 'the bind reaches the flow stream');
  t.log(`bind in the flow stream ${Date.now() - created} ms after kubectl create returned`);
  abort.abort();
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 30_000);
});
