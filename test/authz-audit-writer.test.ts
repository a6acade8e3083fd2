// One audit writer per file in a process: the parts of a locked `kubus up` that audit (the API server
// and the gateway, each on its own connection and with its own auditor) share the file's one writer, so
// under concurrent writes every line is whole and the lines keep the order they were written in.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import { realClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { AuditLogWriter, openAudit } from '../runtime/audit-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-writer-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const event = (who: string, i: number): AuditEvent =>
  ({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `${who}-${i}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/configmaps/${'x'.repeat(4000)}`,
    verb: 'get',
    user: { username: who },
    stageTimestamp: '2026-12-06T00:00:00.000000Z',
  }) as unknown as AuditEvent;

test('audit writer - two auditors of one process share the file\'s writer; concurrent writes keep whole lines in write order', async (t) => {
  const file = join(dir, 'shared.log');
  // The same file named two ways (as two parts' options might): one writer.
  const a = openAudit({ auditLog: file }, realClock, seededRng(1), silentLogger);
  const b = openAudit({ auditLog: relative(process.cwd(), file) }, realClock, seededRng(2), silentLogger);
  t.is(a.writer, b.writer, 'one writer per file in a process');
  const order: string[] = [];
  // Interleaved bursts across many turns of the event loop, each line ~4 kB (several MB in all).
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 25; i++) {
      const n = round * 25 + i;
      a.writer.write(event('apiserver', n));
      b.writer.write(event('gateway', n));
      order.push(`apiserver-${n}`, `gateway-${n}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await a.writer.close();
  b.writer.write(event('gateway', 9999));
  order.push('gateway-9999');
  await b.writer.close();
  const lines = readFileSync(file, 'utf8').split('\n');
  t.is(lines.pop(), '', 'the file ends with a newline');
  const ids = lines.map((l) => (JSON.parse(l) as AuditEvent).auditID);
  t.deepEqual(ids, order, 'every line whole, in the order written, the last holder\'s line after the first closed');
  t.is(statSync(file).mode & 0o777, 0o600);
});

test('audit writer - once every holder closed, the next open gets a new writer that appends', async (t) => {
  const file = join(dir, 'reopen.log');
  const first = AuditLogWriter.forFile(file);
  first.write(event('a', 1));
  await first.close();
  const second = AuditLogWriter.forFile(file);
  t.not(second, first);
  second.write(event('a', 2));
  await second.close();
  t.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as AuditEvent).auditID), ['a-1', 'a-2']);
});
