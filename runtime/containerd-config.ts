// The config.toml of one containerd per node process: everything it writes lives under its own dir,
// so several run side by side on one host and stopping one removes all it left.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The pause image that runtime/images builds and that sandboxes run (containerd 1.6 would default to pause:3.6). */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.9';

/** Where the CNI plugins of Debian's containernetworking-plugins live. */
export const CNI_BIN_DIR = '/usr/lib/cni';

/** Plugins that need what a plain host lacks (other filesystems, a tracing collector); disabled so their errors stay out of the log. */
export const DISABLED_PLUGINS = [
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

export type Snapshotter = 'overlayfs' | 'native';

/** The paths of one containerd under `dir`. */
export function containerdPaths(dir: string) {
  return {
    config: join(dir, 'config.toml'),
    socket: join(dir, 'containerd.sock'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    runc: join(dir, 'runc'),
    cni: join(dir, 'cni'),
    opt: join(dir, 'opt'),
    log: join(dir, 'containerd.log'),
  };
}

export interface ContainerdConfigOptions {
  dir: string;
  sandboxImage: string;
  snapshotter: Snapshotter;
}

// A TOML basic string has JSON's escapes for what paths and image names hold.
const q = (s: string) => JSON.stringify(s);

/** Returns config.toml (version 2): root, state, socket, runc's root and the CNI conf dir under `dir`; the CRI plugin with runc v2 on cgroupfs. */
export function containerdConfig({ dir, sandboxImage, snapshotter }: ContainerdConfigOptions): string {
  const p = containerdPaths(dir);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${q(p.root)}`,
    `state = ${q(p.state)}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(q).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${q(p.socket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(p.opt)}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${q(sandboxImage)}`,
    // Network namespaces bind-mounted under our state dir, so stop() finds and unmounts them.
    '  netns_mounts_under_state_dir = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    '  disable_apparmor = true',
    // Sandboxes ask for oom_score_adj -998; where this process may not lower its own (a container
    // without CAP_SYS_RESOURCE), runc fails every sandbox. Capped at containerd's own value instead.
    '  restrict_oom_score_adj = true',
    '',
    `[${cri}.containerd]`,
    `  snapshotter = ${q(snapshotter)}`,
    '  default_runtime_name = "runc"',
    '',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    // runc's state of our containers under dir, not the host-wide /run/containerd/runc.
    `  Root = ${q(p.runc)}`,
    '',
    `[${cri}.cni]`,
    `  bin_dir = ${q(CNI_BIN_DIR)}`,
    `  conf_dir = ${q(p.cni)}`,
    '',
  ].join('\n');
}

/** Returns overlayfs when an overlay mounts in `dir` (it does not on some filesystems, e.g. an overlay root), else native. */
export function probeSnapshotter(dir: string): Snapshotter {
  const probe = join(dir, 'overlay-probe');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(probe, d));
  for (const d of [lower, upper, work, merged]) mkdirSync(d, { recursive: true });
  let ok = false;
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { stdio: 'ignore' });
    ok = true;
    execFileSync('umount', [merged], { stdio: 'ignore' });
  } catch {
    // not mountable here (or not root): the native snapshotter copies instead
  }
  rmSync(probe, { recursive: true, force: true });
  return ok ? 'overlayfs' : 'native';
}
