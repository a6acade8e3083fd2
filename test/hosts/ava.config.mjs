// ava for `npm run test:hosts`: only the multi-host tests, one file at a time (each builds its
// own hosts and a whole cluster; two at once on a 2-core machine would distort their timings).
import { readFileSync } from 'node:fs';
import { bundledConfig } from '../../scripts/test-bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

export default {
  ...bundledConfig({ ...pkg.ava, files: ['test/hosts/**/*.test.ts'] }),
  concurrency: 1,
  timeout: '150s',
};
