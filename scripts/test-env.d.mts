// Types of test-env.mjs (plain JavaScript: scripts/run.mjs imports it before anything is bundled).

/** Returns the environment ava runs in: `env`, KUBUS_TEST_BUNDLES per `bundled`, and KUBUS_FREEZE=1 unless `env` sets it. */
export declare function testEnv(env: Record<string, string | undefined>, bundled: boolean): Record<string, string | undefined>;
