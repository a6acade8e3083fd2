// The trace context follows awaits by default; a process that records no trace can keep it for the
// synchronous part of a handler only (bus/trace.ts followAwaits).
import test from 'ava';
import { currentContext, followAwaits, runHandling, stampHeaders, TRACEPARENT } from '../bus/trace.ts';

const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
const hex = (bytes: number) => 'c'.repeat(2 * bytes);

/** Returns the context and stamped headers seen inside a handler, before and after one await. */
async function seen() {
  let before: ReturnType<typeof currentContext>;
  let beforeHeaders: Record<string, string> | undefined;
  const after = await runHandling({ span, actor: 'kubelet/n1' }, async () => {
    before = currentContext();
    beforeHeaders = stampHeaders(undefined, hex, 'node/n1');
    await null;
    return { ctx: currentContext(), headers: stampHeaders(undefined, hex, 'node/n1') };
  });
  return { before: before!, beforeHeaders: beforeHeaders!, after };
}

test.serial('trace - followAwaits(false) keeps the context for the synchronous part of a handler only', async (t) => {
  t.teardown(() => followAwaits(true));
  const a = await seen();
  t.is(a.after.ctx?.actor, 'kubelet/n1', 'by default the context follows the await');
  t.true(a.after.headers[TRACEPARENT].startsWith(`00-${span.traceId}-`));

  followAwaits(false);
  const b = await seen();
  t.is(b.before.actor, 'kubelet/n1');
  t.true(b.beforeHeaders[TRACEPARENT].startsWith(`00-${span.traceId}-`), 'before the await: a child of the message');
  t.is(b.after.ctx, undefined, 'after the await: no context');
  t.is(b.after.headers[TRACEPARENT], `00-${'c'.repeat(32)}-${'c'.repeat(16)}-01`, 'a trace of its own');
  t.is(b.after.headers['kubus-actor'], 'node/n1', 'the connection is named as the sender');
  t.is(currentContext(), undefined, 'nothing left behind after the handler');

  followAwaits(true);
  const c = await seen();
  t.is(c.after.ctx?.actor, 'kubelet/n1', 'switched back: the context follows awaits again');
});

test('stamped headers keep the given headers as own keys, in order, before the two of the bus', (t) => {
  const given = JSON.parse('{"__proto__":"x","a":"1"}') as Record<string, string>;
  const h = stampHeaders(given, hex, 'node/n1');
  t.deepEqual(Object.keys(h), ['__proto__', 'a', TRACEPARENT, 'kubus-actor']);
  t.is(Object.getPrototypeOf(h), Object.prototype);
  const inherited = Object.create({ inherited: 'no' }) as Record<string, string>;
  inherited.own = 'yes';
  t.deepEqual(Object.keys(stampHeaders(inherited, hex, 'node/n1')), ['own', TRACEPARENT, 'kubus-actor']);
  // A traceparent given is kept, not replaced.
  t.is(stampHeaders({ [TRACEPARENT]: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` }, hex, 'node/n1')[TRACEPARENT], `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`);
});
