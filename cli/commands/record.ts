// `kubus record -o FILE`: the cluster's change feed with its timings, as kwokctl's record (JSON lines: api/record-format.ts).
import type { Command } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { DEFAULT_RECORDED, startRecorder } from '../../runtime/record.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { resolveResource } from '../resources.ts';

interface RecordOptions {
  output?: string;
  namespace?: string;
  resources?: string;
}

export function recordCommand(program: Command): void {
  program
    .command('record')
    .description("Record the cluster's changes (list, then watch) with their timings into a file, until Ctrl-C")
    .requiredOption('-o, --output <file>', 'the file to write (JSON lines: one change per line)')
    .option('-n, --namespace <ns>', "only this namespace's objects (cluster-scoped resources are recorded whole)")
    .option('--resources <list>', `comma-separated resources (default: ${DEFAULT_RECORDED.join(',')})`)
    .action(async (o: RecordOptions) => {
      const names = o.resources ? o.resources.split(',').filter(Boolean) : DEFAULT_RECORDED;
      if (!names.length) throw new UsageError('--resources needs at least one resource');
      const resources = names.map((n) => resolveResource(n).plural);
      const fd = openSync(o.output!, 'w');
      try {
        await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
          let shown = -1;
          const progress = (final = false) => {
            if (recorder.count === shown && !final) return;
            shown = recorder.count;
            process.stderr.write(`\rrecording to ${o.output}: ${shown} changes${final ? '\n' : ''}`);
          };
          const recorder = await startRecorder(client, {
            resources,
            namespace: o.namespace,
            now: Date.now,
            write: (line) => writeSync(fd, line),
            onError: (resource, message) => process.stderr.write(`\nerror: ${resource}: ${message}\n`),
          });
          const timer = setInterval(progress, 500);
          await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
          clearInterval(timer);
          recorder.stop();
          progress(true);
        });
      } finally {
        closeSync(fd);
      }
    });
}
