// `kubus kubeconfig`: the kubeconfig of the running cluster (context `kubus`), for kubectl and client libraries.
import type { Command } from 'commander';
import { readClusterInfo } from '../../runtime/connection.ts';
import { kubeconfigFor, kubeconfigPath } from '../../runtime/kubeconfig.ts';

export function kubeconfigCommand(program: Command): void {
  program
    .command('kubeconfig')
    .description(`Print the kubeconfig of the cluster \`kubus up\` runs (also written to ${kubeconfigPath()}; ~/.kube/config is never touched)`)
    .action(() => {
      const info = readClusterInfo();
      if (!info?.gateway) throw new Error('no running cluster with an HTTP gateway: start one with `kubus up`');
      process.stdout.write(kubeconfigFor(info.gateway));
    });
}
