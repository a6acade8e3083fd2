// The dashboard's cluster logs (issue 16) in a real headless Chromium (Debian's chromium through
// playwright-core) against `kubus up` (HTTPS gateway, the page opened by the printed link with its bearer
// token): the Logs page shows a Deployment's pods' lines prefixed `[pod/NAME/CONTAINER]`; the Deployment's
// Logs tab follows its selector and shows a replacement pod's new line; a deleted pod's lines still show;
// a bad `since` (400) and another namespace for a narrower token (403) show the gateway's Status as the
// page's other errors are shown; no other console errors.
// KUBUS_SCREENSHOTS=1 writes docs/images/dashboard-logs.png.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { collectProblems, ensureChromium, kubectlWith, launchChromium, PAGE_LOAD_MS, screenshot } from './helpers/browser.ts';
import { startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';
// @ts-expect-error: the dashboard's modules are plain browser JavaScript (no types); these helpers are pure.
import { linePrefix, logsHref, logsParams, podSelectorOf, selectorString } from '../ui/logs-cluster.js';

// Each pod writes two lines when its (simulated) container starts (after the sim's own start line).
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: logweb, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: logweb } }
  template:
    metadata:
      labels: { app: logweb }
      annotations: { sim.kubus.io/log-lines: "hello from logweb\\nready to serve" }
    spec: { containers: [{ name: app, image: registry.k8s.io/pause:3.10 }] }
`;

test('dashboard logs - line prefixes as kubus logs -l; a workload\'s selector as the API\'s string form; the Logs page\'s address', (t) => {
  const e = { node: 'n1', namespace: 'demo', pod: 'web-1', container: 'app', at: 0, stream: 'stdout', text: 'hi' };
  t.is(linePrefix(e, false), '[pod/web-1/app]');
  t.is(linePrefix(e, true), '[pod/demo/web-1/app]', 'across namespaces the namespace too, as kubus logs -l -A');
  const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'env', operator: 'NotIn', values: ['dev'] }, { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }] };
  t.is(selectorString(sel), 'app=web,tier in (a,b),env notin (dev),x,!y');
  t.is(podSelectorOf('Deployment', { spec: { selector: sel } }), 'app=web,tier in (a,b),env notin (dev),x,!y');
  t.is(podSelectorOf('Service', { spec: { selector: { app: 'web' } } }), 'app=web');
  t.is(podSelectorOf('Service', { spec: {} }), '', 'a Service without a selector: no Logs tab');
  t.is(podSelectorOf('Pod', { spec: {} }), '');
  const params = { namespace: 'demo', selector: 'app.kubernetes.io/name=web', since: '10m', follow: true, allContainers: false };
  t.is(logsHref(params), '#/logs?namespace=demo&selector=app.kubernetes.io%2Fname%3Dweb&since=10m&follow=true');
  t.deepEqual(logsParams(logsHref(params).slice('#/logs?'.length)), params);
  t.deepEqual(logsParams(''), { namespace: 'default', selector: '', since: '1h', follow: false, allContainers: false });
  const every = { ...params, namespace: '', follow: false };
  t.is(logsHref(every), '#/logs?namespace=&selector=app.kubernetes.io%2Fname%3Dweb&since=10m', 'every namespace stays every namespace');
  t.deepEqual(logsParams(logsHref(every).slice('#/logs?'.length)), every);
});

test('dashboard logs - a Deployment\'s pods\' lines on the Logs page and its Logs tab: followed, a deleted pod\'s kept', async (t) => {
  const missing = ensureChromium();
  if (missing) return t.fail(missing);
  const home = mkdtempSync(join(tmpdir(), 'kubus-dashboard-logs-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--http-port', '0', '--nodes', '2', '--log-level', 'warn'], { KUBUS_HOME: home, HOME: home });
  const [, kubeconfig] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m, 90_000);
  const [, link] = await up.waitFor(/^Dashboard .*: (https:\/\/127\.0\.0\.1:\d+\/ui\/#token=\S+)$/m, 30_000);
  const ui = `${new URL(link).origin}/ui/`;
  // Waits for a read's 'stored lines'; a timeout says what the page showed instead (still loading, or an error).
  const stored = async (p: Page) => {
    try {
      await p.locator('.logs-page .logs-state', { hasText: /stored lines/ }).waitFor({ timeout: 15_000 });
    } catch (err) {
      const shown = await p.locator('.logs-page .cluster-logs').innerText({ timeout: 1_000 }).catch(() => '(nothing)');
      throw new Error(`${(err as Error).message.split('\n')[0]}; the page showed: ${shown.slice(0, 500)}`);
    }
  };
  const kubectl = kubectlWith(kubeconfig, home);
  const running = async () => {
    const r = await kubectl(['get', 'pods', '-n', 'default', '-l', 'app=logweb', '--field-selector', 'status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}']);
    return r.out.split(/\s+/).filter((s) => /^logweb-/.test(s) && r.code === 0);
  };

  const browser = await launchChromium(t);
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  // The one request the test makes fail on purpose (since=soon) logs its 400; any other error counts.
  const problems = collectProblems(page, (m) => m.location().url.includes('since=soon') && m.text().includes('400'));
  await page.goto(link, { timeout: PAGE_LOAD_MS });
  await waitFor(() => !page.url().includes('token='), 'the token out of the address bar', 30_000, 20);

  const applied = await kubectl(['apply', '-f', '-'], DEPLOYMENT);
  t.is(applied.code, 0, applied.out);
  const pods = await waitFor(async () => {
    const names = await running();
    return names.length === 2 ? names : undefined;
  }, 'the 2 logweb pods Running', 60_000, 250);

  // The Logs page from the nav, its form filled in: each pod's lines, prefixed as `kubus logs -l` prints them.
  await page.locator('header nav a', { hasText: 'Logs' }).click();
  await page.locator('.logs-page h2', { hasText: 'Logs' }).waitFor({ timeout: 10_000 });
  await page.fill('.logs-form input[name=selector]', 'app=logweb');
  await page.fill('.logs-form input[name=since]', '10m');
  const log = page.locator('.logs-page pre.cluster-log');
  // The shipper sends a container's lines up to 1 s after the first: ask again (the Show button) until both pods' are in.
  const listed = await waitFor(async () => {
    await page.click('.logs-form button[name=show]');
    await stored(page);
    const text = await log.innerText();
    return pods.every((p) => text.includes(`[pod/${p}/app] ready to serve`)) ? text : undefined;
  }, 'both pods\' lines on the Logs page', 30_000, 500);
  for (const p of pods) t.deepEqual(listed.split('\n').filter((l) => l.startsWith(`[pod/${p}/`)), ['[sim] container app started (attempt 0)', 'hello from logweb', 'ready to serve'].map((l) => `[pod/${p}/app] ${l}`), listed);
  t.regex(page.url(), /#\/logs\?namespace=default&selector=app%3Dlogweb&since=10m$/, 'the read is in the address');

  // The Deployment's page: its Logs tab follows the Deployment's selector.
  await page.goto(`${ui}#/o/Deployment/default/logweb`);
  await page.getByRole('tab', { name: 'Logs' }).click({ timeout: 30_000 });
  t.is(await page.locator('.workload-logs input[name=selector]').inputValue(), 'app=logweb');
  await page.check('.workload-logs input[name=follow]');
  await page.click('.workload-logs button[name=show]');
  const tab = page.locator('.workload-logs pre.cluster-log');
  await page.locator('.workload-logs .logs-state', { hasText: /following/ }).waitFor({ timeout: 15_000 });
  await waitFor(async () => {
    const text = await tab.innerText();
    return pods.every((p) => text.includes(`[pod/${p}/app] ready to serve`));
  }, 'both pods\' lines in the followed tab', 30_000, 200);

  // A pod deleted: its replacement's lines arrive in the open follow, and the gone pod's stay.
  const [gone, kept] = pods;
  t.is((await kubectl(['delete', 'pod', gone, '-n', 'default', '--wait=false'])).code, 0);
  const replacement = await waitFor(async () => {
    const names = (await running()).filter((n) => !pods.includes(n));
    return names[0];
  }, 'the replacement pod Running', 60_000, 250);
  await waitFor(async () => (await tab.innerText()).includes(`[pod/${replacement}/app] ready to serve`), 'the replacement\'s new line in the followed tab', 30_000, 200);
  const followed = await tab.innerText();
  await screenshot(page, 'dashboard-logs.png');
  t.true(followed.includes(`[pod/${gone}/app] hello from logweb`) && followed.includes(`[pod/${kept}/app] hello from logweb`), followed);

  // Once the deleted pod is gone from the API, a new read (the Logs page, not following) still has its lines.
  await waitFor(async () => (await kubectl(['get', 'pod', gone, '-n', 'default'])).code !== 0, 'the deleted pod gone from the API', 60_000, 250);
  await page.goto(`${ui}#/logs?namespace=default&selector=app%3Dlogweb&since=10m`);
  await stored(page);
  const after = await log.innerText();
  for (const p of [gone, kept, replacement]) t.true(after.includes(`[pod/${p}/app] hello from logweb`), `${p}'s line after the delete (${after})`);

  // A bad parameter: the gateway's 400, shown as the page's other errors are.
  await page.goto(`${ui}#/logs?namespace=default&selector=app%3Dlogweb&since=soon`);
  t.regex(await page.locator('.logs-page p.error').innerText({ timeout: 15_000 }), /^since: Invalid value: "soon"/);

  // A token that may read only default's logs (the view role there): another namespace's answer is the gateway's 403.
  for (const args of [['create', 'serviceaccount', 'logviewer', '-n', 'default'], ['create', 'rolebinding', 'logviewer', '-n', 'default', '--clusterrole=view', '--serviceaccount=default:logviewer']]) {
    const r = await kubectl(args);
    t.is(r.code, 0, r.out);
  }
  const token = await kubectl(['create', 'token', 'logviewer', '-n', 'default']);
  t.is(token.code, 0, token.out);
  const viewer = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
  // Its narrower token is refused on purpose (the overview's cluster-wide lists, kube-system's logs): 403s are expected there.
  const viewerProblems = collectProblems(viewer, (m) => m.text().includes('status of 403'));
  await viewer.goto(`${ui}#token=${token.out.trim()}`, { timeout: PAGE_LOAD_MS });
  await waitFor(() => !viewer.url().includes('token='), 'the viewer token out of the address bar', 30_000, 20);
  await viewer.goto(`${ui}#/logs?namespace=default&selector=app%3Dlogweb&since=10m`);
  await stored(viewer);
  t.true((await viewer.locator('.logs-page pre.cluster-log').innerText()).includes(`[pod/${kept}/app] hello from logweb`), 'the viewer reads default\'s logs');
  await viewer.goto(`${ui}#/logs?namespace=kube-system&since=10m&follow=true`);
  t.regex(await viewer.locator('.logs-page p.error').innerText({ timeout: 15_000 }), /forbidden|cannot get resource/i);

  t.deepEqual(problems, [], 'no console errors');
  t.deepEqual(viewerProblems, [], 'no console errors on the viewer\'s page');
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 30_000);
});
