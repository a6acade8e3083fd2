// Puts image archives into a containerd where the CRI plugin finds them: namespace k8s.io, unpacked
// for the snapshotter the CRI plugin uses. Through `ctr`, which ships with containerd.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CTR_BIN = '/usr/bin/ctr';
/** The containerd namespace the CRI plugin keeps its images, containers and sandboxes in. */
export const CRI_NAMESPACE = 'k8s.io';

/** Thrown when `ctr` fails; carries what it printed. */
export class ImageImportError extends Error {
  override name = 'ImageImportError';
}

/** Returns the snapshotter named in the config.toml beside `socket` (runtime/containerd's layout), else overlayfs (containerd's default). */
export function snapshotterBeside(socket: string): string {
  const config = join(dirname(socket), 'config.toml');
  if (!existsSync(config)) return 'overlayfs';
  return /^\s*snapshotter\s*=\s*"([^"]+)"/m.exec(readFileSync(config, 'utf8'))?.[1] ?? 'overlayfs';
}

async function ctr(socket: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(CTR_BIN, ['--address', socket, '--namespace', CRI_NAMESPACE, ...args], { timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ImageImportError(`ctr ${args.join(' ')} on ${socket}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Imports an image archive (OCI layout or docker save) into the containerd at `socket`; returns the image names it holds. */
export async function importImage(socket: string, tarPath: string, opts: { snapshotter?: string } = {}): Promise<string[]> {
  if (!existsSync(tarPath)) throw new ImageImportError(`no such image archive: ${tarPath}`);
  const snapshotter = opts.snapshotter ?? snapshotterBeside(socket);
  const out = await ctr(socket, ['images', 'import', '--snapshotter', snapshotter, tarPath]);
  // ctr prints "unpacking NAME (sha256:…)...done" per image.
  return [...out.matchAll(/^unpacking (\S+) \(/gm)].map((m) => m[1]!);
}

/** Returns the names of the images the CRI plugin's namespace holds. */
export async function listImages(socket: string): Promise<string[]> {
  const out = await ctr(socket, ['images', 'ls', '--quiet']);
  return out.split('\n').filter(Boolean);
}
