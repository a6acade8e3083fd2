// `kubus kubeconfig`: the kubeconfig of the running cluster (context `kubus`), for kubectl and client libraries.
// It embeds the kubus CA and a client certificate it issues (CN = user, O = groups, as upstream reads them).
import type { Command } from 'commander';
import { readClusterInfo } from '../../runtime/connection.ts';
import { kubeconfigFor, kubeconfigPath } from '../../runtime/kubeconfig.ts';
import { ADMIN, ensureCA, issue, pkiDir } from '../../runtime/pki.ts';
import { UsageError } from '../context.ts';

const collect = (v: string, all: string[] = []) => [...all, v];

export function kubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description(`Print the kubeconfig of the cluster \`kubus up\` runs (its admin's is also written to ${kubeconfigPath()}; ~/.kube/config is never touched), or of the gateway at --server. The kubus CA and a new client certificate are embedded, so the file alone is enough (not for a gateway started with --insecure-http)`)
    .option('--server <url>', 'the gateway of a `kubus control-plane` (https://HOST:PORT; its CA is the one under this KUBUS_HOME), instead of the cluster `kubus up` runs')
    .option('--user <name>', `issue the client certificate for this user (its CN; default ${ADMIN.cn}, in group ${ADMIN.orgs[0]})`)
    .option('--group <group>', 'a group of --user (its O; repeat for more)', collect)
    .option('--days <n>', 'days the client certificate is valid', (v) => Number(v), 365)
    .action((opts: { user?: string; group?: string[]; days: number; server?: string }) => {
      const server = opts.server ?? readClusterInfo()?.gateway;
      if (!server) throw new Error('no running cluster with an HTTP gateway: start one with `kubus up`, or name one with --server');
      if (!/^https?:\/\//.test(server)) throw new UsageError(`--server wants a URL (https://HOST:PORT), not ${JSON.stringify(server)}`);
      if (opts.group && !opts.user) throw new UsageError('--group needs --user');
      if (!Number.isInteger(opts.days) || opts.days < 1) throw new UsageError('--days wants a whole number of days ≥ 1');
      if (!server.startsWith('https:')) {
        if (opts.user) throw new UsageError('the gateway serves plain HTTP (--insecure-http), where every caller is the admin: start it without --insecure-http to issue users');
        process.stdout.write(kubeconfigFor(server));
        return;
      }
      const ca = ensureCA(pkiDir(), false);
      const who = opts.user ? { cn: opts.user, orgs: opts.group ?? [] } : ADMIN;
      process.stdout.write(kubeconfigFor(server, { ca: ca.cert, ...issue(ca, { ...who, usage: 'client', days: opts.days }) }));
    });
}
