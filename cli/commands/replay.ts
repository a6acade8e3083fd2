// `kubus replay FILE [--speed X]`: applies a recording's changes in order at their timings / X, as kwokctl's replay.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseRecording, RecordingFormatError } from '../../api/record-format.ts';
import { replay } from '../../runtime/record-replay.ts';
import { errorLine, UsageError, withSession, type GlobalOptions } from '../context.ts';

export function replayCommand(program: Command): void {
  program
    .command('replay')
    .description('Apply the changes of a `kubus record` file to the cluster, in order, with their timings')
    .argument('<file>', 'a file `kubus record` wrote')
    .option('--speed <x>', 'replay X times faster than recorded (default 1)', '1')
    .action(async (file: string, o: { speed: string }) => {
      const speed = Number(o.speed);
      if (!(speed > 0)) throw new UsageError(`--speed must be a positive number, got "${o.speed}"`);
      let changes;
      try {
        changes = parseRecording(readFileSync(file, 'utf8'));
      } catch (err) {
        if (err instanceof RecordingFormatError) throw new UsageError(`${file}: ${err.message}`);
        throw err;
      }
      let failed = 0;
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        await replay(client, changes, {
          speed,
          now: Date.now,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          onApplied: (c, i) =>
            process.stderr.write(`\r[${i + 1}/${changes.length}] +${(c.offsetMs / 1000).toFixed(1)}s ${c.type} ${c.resource}/${c.object.metadata.name}\x1b[K${i + 1 === changes.length ? '\n' : ''}`),
          onFailed: (c, i, err) => {
            failed++;
            process.stderr.write(`\nchange ${i + 1} (${c.type} ${c.resource}/${c.object.metadata.name}): ${errorLine(err)}\n`);
          },
        });
        console.log(`replayed ${changes.length - failed} of ${changes.length} changes from ${file}`);
      });
      if (failed) process.exitCode = 1;
    });
}
