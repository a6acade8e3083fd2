// `kubus image`: images for real workloads without a registry: `build` writes the busybox or pause
// image archive offline, `import` loads an archive into the containerd of each node of the local
// cluster (as recorded by the node processes), or into the one at --cri-endpoint.
import type { Command } from 'commander';
import { readContainerdRecords } from '../../runtime/containerd-record.ts';
import { BUSYBOX_IMAGES, buildBusyboxImage, buildPauseImage } from '../../runtime/images/busybox-image.ts';
import { importImage } from '../../runtime/images/import-image.ts';
import { PAUSE_IMAGE } from '../../runtime/containerd-config.ts';
import { UsageError } from '../context.ts';

/** Thrown when no containerd to import into is known. */
export class NoContainerdError extends Error {
  override name = 'NoContainerdError';
}

const BUILDS: Record<string, { names: string[]; build: (out: string, names: string[]) => string }> = {
  busybox: { names: BUSYBOX_IMAGES, build: (out, names) => buildBusyboxImage(out, names) },
  pause: { names: [PAUSE_IMAGE], build: (out, names) => buildPauseImage(out, names[0]) },
};

/** Returns the sockets to import into: --cri-endpoint, else the recorded node containerds (only --node ones when given). */
export function importTargets(o: { node?: string[]; criEndpoint?: string }): { node: string; socket: string }[] {
  if (o.criEndpoint) return [{ node: o.criEndpoint, socket: o.criEndpoint.replace(/^unix:\/\//, '') }];
  const records = readContainerdRecords();
  const wanted = o.node?.length ? records.filter((r) => o.node!.includes(r.node)) : records;
  const missing = (o.node ?? []).filter((n) => !records.some((r) => r.node === n));
  if (missing.length) throw new NoContainerdError(`no running containerd recorded for node ${missing.join(', ')} (recorded: ${records.map((r) => r.node).join(', ') || 'none'})`);
  if (!wanted.length) {
    throw new NoContainerdError('no node process of a local cluster runs containerd: start nodes with the containerd runtime, or pass --cri-endpoint unix:///PATH/containerd.sock');
  }
  return wanted.map((r) => ({ node: r.node, socket: r.endpoint.replace(/^unix:\/\//, '') }));
}

export function imageCommand(program: Command): void {
  const image = program.command('image').description('Build image archives offline and import them into the nodes’ containerd');
  image
    .command('import')
    .argument('<file>', 'an image archive (OCI layout or docker save), e.g. from `kubus image build`')
    .description('Import an image archive into the containerd of every node of the local cluster (or of --node ones)')
    // Repeated rather than variadic, so `--node N FILE` does not take FILE for a node.
    .option('--node <name>', 'only this node (repeat for more)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--cri-endpoint <endpoint>', 'a containerd socket (unix:///…) instead of the recorded nodes')
    .action(async (file: string, o: { node?: string[]; criEndpoint?: string }) => {
      for (const t of importTargets(o)) {
        const names = await importImage(t.socket, file);
        console.log(`${t.node}: imported ${names.join(', ') || '(no named image)'}`);
      }
    });
  image
    .command('build')
    .argument('<image>', `one of ${Object.keys(BUILDS).join(', ')} (from busybox-static's /bin/busybox)`)
    .description('Write an OCI image archive built offline, for `kubus image import`')
    .requiredOption('-o, --output <file>', 'the archive to write')
    .option('--name <ref>', 'image names (default: busybox → docker.io/library/busybox:latest and :1.35; pause → registry.k8s.io/pause:3.9; repeat for more)', (v: string, prev: string[] = []) => [...prev, v])
    .action((what: string, o: { output: string; name?: string[] }) => {
      const b = BUILDS[what];
      if (!b) throw new UsageError(`unknown image "${what}": choose ${Object.keys(BUILDS).join(' or ')}`);
      const names = o.name ?? b.names;
      const digest = b.build(o.output, names);
      console.log(`wrote ${o.output}: ${names.join(', ')} (${digest})`);
    });
}
