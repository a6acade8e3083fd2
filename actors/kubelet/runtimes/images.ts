// Image names as a CRI runtime reports them: normalised references and digest ids.
import { createHash } from 'node:crypto';

/** Returns the image name as containerd reports it: `nginx:1.27` → `docker.io/library/nginx:1.27`. */
export function normalizeImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  let ref = image;
  if (slash < 0) ref = `docker.io/library/${image}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${image}`;
  const lastSlash = ref.lastIndexOf('/');
  return ref.includes('@') || ref.indexOf(':', lastSlash) >= 0 ? ref : `${ref}:latest`;
}

/** Returns a stable digest reference for an image (a hash of its name: runtimes without registries). */
export function imageRef(image: string): string {
  const norm = normalizeImage(image);
  const repo = norm.includes('@') ? norm.slice(0, norm.indexOf('@')) : norm.slice(0, norm.lastIndexOf(':'));
  return `${repo}@sha256:${createHash('sha256').update(norm).digest('hex')}`;
}
