// `kubus exec POD [-c C] [-i] [-t] -- CMD...`: runs a command in a container over the bus, as
// kubectl exec does through the gateway. A streaming runtime (containerd) relays stdin, stdout,
// stderr and terminal resizes live; the sim runs the command to completion with all of stdin.
import type { Command } from 'commander';
import type { Pod } from '../../api/kinds/pod.ts';
import type { ExecReply, ExecRequest } from '../../api/node-protocol.ts';
import { StatusError, type Status } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { realClock, type Clock } from '../../bus/clock.ts';
import { openNodeStream } from '../../bus/stream-client.ts';
import { nodeExec } from '../../bus/subjects.ts';
import { askKubelet, validateContainer } from '../../actors/gateway/node-proxy.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';

export interface ExecOptions {
  namespace: string;
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** Where the command's streams go (the process's own, or a test's). */
export interface ExecIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  stdout: NodeJS.WritableStream & { columns?: number; rows?: number; on(e: 'resize', f: () => void): unknown };
  stderr: NodeJS.WritableStream;
}

/** Returns the exit code a closing Status stands for (kubectl exec exits with the command's code). */
export function exitCodeOf(s: Partial<Status> | undefined): number {
  if (!s || s.status === 'Success') return 0;
  const code = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
  if ((s.reason as string) === 'NonZeroExitCode' && Number.isInteger(code)) return code;
  throw StatusError.from(s as Status);
}

/** How long the terminal's output must stay quiet before the ^D of a piped stdin's end is typed, and again. */
export const EOF_QUIET_MS = 250;
export const EOF_RETRY_MS = 1_000;
export const EOF_TRIES = 4;

/**
 * Types the ^D that ends a piped stdin into the container's terminal once its output has gone quiet,
 * as util-linux script waits for the child to take its input first: a ^D that reaches the pty while it
 * is still canonical, before the shell switches it to raw mode for its line editing, is kept as a NUL
 * byte and the end of input is lost. So it waits for `quiet` ms without output (the shell has read what
 * came before and waits at its prompt), and types it again after `retry` quiet ms while the session
 * lasts, at most `tries` times. `output()` is called on each frame of output; `stop()` when the session ends.
 */
export function eofWhenQuiet(send: () => void, clock: Clock, quiet = EOF_QUIET_MS, retry = EOF_RETRY_MS, tries = EOF_TRIES) {
  let timer: unknown;
  let sent = 0;
  let wait = quiet;
  const arm = () => {
    clock.clearTimeout(timer);
    timer = sent < tries ? clock.setTimeout(fire, wait) : undefined;
  };
  const fire = () => {
    sent++;
    wait = retry;
    send();
    arm();
  };
  arm();
  return {
    output: () => timer !== undefined && arm(),
    stop: () => {
      clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Reads a stream to its end. */
async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the command in the pod's container; resolves with its exit code. */
export async function exec(client: ApiClient, podName: string, command: string[], o: ExecOptions, io: ExecIO): Promise<number> {
  if (!command.length) throw new UsageError('you must specify at least one command for the container');
  const pod = await client.get<Pod>('pods', podName, { namespace: o.namespace });
  const container = validateContainer(o.container ?? '', pod);
  const node = pod.spec.nodeName;
  if (!node) throw new StatusError(400, 'BadRequest', `pod ${podName} does not have a host assigned`);
  const req: ExecRequest = { namespace: o.namespace, name: podName, uid: pod.metadata.uid, container, command };
  const tty = !!o.tty && !!o.stdin;
  let status: Partial<Status> | undefined;
  let eof: ReturnType<typeof eofWhenQuiet> | undefined;
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const session = await openNodeStream(
    client.bus,
    node,
    { ...req, kind: 'exec', stdin: !!o.stdin, stdout: true, stderr: !tty, tty },
    {
      frame: (ch, data) => {
        if (ch === 1 || ch === 2) eof?.output();
        if (ch === 1) io.stdout.write(data);
        else if (ch === 2) io.stderr.write(data);
        else if (ch === 3) status = JSON.parse(data.toString('utf8')) as Status;
      },
      end: () => ended(),
    },
  );
  if (!session) {
    // The sim: the command runs once stdin is all there.
    const stdin = o.stdin ? await readAll(io.stdin) : undefined;
    const r = await askKubelet<ExecReply>(client, node, nodeExec(node), { ...req, stdin }, 60_000);
    io.stdout.write(r.stdout);
    io.stderr.write(r.stderr);
    return r.exitCode;
  }
  const raw = tty && io.stdin.isTTY && io.stdin.setRawMode;
  const resize = () => session.send(4, Buffer.from(JSON.stringify({ Width: io.stdout.columns ?? 80, Height: io.stdout.rows ?? 24 })));
  const onData = (d: Buffer | string) => session.send(0, Buffer.from(d));
  if (raw) io.stdin.setRawMode!(true);
  if (tty) {
    resize();
    io.stdout.on('resize', resize);
  }
  // A terminal's end of input is ^D, typed once the command has taken the input before it (eofWhenQuiet);
  // a pipe's end cannot reach the command (containerd 1.6 streams v4, without half-close).
  const onEnd = () => {
    if (tty) eof = eofWhenQuiet(() => session.send(0, Buffer.from([4])), realClock);
  };
  if (o.stdin) io.stdin.on('data', onData).once('end', onEnd);
  try {
    await done;
  } finally {
    eof?.stop();
    if (raw) io.stdin.setRawMode!(false);
    io.stdin.removeListener('data', onData).removeListener('end', onEnd);
    io.stdin.pause();
    io.stdout.removeListener('resize', resize);
    session.end();
  }
  return exitCodeOf(status);
}

export function execCommand(program: Command): void {
  program
    .command('exec')
    .description('Run a command in a container of a pod (-i sends stdin, -t gives it a terminal)')
    .argument('<pod>', 'the pod (NAME or pod/NAME)')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-c, --container <name>', 'the container (default: the pod’s only one)')
    .option('-i, --stdin', 'pass stdin to the container')
    .option('-t, --tty', 'stdin is a terminal (with -i)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (pod: string, command: string[], o: ExecOptions) => {
      await withSession(program.opts<GlobalOptions>(), async ({ client }) => {
        process.exitCode = await exec(client, pod.replace(/^pods?\//, ''), command, o, process);
      });
    });
}
