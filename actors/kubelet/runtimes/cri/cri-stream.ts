// CRI's streaming calls: Exec and Attach answer with a URL of the runtime's streaming server, which
// the kubelet then connects to (k8s channel protocol over WebSocket; containerd 1.6 speaks v4).
import { fail, type CriClient } from './cri-client.ts';

/** What an interactive exec or attach streams. */
export interface StreamOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Asks the runtime for an exec's or attach's stream and returns its URL; a tty has no separate stderr (as upstream asks). */
export async function criStreamUrl(client: CriClient, kind: 'exec' | 'attach', id: string, o: StreamOptions): Promise<string> {
  const streams = { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr && !o.tty, tty: o.tty };
  try {
    const r = kind === 'exec' ? await client.runtime.exec({ containerId: id, cmd: o.command, ...streams }) : await client.runtime.attach({ containerId: id, ...streams });
    return r.url;
  } catch (err) {
    throw fail(kind === 'exec' ? 'ExecError' : 'AttachError', err);
  }
}
