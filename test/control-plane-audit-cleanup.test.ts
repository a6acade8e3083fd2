// A control plane whose start fails after the audit file was opened (no NATS to connect to) closes it:
// the writer is shared per file and refcounted, so a leaked hold would keep the file open for good.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../bus/types.ts';
import { AuditLogWriter } from '../runtime/audit-log.ts';
import { startControlPlane } from '../runtime/control-plane.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubus-cp-audit-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((done) => srv.close(() => done()));
  return port;
}

test('control plane - a start that fails after opening the audit log closes its hold on the writer', async (t) => {
  const file = join(dir, 'audit.log');
  const mine = AuditLogWriter.forFile(file, silentLogger);
  const nats = `nats://127.0.0.1:${await closedPort()}`;
  await t.throwsAsync(startControlPlane({ nats, actors: ['apiserver'], store: { kind: 'memory' }, clusterLogs: false, audit: { auditLog: file }, log: silentLogger }));
  await mine.close();
  // Every hold released: the file's writer is gone, and the next open makes a new one.
  const next = AuditLogWriter.forFile(file, silentLogger);
  t.teardown(() => next.close());
  t.not(next, mine, 'the failed start still holds the audit writer');
});
