// The environment `npm test` and `npm run test:hosts` give ava: its workers inherit it, and so do the
// kubus processes and nats clients they start.

/**
 * Returns `env` for ava's run. KUBUS_TEST_BUNDLES is set either way: a KUBUS_TEST_BUNDLES=1 from the
 * shell must not point ava at stale bundles. KUBUS_FREEZE=1 unless `env` sets it: every NatsBus then
 * freezes what it delivers (as MemoryBus always does), so a handler that mutates a received message
 * fails its test. Only here: `npm start` and `kubus up` skip the walk per message.
 */
export function testEnv(env, bundled) {
  return { KUBUS_FREEZE: '1', ...env, KUBUS_TEST_BUNDLES: bundled ? '1' : '0' };
}
