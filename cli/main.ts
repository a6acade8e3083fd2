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
import { imageCommand } from './commands/image.ts';
import { kubeconfigCommand } from './commands/kubeconfig.ts';
import { logsCommand } from './commands/logs.ts';
import { portForwardCommand } from './commands/port-forward.ts';
import { recordCommand } from './commands/record.ts';
import { replayCommand } from './commands/replay.ts';
import { rolloutCommand } from './commands/rollout.ts';
import { scaleCommand } from './commands/scale.ts';
import { scenarioCommand } from './commands/scenario.ts';
import { setImageCommand } from './commands/set-image.ts';
import { statusCommand } from './commands/status.ts';
import { traceCommand } from './commands/trace.ts';
import { upCommand } from './commands/up.ts';
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

withCustomResources(program);
upCommand(program);
applyCommand(program);
createCommands(program);
getCommand(program);
deleteCommand(program);
explainCommand(program);
scaleCommand(program);
rolloutCommand(program);
setImageCommand(program);
statusCommand(program);
apiResourcesCommand(program);
kubeconfigCommand(program);
credentialsCommand(program);
scenarioCommand(program);
traceCommand(program);
imageCommand(program);
execCommand(program);
logsCommand(program);
portForwardCommand(program);
recordCommand(program);
replayCommand(program);

program.parseAsync(process.argv).then(
  () => {
    // One-shot commands end here; their connections are closed, so the process exits on its own.
  },
  (err: unknown) => {
    console.error(errorLine(err));
    process.exit(1);
  },
);
