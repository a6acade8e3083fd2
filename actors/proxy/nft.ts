// Runs nft: a script on stdin (`nft -f -`), in the host's namespace or in a named network
// namespace (`ip netns exec NS nft ...`, how tests keep their rules off the host).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** nft's path: the system's own first, since npm's bin dir on PATH holds an unrelated `nft` (@vercel/nft). */
export const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p)) ?? 'nft';

/** Where nft runs: a named network namespace, or the process's own when unset. */
export interface NftTarget {
  netns?: string;
}

/** Thrown when nft refuses a script or cannot be run; carries its stderr. */
export class NftError extends Error {
  override name = 'NftError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs `nft [-c] -f -` with the script on stdin; resolves when nft accepted it. */
export function runNft(script: string, target: NftTarget = {}, opts: { check?: boolean } = {}): Promise<void> {
  const nftArgs = [...(opts.check ? ['-c'] : []), '-f', '-'];
  const [cmd, args] = target.netns ? ['ip', ['netns', 'exec', target.netns, NFT, ...nftArgs]] : [NFT, nftArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new NftError(`could not run ${cmd}: ${err.message}`, '')));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new NftError(`nft exited with ${code}: ${stderr.trim().split('\n')[0] ?? ''}`, stderr))));
    child.stdin.on('error', () => {}); // nft may exit before reading everything; 'close' reports it
    child.stdin.end(script);
  });
}
