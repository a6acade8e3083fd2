// Types of test-bundle.mjs (plain JavaScript: scripts/run.mjs and the ava configs import it).
import type { BuildOptions, BuildResult } from 'esbuild';

/** Where the bundles go (absolute). */
export declare const OUT: string;
/** Returns the bundle of a test source path relative to the root (test/x.test.ts -> build/tests/test/x.test.mjs). */
export declare function bundleOf(file: string): string;
/** Returns the test source a bundle was built from, relative to the root. */
export declare function sourceOf(file: string): string;
/** Returns esbuild's result (nothing written) of bundling `entries` as npm test does; `options` override. */
export declare function bundle(entries: string[], options?: BuildOptions): Promise<BuildResult<{ write: false }>>;
/** Builds the bundles unless up to date; returns whether it built. */
export declare function ensureTestBundles(): Promise<boolean>;
/** Returns ava settings turned to the bundles when KUBUS_TEST_BUNDLES=1, otherwise `config` itself. */
export declare function bundledConfig<C extends { files: string[]; require: string[]; nodeArguments: string[] }>(config: C): C & { extensions?: string[] };
