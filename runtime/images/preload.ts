// Makes a fresh containerd able to run pods offline: the pause image its sandboxes need (it would
// otherwise try to pull it) and busybox for workloads, built from busybox-static and imported.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGES, buildBusyboxImage, buildPauseImage } from './busybox-image.ts';
import { importImage, listImages } from './import-image.ts';

/** Builds and imports the pause image (named `sandboxImage`) and the busybox images that `socket`'s containerd lacks; returns the names imported. */
export async function preloadImages(socket: string, opts: { workDir: string; sandboxImage: string; snapshotter?: string }): Promise<string[]> {
  const have = new Set(await listImages(socket));
  const work = mkdtempSync(join(opts.workDir, 'preload-'));
  try {
    const imported: string[] = [];
    if (!have.has(opts.sandboxImage)) {
      buildPauseImage(join(work, 'pause.tar'), opts.sandboxImage);
      imported.push(...(await importImage(socket, join(work, 'pause.tar'), opts)));
    }
    if (!BUSYBOX_IMAGES.every((n) => have.has(n))) {
      buildBusyboxImage(join(work, 'busybox.tar'));
      imported.push(...(await importImage(socket, join(work, 'busybox.tar'), opts)));
    }
    return imported;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
