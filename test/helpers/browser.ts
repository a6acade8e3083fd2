// The dashboard's Chromium tests' common parts: Debian's chromium (installed through scripts/ensure.mjs)
// launched headless through playwright-core, a page's console errors collected, kubectl run against
// `kubus up`'s kubeconfig, and the README's screenshots written only when KUBUS_SCREENSHOTS=1.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecutionContext } from 'ava';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { KUBECTL, ROOT } from './proc.ts';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * The bound on a page's first load (page.goto): at CI's load (10-25 on 2 cores) the dashboard's first load took
 * up to ~25 s, near Playwright's default 30 s; an idle machine loads it in under a second.
 */
export const PAGE_LOAD_MS = 90_000;

/** True when this run writes docs/images/*.png (KUBUS_SCREENSHOTS=1); otherwise the committed images stay as they are. */
export const SHOTS = process.env.KUBUS_SCREENSHOTS === '1';

/** Installs Chromium through the project's own script when missing; returns why not, if it cannot. */
export function ensureChromium(): string | undefined {
  const ensure = pathToFileURL(join(ROOT, 'scripts', 'ensure.mjs')).href;
  const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(ensure)}).then((m) => process.exit(m.ensureChromium() ? 0 : 1))`], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? undefined : `Chromium is needed and could not be installed (root with apt-get, or: apt-get install -y chromium): ${r.stderr.trim()}`;
}

/** Launches headless Chromium; it is closed in teardown. */
export async function launchChromium(t: ExecutionContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * Returns the list `page`'s console errors and uncaught exceptions are added to as they happen (a test
 * ends with `t.deepEqual(problems, [])`); `expected(m)` passes an error the test causes on purpose.
 */
export function collectProblems(page: Page, expected: (m: ConsoleMessage) => boolean = () => false): string[] {
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && !expected(m) && problems.push(`console: ${m.text()} (${m.location().url})`)));
  page.on('pageerror', (e) => void problems.push(`page: ${e.message}`));
  return problems;
}

export type Kubectl = (args: string[], stdin?: string) => Promise<{ code: number; out: string }>;

/** Returns a runner of the real kubectl against `kubeconfig` (its cache under `home`); it never rejects. */
export function kubectlWith(kubeconfig: string, home: string): Kubectl {
  return (args, stdin) =>
    new Promise((resolve) => {
      const c = execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: stdout + stderr }),
      );
      c.stdin!.on('error', () => {}); // kubectl may exit before it reads stdin; its exit code says why
      c.stdin!.end(stdin);
    });
}

/** Writes docs/images/`file` from `target` when SHOTS; otherwise does nothing. */
export async function screenshot(target: Page | Locator, file: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
  await target.screenshot({ path: join(ROOT, 'docs', 'images', file), ...opts });
}
