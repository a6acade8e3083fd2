// `kubus credentials` and `kubus bus-config`: hand each host of a locked bus its own identity, and the
// NATS hosts the configuration that knows them all (public keys and permissions only).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseIdentity } from '../../bus/identity.ts';
import { authorizationConfig, clusterIdentities, ensureCredentials, knownCredentials, tlsConfig } from '../../runtime/bus-auth.ts';
import { UsageError } from '../context.ts';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function credentialsCommand(program: Command): void {
  program
    .command('credentials')
    .description('Print the bus credentials of one identity (made under $KUBUS_HOME/bus the first time, 0600): give the file to the host that runs it as KUBUS_CREDS. Identities: apiserver, scheduler, controller-manager, gateway, tracer, admin, node/<name>')
    .requiredOption('--identity <identity>', 'e.g. node/n1, scheduler, admin')
    .option('-o, --output <file>', 'write the credentials to FILE (mode 0600; an existing file is never overwritten) instead of stdout')
    .action((opts: { identity: string; output?: string }) => {
      try {
        parseIdentity(opts.identity);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const text = JSON.stringify(ensureCredentials(opts.identity), null, 2) + '\n';
      if (!opts.output) return void process.stdout.write(text);
      try {
        writeFileSync(opts.output, text, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${opts.output} exists; kubus credentials never overwrites a file (remove it first)`);
        throw err;
      }
      console.error(`credentials of ${opts.identity} written to ${opts.output} (0600)`);
    });
  program
    .command('bus-config')
    .description("Print the nats-server configuration of a locked bus: every identity with credentials under $KUBUS_HOME/bus (and those named here, made now) with its permissions, and TLS with a certificate from the kubus CA for --host. Include it in each NATS host's config; restart (or reload) nats-server after adding identities")
    .option('--nodes <names>', 'comma-separated node names to make credentials for as well', list, [])
    .option('--host <names>', 'comma-separated host names or addresses the NATS servers answer on (the TLS certificate names them)', list, [])
    .action((opts: { nodes: string[]; host: string[] }) => {
      for (const id of clusterIdentities(opts.nodes)) ensureCredentials(id);
      process.stdout.write([...authorizationConfig(knownCredentials()), ...tlsConfig(opts.host)].join('\n') + '\n');
    });
}
