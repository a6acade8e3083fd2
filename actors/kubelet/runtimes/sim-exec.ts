// What `kubectl exec` can run in a sim container: a few commands as a table (docs/sim-runtime.md).
// Pure: the container's hostname, environment and the clock's time come in. Anything else fails
// as a missing binary does under runc.

/** What a command sees of its container. */
export interface SimExecContext {
  hostname: string;
  env: Record<string, string>;
  now: number;
  /** What the client sent on stdin ('' when nothing). */
  stdin?: string;
}

/** What a command printed and how it ended. */
export interface SimExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type Command = (args: string[], ctx: SimExecContext) => SimExecResult;

const ok = (stdout = ''): SimExecResult => ({ exitCode: 0, stdout, stderr: '' });

/** The container's environment as `env` prints it: PATH, HOSTNAME, HOME and the container's own. */
const environment = (ctx: SimExecContext): Record<string, string> => ({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOSTNAME: ctx.hostname,
  ...ctx.env,
  HOME: '/root',
});

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Returns `date`'s default output in UTC, e.g. `Fri Dec  4 21:31:17 UTC 2026`. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} UTC ${d.getUTCFullYear()}`;
}

/** Behaviour as a table: command name → what it does. */
export const SIM_COMMANDS: Record<string, Command> = {
  echo: (args) => (args[0] === '-n' ? ok(args.slice(1).join(' ')) : ok(`${args.join(' ')}\n`)),
  hostname: (_, ctx) => ok(`${ctx.hostname}\n`),
  env: (_, ctx) => ok(Object.entries(environment(ctx)).map(([k, v]) => `${k}=${v}\n`).join('')),
  printenv: (args, ctx) => {
    const env = environment(ctx);
    if (!args.length) return ok(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
    const found = args.filter((a) => a in env);
    return { exitCode: found.length === args.length ? 0 : 1, stdout: found.map((a) => `${env[a]}\n`).join(''), stderr: '' };
  },
  cat: (args, ctx) => {
    if (!args.length || (args.length === 1 && args[0] === '-')) return ok(ctx.stdin ?? '');
    const missing = args.filter((a) => a !== '/etc/hostname');
    const stdout = args.filter((a) => a === '/etc/hostname').map(() => `${ctx.hostname}\n`).join('');
    return { exitCode: missing.length ? 1 : 0, stdout, stderr: missing.map((a) => `cat: ${a}: No such file or directory\n`).join('') };
  },
  true: () => ok(),
  false: () => ({ exitCode: 1, stdout: '', stderr: '' }),
  date: (_, ctx) => ok(`${formatDate(ctx.now)}\n`),
};

const SHELLS = new Set(['sh', 'bash', 'ash']);
const BIN_DIRS = /^\/(?:usr\/(?:local\/)?)?s?bin\//;

/** Splits a shell command line into words: spaces separate, single and double quotes group. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]));
  return out;
}

/** Runs one command line of `sh -c`: a command of the table, or `exit N`; else the shell's "not found". */
function shell(shellName: string, line: string, ctx: SimExecContext): SimExecResult {
  const [cmd, ...args] = shellWords(line);
  if (cmd === undefined) return ok();
  if (cmd === 'exit') return { exitCode: Number(args[0] ?? 0) & 255, stdout: '', stderr: '' };
  const run = SIM_COMMANDS[cmd.replace(BIN_DIRS, '')];
  if (run) return run(args, ctx);
  return { exitCode: 127, stdout: '', stderr: `${shellName}: 1: ${cmd}: not found\n` };
}

/** A shell without -c runs the lines of its stdin, one command each, until `exit` or the end. */
function script(shellName: string, ctx: SimExecContext): SimExecResult {
  const out: SimExecResult = { exitCode: 0, stdout: '', stderr: '' };
  for (const line of (ctx.stdin ?? '').split('\n')) {
    if (!line.trim()) continue;
    const r = shell(shellName, line, { ...ctx, stdin: '' });
    Object.assign(out, { exitCode: r.exitCode, stdout: out.stdout + r.stdout, stderr: out.stderr + r.stderr });
    if (shellWords(line)[0] === 'exit') break;
  }
  return out;
}

/** Runs `argv` in a sim container; a program it does not know fails as runc fails a missing binary (exit 127). */
export function simExec(argv: string[], ctx: SimExecContext): SimExecResult {
  const [cmd, ...args] = argv;
  const name = (cmd ?? '').replace(BIN_DIRS, '');
  if (SHELLS.has(name)) return args[0] === '-c' ? shell(name, args[1] ?? '', { ...ctx, stdin: '' }) : script(name, ctx);
  const run = SIM_COMMANDS[name];
  if (run) return run(args, ctx);
  return { exitCode: 127, stdout: '', stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(cmd ?? '')}: executable file not found in $PATH: unknown\n` };
}
