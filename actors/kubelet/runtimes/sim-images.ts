// The sim runtime's images: which are present, pulls serialized per image (as the kubelet's default
// serial puller), and the failed pulls a pod's annotations ask for, on the injected clock.
import type { Clock } from '../../../bus/clock.ts';
import { imageRef, normalizeImage } from './images.ts';
import { RuntimeError, type PulledImage } from './runtime.ts';
import type { SimBehaviour } from './sim-behaviour.ts';

/** Images of one sim runtime (one node). */
export class SimImages {
  private readonly present = new Map<string, string>(); // image → imageRef, once pulled
  private readonly pulls = new Map<string, Promise<PulledImage>>();
  private readonly pullFailures = new Map<string, number>(); // podUid/container → failed pulls

  constructor(private readonly clock: Clock) {}

  /**
   * Makes the image present as `policy` says. `behaviour` is read only when a pull is needed (it
   * throws on bad annotations); the first `pullError` pulls of a container fail.
   */
  async ensure(image: string, policy: string, podUid: string, container: string, behaviour: () => SimBehaviour, onPull?: () => void): Promise<PulledImage> {
    const present = this.present.get(image);
    if (policy === 'Never') {
      if (present) return { imageRef: present, pulled: false, durationMs: 0, sizeBytes: 0 };
      throw new RuntimeError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
    }
    if (present && policy !== 'Always') return { imageRef: present, pulled: false, durationMs: 0, sizeBytes: 0 };
    const b = behaviour();
    const key = `${podUid}/${container}`;
    const failures = this.pullFailures.get(key) ?? 0;
    onPull?.();
    if (failures < b.pullError) {
      this.pullFailures.set(key, failures + 1);
      await this.sleep(b.pullDelayMs);
      throw new RuntimeError('ErrImagePull', `failed to pull and unpack image "${normalizeImage(image)}": ${normalizeImage(image)}: not found`);
    }
    // Pulls are serialized per image, as the kubelet's default serial image puller does.
    const inflight = this.pulls.get(image);
    if (inflight) return inflight;
    const start = this.clock.now();
    const delay = present ? 0 : b.pullDelayMs;
    const p = this.sleep(delay).then(() => {
      this.pulls.delete(image);
      const ref = imageRef(image);
      this.present.set(image, ref);
      return { imageRef: ref, pulled: true, durationMs: this.clock.now() - start, sizeBytes: 0 };
    });
    this.pulls.set(image, p);
    return p;
  }

  /** Returns the digest reference of an image (the pulled one when present). */
  refOf(image: string): string {
    return this.present.get(image) ?? imageRef(image);
  }

  /** Forgets a removed pod's failed pulls (a new pod with its uid starts over). */
  forgetPod(podUid: string): void {
    for (const k of this.pullFailures.keys()) if (k.startsWith(`${podUid}/`)) this.pullFailures.delete(k);
  }

  private sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((r) => this.clock.setTimeout(r, ms)) : Promise.resolve();
  }
}
