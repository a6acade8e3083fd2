// The test workers' TypeScript loader (package.json ava.nodeArguments), in place of tsx's: each
// module is compiled by esbuild alone (our imports name their .ts files; tsconfig says
// isolatedModules and verbatimModuleSyntax), and the output is kept in .cache/ts by content.
// Why: Node 20 calls loader hooks on another thread for every module, and tsx's resolve and load
// hooks cost more there. Importing test/helpers/cluster.ts (500 of our modules): 1.4 s of CPU
// this way, 2.0 s through tsx (3 runs each, interleaved), and every test file's worker pays it.
// Processes the tests start with `--import tsx`, and scenarios/load.ts's tsImport, keep tsx.
// `npm test` runs bundles instead (scripts/test-bundle.mjs); this loader serves `ava test/x.test.ts`.
import { register } from 'node:module';

register('./test-loader-hooks.mjs', import.meta.url);
