// The images real workloads need without a registry, built from Debian's busybox-static: a busybox
// image (every applet: sh, httpd, wget, nc, sleep, …) and the pause image pod sandboxes run.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { PAUSE_IMAGE } from '../containerd-config.ts';
import { builderSources, cacheKey, cachedArchive } from './image-cache.ts';
import { writeOciArchive, type ImageRunConfig } from './oci-archive.ts';

export const BUSYBOX_BIN = '/bin/busybox';
export const BUSYBOX_HINT = 'busybox-static is not installed; install it with: apt-get install -y busybox-static';

/** The names the busybox image gets: what `image: busybox` and `busybox:1.35` (Debian's version) resolve to. */
export const BUSYBOX_IMAGES = ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.35'];

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Thrown when /bin/busybox is missing (it must be busybox-static's: a dynamic one would not run in an image without libc). */
export class BusyboxMissingError extends Error {
  override name = 'BusyboxMissingError';
  constructor(why = BUSYBOX_HINT) {
    super(why);
  }
}

/** Fills `dir` with a root filesystem: /bin/busybox, a symlink per applet where busybox puts it, /etc/passwd and /etc/group, and the usual empty folders. */
export function busyboxRootfs(dir: string): void {
  if (!existsSync(BUSYBOX_BIN)) throw new BusyboxMissingError();
  const applets = execFileSync(BUSYBOX_BIN, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'proc', 'sys', 'dev', 'var/www', 'home']) {
    mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  }
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  copyFileSync(BUSYBOX_BIN, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of applets) {
    const at = join(dir, applet);
    if (applet === 'bin/busybox' || existsSync(at)) continue;
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(relative(dirname(at), join(dir, 'bin', 'busybox')), at);
  }
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
}

/** Writes an archive of a busybox-rootfs image that runs `config`; returns its manifest digest. */
function buildFromBusybox(outTar: string, names: string[], config: ImageRunConfig, createdBy: string): string {
  const work = mkdtempSync(join(tmpdir(), 'kubus-rootfs-'));
  try {
    busyboxRootfs(work);
    return writeOciArchive({ outTar, names, rootfs: work, config, createdBy });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes an OCI archive of the busybox image (Cmd ["sh"]) named `name` (default BUSYBOX_IMAGES); returns its manifest digest. */
const BUSYBOX_CONFIG: ImageRunConfig = { Env: [PATH_ENV], Cmd: ['sh'], WorkingDir: '/' };
const BUSYBOX_BY = 'kubus: busybox-static';

/** Writes an OCI archive of the busybox image (Cmd ["sh"]) named `name` (default BUSYBOX_IMAGES); returns its manifest digest. */
export function buildBusyboxImage(outTar: string, name: string | string[] = BUSYBOX_IMAGES): string {
  const names = typeof name === 'string' ? [name] : name;
  return buildFromBusybox(outTar, names, BUSYBOX_CONFIG, BUSYBOX_BY);
}

// As pause does: sleep forever, end at once on SIGTERM or SIGINT (a shell as pid 1 gets no default handlers).
const PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while true; do sleep 2147483647 & wait $!; done";
const PAUSE_CONFIG: ImageRunConfig = { Env: [PATH_ENV], Entrypoint: ['/bin/sh', '-c', PAUSE_SCRIPT], WorkingDir: '/' };
const PAUSE_BY = 'kubus: pause from busybox-static';

/** Writes an OCI archive of the pause image (default name PAUSE_IMAGE, containerd's sandbox_image here); returns its manifest digest. */
export function buildPauseImage(outTar: string, name: string = PAUSE_IMAGE): string {
  return buildFromBusybox(outTar, [name], PAUSE_CONFIG, PAUSE_BY);
}

/** The image-cache key of a busybox-rootfs image: this machine's /bin/busybox, the builders' sources, the config and the names. */
export function busyboxImageKey(image: 'busybox' | 'pause', names: string[]): string {
  if (!existsSync(BUSYBOX_BIN)) throw new BusyboxMissingError();
  const [config, by] = image === 'busybox' ? [BUSYBOX_CONFIG, BUSYBOX_BY] : [PAUSE_CONFIG, PAUSE_BY];
  return cacheKey([image, JSON.stringify(config), by, ...names], [BUSYBOX_BIN, ...builderSources()]);
}

/** The path of the busybox (`names` default BUSYBOX_IMAGES) or pause (default PAUSE_IMAGE) archive in the machine's image cache, built there first if missing. */
export async function cachedBusyboxImage(image: 'busybox' | 'pause', names: string[] = image === 'busybox' ? BUSYBOX_IMAGES : [PAUSE_IMAGE]): Promise<string> {
  const build = image === 'busybox' ? (out: string) => buildBusyboxImage(out, names) : (out: string) => buildPauseImage(out, names[0]);
  return cachedArchive(image, busyboxImageKey(image, names), build);
}
