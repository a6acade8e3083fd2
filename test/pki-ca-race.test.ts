// Two processes making the CA on a fresh kubus home at once end with one CA: its certificate matches its key.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './fixtures/store-helpers.ts';

const PKI = fileURLToPath(new URL('../runtime/pki.ts', import.meta.url));

test('pki - concurrent CA creation leaves one matching ca.key and ca.crt, and no temp dirs', async (t) => {
  const home = await tempDir(t);
  const dir = join(home, 'pki');
  const script = `import { ensureCA } from ${JSON.stringify(PKI)}; const ca = ensureCA(${JSON.stringify(dir)}); process.stdout.write(ca.cert);`;
  const runs = [1, 2, 3, 4].map(async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const [code] = await once(child, 'exit');
    t.is(code, 0);
    return out;
  });
  const certs = await Promise.all(runs);
  const cert = await readFile(join(dir, 'ca.crt'), 'utf8');
  t.true(new X509Certificate(cert).checkPrivateKey(createPrivateKey(await readFile(join(dir, 'ca.key'), 'utf8'))));
  t.deepEqual(certs, [cert, cert, cert, cert], 'every process uses the CA that won');
  t.deepEqual(await readdir(home), ['pki']);
});
