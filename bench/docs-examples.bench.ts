// Do the Kubernetes documentation's example manifests apply to kubus as to a v1.32 cluster? Applies every
// manifest under --dir (a copy of kubernetes/website's content/en/examples) with the real kubectl
// (`apply --dry-run=server`, one file at a time) to an in-process API server and gateway, and prints each
// file's verdict, the totals and the rejected files grouped by reason.
// Run: npm run bench -- docs-examples --dir DIR [--concurrency N]
import { existsSync } from 'node:fs';
import { arg } from './report.ts';
import { checkDir, formatReport, startDocsCluster } from './docs-examples.ts';

const DIR = arg('dir', '');
const CONCURRENCY = arg('concurrency', 4);
if (!DIR || !existsSync(DIR)) {
  console.error('usage: npm run bench -- docs-examples --dir DIR [--concurrency N]  (DIR: a copy of kubernetes/website content/en/examples)');
  process.exit(2);
}

const cluster = await startDocsCluster();
try {
  const started = performance.now();
  const results = await checkDir(cluster, DIR, CONCURRENCY);
  console.log(formatReport(results));
  console.log(`\n${results.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await cluster.stop();
}
process.exit(0);
