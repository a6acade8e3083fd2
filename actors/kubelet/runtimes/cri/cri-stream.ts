// CRI's streaming calls: Exec, Attach and PortForward answer with a URL of the runtime's streaming
// server, which the kubelet then connects to (k8s channel protocol over WebSocket; containerd 1.6 speaks v4).
import { fail, type CriClient } from './cri-client.ts';

/** What an interactive exec or attach streams, or which port a port-forward reaches. */
export interface StreamOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  port?: number;
}

/**
 * Asks the runtime for an exec's or attach's stream (`id` a container) or a port-forward's (`id` a
 * sandbox) and returns its URL; a tty has no separate stderr (as upstream asks).
 */
export async function criStreamUrl(client: CriClient, kind: 'exec' | 'attach' | 'portforward', id: string, o: StreamOptions): Promise<string> {
  const streams = { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty, tty: o.tty };
  try {
    if (kind === 'portforward') {
      // The WebSocket form names its port in the query, as upstream's port-forward client sends it.
      const r = await client.runtime.portForward({ podSandboxId: id, port: [o.port] });
      return `${r.url}${r.url.includes('?') ? '&' : '?'}port=${o.port}`;
    }
    const r = kind === 'exec' ? await client.runtime.exec({ containerId: id, cmd: o.command, ...streams }) : await client.runtime.attach({ containerId: id, ...streams });
    return r.url;
  } catch (err) {
    throw fail(kind === 'exec' ? 'ExecError' : kind === 'attach' ? 'AttachError' : 'PortForwardError', err);
  }
}
