// The `kubus` command line.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { apiResourcesCommand } from './commands/api-resources.ts';
import { applyCommand } from './commands/apply.ts';
import { createCommands } from './commands/create.ts';
import { credentialsCommand } from './commands/credentials.ts';
import { deleteCommand } from './commands/delete.ts';
import { explainCommand } from './commands/explain.ts';
import { execCommand } from './commands/exec.ts';
import { getCommand } from './commands/get.ts';
import { kubeconfigCommand } from './commands/kubeconfig.ts';
import { logsCommand } from './commands/logs.ts';
import { portForwardCommand } from './commands/port-forward.ts';
import { rolloutCommand } from './commands/rollout.ts';
import { scaleCommand } from './commands/scale.ts';
import { setImageCommand } from './commands/set-image.ts';
import { statusCommand } from './commands/status.ts';
import { traceCommand } from './commands/trace.ts';
import { errorLine } from './context.ts';
import { withCustomResources } from './custom-resources.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('kubus')
  .description('A Kubernetes-style cluster as XState actors on a NATS bus')
  .version(pkg.version)
  .option(
    '--nats <url>',
    'NATS server URL(s), comma-separated (default: $KUBUS_NATS, else the cluster `kubus up` started, else nats://127.0.0.1:4222)',
  )
  .showHelpAfterError('(run kubus --help for usage)');

type Register = (program: Command) => void;

/**
 * Commands whose modules pull in the whole cluster (actors, runtimes, gRPC; esbuild's split chunks of
 * them), with the command names each registers: a module is loaded only when the command line names
 * one of its commands, or names no lighter command (help, --version, an unknown command). `kubus get`
 * then starts in ~0.4 s of CPU instead of ~0.9 s.
 */
const heavy: Record<string, { names: string[]; load: () => Promise<Register> }> = {
  up: { names: ['up', 'control-plane', 'node'], load: async () => (await import('./commands/up.ts')).upCommand },
  scenario: { names: ['scenario'], load: async () => (await import('./commands/scenario.ts')).scenarioCommand },
  image: { names: ['image'], load: async () => (await import('./commands/image.ts')).imageCommand },
  record: { names: ['record'], load: async () => (await import('./commands/record.ts')).recordCommand },
  replay: { names: ['replay'], load: async () => (await import('./commands/replay.ts')).replayCommand },
};
/** Every command in the order of `kubus --help`: a register function, or the key of a heavy one. */
const order: (Register | string)[] = [
  'up', applyCommand, createCommands, getCommand, deleteCommand, explainCommand, scaleCommand, rolloutCommand,
  setImageCommand, statusCommand, apiResourcesCommand, kubeconfigCommand, credentialsCommand, 'scenario', traceCommand,
  'image', execCommand, logsCommand, portForwardCommand, 'record', 'replay',
];

// The command is the first argument that names one (after global options such as --nats URL).
const probe = new Command();
for (const r of order) if (typeof r !== 'string') r(probe);
const names = new Map<string, string | undefined>(probe.commands.map((c) => [c.name(), undefined]));
for (const [key, h] of Object.entries(heavy)) for (const n of h.names) names.set(n, key);
const named = process.argv.slice(2).find((a) => names.has(a));
const wanted = named === undefined ? Object.keys(heavy) : [names.get(named)].filter((k) => k !== undefined);
const loaded = new Map(await Promise.all(wanted.map(async (k) => [k, await heavy[k].load()] as const)));
withCustomResources(program);
for (const r of order) {
  if (typeof r !== 'string') r(program);
  else loaded.get(r)?.(program);
}

program.parseAsync(process.argv).then(
  () => {
    // One-shot commands end here; their connections are closed, so the process exits on its own.
  },
  (err: unknown) => {
    console.error(errorLine(err));
    process.exit(1);
  },
);
