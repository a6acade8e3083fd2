// The busybox archive the containerd tests import: written by the real `kubus image build busybox`
// once per machine and kept in the image cache (runtime/images/image-cache.ts), keyed by /bin/busybox
// and the sources of the command and the builders, so an edit to any of them builds it afresh. The
// CLI's start is most of its cost (~1.2 s of CPU, 10 s at load), paid by each test file before.
import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { BUSYBOX_BIN, BUSYBOX_IMAGES } from '../../runtime/images/busybox-image.ts';
import { builderSources, cacheKey, cachedArchive } from '../../runtime/images/image-cache.ts';
import { ROOT, runKubus } from './proc.ts';

const SOURCES = [join(ROOT, 'cli', 'commands', 'image.ts'), ...builderSources()];

/** The path of the cached busybox archive from `kubus image build busybox` (run here if there is none; the test then checks it exited 0). */
export function cliBusyboxArchive(t: ExecutionContext): Promise<string> {
  return cachedArchive('cli-busybox', cacheKey(['kubus image build busybox', ...BUSYBOX_IMAGES], [BUSYBOX_BIN, ...SOURCES]), async (out) => {
    const r = await runKubus(['image', 'build', 'busybox', '-o', out]);
    t.is(r.code, 0, r.stderr);
    if (r.code !== 0) throw new Error(`kubus image build busybox exited ${r.code}: ${r.stderr}`);
  });
}
