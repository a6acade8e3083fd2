// Writes an OCI image-layout archive (oci-layout, index.json, blobs/sha256/…) of one single-layer
// image from a root filesystem folder, offline: the layer is made by GNU tar, byte-for-byte the same
// for the same files (sorted names, owner 0, mtime 0), so a rebuild gives the same digests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const EPOCH = '1970-01-01T00:00:00Z';

/** What an image runs: the OCI image config's `config` object (Entrypoint, Cmd, Env, WorkingDir, User). */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface OciArchiveOptions {
  /** The archive to write (replaced whole, so a reader never sees half of it). */
  outTar: string;
  /** Full references (`registry.k8s.io/pause:3.9`); each becomes an entry of index.json. */
  names: string[];
  /** The folder whose contents are the image's one layer. */
  rootfs: string;
  config: ImageRunConfig;
  /** Says how it was made (the config's history). */
  createdBy: string;
}

/** An OCI platform architecture for Node's `process.arch`. */
export const ociArch = (arch: string = process.arch) => ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' })[arch] ?? arch;

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Returns the tag of a reference (after the last ':' past the last '/'), `latest` when it has none. */
export function tagOf(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i < 0 ? 'latest' : last.slice(i + 1);
}

/** Writes the archive; returns the manifest's digest. */
export function writeOciArchive(opts: OciArchiveOptions): string {
  const work = mkdtempSync(join(tmpdir(), 'kubus-oci-'));
  try {
    const blobs = join(work, 'layout', 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const put = (b: Buffer | string) => {
      const digest = sha256(b);
      writeFileSync(join(blobs, digest.slice('sha256:'.length)), b);
      return { digest, size: Buffer.byteLength(b) };
    };
    const layerTar = join(work, 'layer.tar');
    execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', opts.rootfs, '-cf', layerTar, ...readdirSync(opts.rootfs).sort()]);
    const layer = put(readFileSync(layerTar));
    const platform = { architecture: ociArch(), os: 'linux' };
    const config = put(
      JSON.stringify({
        created: EPOCH,
        ...platform,
        config: opts.config,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created: EPOCH, created_by: opts.createdBy }],
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: { mediaType: CONFIG, ...config },
        layers: [{ mediaType: LAYER, ...layer }],
      }),
    );
    const layout = join(work, 'layout');
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const manifests = opts.names.map((name) => ({
      mediaType: MANIFEST,
      ...manifest,
      platform,
      // containerd names the image by io.containerd.image.name; the OCI layout's ref.name is the tag.
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tagOf(name) },
    }));
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }));
    mkdirSync(dirname(opts.outTar), { recursive: true });
    const tmp = `${opts.outTar}.${process.pid}.tmp`;
    execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', layout, '-cf', tmp, 'oci-layout', 'index.json', 'blobs']);
    renameSync(tmp, opts.outTar);
    return manifest.digest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
