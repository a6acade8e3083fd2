// The process logger: readable lines for a person, JSON for machines, the format chosen by flag,
// KUBUS_LOG_FORMAT or the terminal; and no key written twice on a line (the kubelet's `node`).
import test from 'ava';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { createLogger, LogFormatError, logFormat, type LogSink } from '../runtime/logger.ts';
import { startApi } from './helpers/api.ts';

/** A sink that keeps every line written to it. */
function capture(isTTY = false): LogSink & { lines: () => string[] } {
  let text = '';
  return {
    isTTY,
    write: (s: string) => void (text += s),
    lines: () => text.split('\n').filter(Boolean),
  };
}

const isJson = (line: string) => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

/** Runs `fn` with KUBUS_LOG_FORMAT set to `value` (or unset), synchronously, then puts it back. */
function withEnv<T>(value: string | undefined, fn: () => T): T {
  const old = process.env.KUBUS_LOG_FORMAT;
  if (value === undefined) delete process.env.KUBUS_LOG_FORMAT;
  else process.env.KUBUS_LOG_FORMAT = value;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.KUBUS_LOG_FORMAT;
    else process.env.KUBUS_LOG_FORMAT = old;
  }
}

test('logger - pretty mode writes human lines with the level, the actor and the message, not JSON', (t) => {
  const out = capture();
  const log = createLogger('info', {}, { format: 'pretty', destination: out });
  log.child({ actor: 'kubelet/node-0' }).warn({ lease: 'node-0' }, 'failed to renew lease; will retry');
  log.info('control plane running');
  log.debug('below the level');
  const lines = out.lines();
  t.is(lines.length, 2);
  t.false(lines.some(isJson));
  t.regex(lines[0], /WARN.*kubelet\/node-0: failed to renew lease; will retry/);
  t.regex(lines[0], /"lease":"node-0"/);
  t.regex(lines[1], /INFO.*control plane running/);
  // Not a terminal: no colour codes.
  t.false(lines.some((l) => l.includes('\u001b[')));
});

test('logger - json mode writes one JSON object per line with level, message and bindings', (t) => {
  const out = capture(true);
  const log = createLogger('info', { component: 'test' }, { format: 'json', destination: out });
  log.child({ actor: 'scheduler' }).error({ pod: 'default/a' }, 'bind failed');
  const lines = out.lines();
  t.is(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  t.like(entry, { level: 50, msg: 'bind failed', actor: 'scheduler', pod: 'default/a', component: 'test' });
});

test('logger - the format comes from the flag, else KUBUS_LOG_FORMAT, else pretty on a terminal and JSON off one', (t) => {
  withEnv(undefined, () => {
    t.is(logFormat(undefined, true), 'pretty');
    t.is(logFormat(undefined, false), 'json');
    t.is(logFormat('json', true), 'json');
    t.is(logFormat('pretty', false), 'pretty');
  });
  withEnv('json', () => {
    t.is(logFormat(undefined, true), 'json');
    t.is(logFormat('pretty', false), 'pretty');
    // No format given: the sink decides, unless the environment says otherwise.
    const out = capture(true);
    createLogger('info', {}, { destination: out }).info('hello');
    t.true(isJson(out.lines()[0]));
  });
  withEnv(undefined, () => {
    const tty = capture(true);
    createLogger('info', {}, { destination: tty }).info('hello');
    t.false(isJson(tty.lines()[0]));
    const pipe = capture(false);
    createLogger('info', {}, { destination: pipe }).info('hello');
    t.true(isJson(pipe.lines()[0]));
  });
});

test('logger - an unknown format is refused, naming where it came from', (t) => {
  t.throws(() => logFormat('yaml'), { instanceOf: LogFormatError, message: /"yaml".*pretty or json/ });
  withEnv('fancy', () => t.throws(() => logFormat(undefined), { instanceOf: LogFormatError, message: /KUBUS_LOG_FORMAT/ }));
});

test("logger - a kubelet's lines carry its node once", async (t) => {
  const out = capture();
  const log = createLogger('info', {}, { format: 'json', destination: out });
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const api = await startApi(t, { clock, log });
  api.process('node-1').start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1' });
  const said = (re: RegExp) => () => out.lines().some((l) => re.test(l));
  t.true(await clock.runUntil(said(/node registered/), clock.now() + 60_000));
  // The Node vanishes: the next status write registers it again, with a warning.
  const gone = api.client.delete('nodes', 'node-1');
  let deleted = false;
  void gone.finally(() => (deleted = true));
  await clock.runUntil(() => deleted, clock.now() + 60_000);
  await gone;
  t.true(await clock.runUntil(said(/node object missing/), clock.now() + 10 * 60_000));
  const kubelet = out.lines().filter((l) => l.includes('"actor":"kubelet/node-1"'));
  t.true(kubelet.length >= 2);
  for (const line of kubelet) t.is(line.split('"node":').length - 1, 1, line);
});
