// `kubus api-resources`: the kinds this API server serves, as kubectl lists them.
import type { Command } from 'commander';
import { allResources } from '../../api/resources.ts';
import { renderTable } from '../printers/index.ts';

export function apiResourcesCommand(program: Command): void {
  program
    .command('api-resources')
    .description('List the resource kinds the API serves, with short names and API versions')
    .action(() => {
      const rows = allResources()
        .map((r) => [r.plural, r.shortNames.join(','), r.apiVersion, String(r.namespaced), r.kind])
        .sort((a, b) => a[0].localeCompare(b[0]));
      process.stdout.write(renderTable(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], rows));
    });
}
