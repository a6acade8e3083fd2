// Makes a fresh containerd able to run pods offline: the pause image its sandboxes need (it would
// otherwise try to pull it) and busybox for workloads, built from busybox-static and imported. The
// archives come from the machine's image cache (image-cache.ts): built by the first node start, then
// imported by each; where the cache cannot be written, they are built in the node's own folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGES, buildBusyboxImage, buildPauseImage, cachedBusyboxImage } from './busybox-image.ts';
import { importImage, listImages } from './import-image.ts';

/** Why the machine's cache cannot be written (then the archive is built in the node's own folder). */
const CACHE_UNWRITABLE = new Set(['EACCES', 'EROFS', 'ENOSPC', 'EPERM']);

/** The cached archive of `image`, else (the cache cannot be written) one built into `work`. */
async function archiveOf(image: 'busybox' | 'pause', names: string[], work: string): Promise<string> {
  try {
    return await cachedBusyboxImage(image, names);
  } catch (err) {
    if (!CACHE_UNWRITABLE.has((err as NodeJS.ErrnoException).code ?? '')) throw err; // a failed build fails here too
    const out = join(work, `${image}.tar`);
    if (image === 'busybox') buildBusyboxImage(out, names);
    else buildPauseImage(out, names[0]);
    return out;
  }
}

/** Builds (or takes from the cache) and imports the pause image (named `sandboxImage`) and the busybox images that `socket`'s containerd lacks; returns the names imported. */
export async function preloadImages(socket: string, opts: { workDir: string; sandboxImage: string; snapshotter?: string }): Promise<string[]> {
  const have = new Set(await listImages(socket));
  const work = mkdtempSync(join(opts.workDir, 'preload-'));
  try {
    const imported: string[] = [];
    if (!have.has(opts.sandboxImage)) imported.push(...(await importImage(socket, await archiveOf('pause', [opts.sandboxImage], work), opts)));
    if (!BUSYBOX_IMAGES.every((n) => have.has(n))) imported.push(...(await importImage(socket, await archiveOf('busybox', BUSYBOX_IMAGES, work), opts)));
    return imported;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
