// V8 options for the commands that simulate a whole cluster in one process (`kubus scenario run`)
// and for node processes of many kubelets (`kubus node --count`).
// Plain JavaScript with no dependencies: bin/kubus reads it before the CLI is bundled.
import { totalmem } from 'node:os';

/**
 * What `kubus scenario run` needs of V8. A simulated cluster allocates fast (each message decoded,
 * copied and wrapped by every actor that handles it), and most of it dies young: V8's default young
 * generation (16 MB semi-spaces) makes it scavenge every few milliseconds and promote objects that
 * would have died a moment later. Measured at 1,000 nodes / 30,000 pods (scenarios/scale-out).
 * 128 MB, not 64 (Dec 7): with 64 a quarter of each scavenge's ~45 MB survived (requests and queued
 * messages of the burst: alive for a while, not for long), scavenges took ~20 % of the CPU, and what
 * they promoted grew the old generation ~12 MB each, to ~2.4x the live heap before a full
 * collection (1.3 GB for 0.53 GB live): the resident peak. 128 halves the scavenges but adds its
 * 128 MB (x2) to the peak; a fixed old-generation growth of 100 % (V8 lets it grow up to 4x under a
 * large heap limit) brings full collections sooner, which are cheap here (concurrent marking).
 * 1k/30k at load 1-4, medians of interleaved runs (time to all Running, CPU, peak resident): 64
 * alone 41.3 s, 47.8 s, 1,569 MiB (4 runs); 128 alone 34.9 s, 41.6 s, 1,774 MiB (4); 128 + 100 %
 * 38.5 s, 46.7 s, 1,412 MiB (2); 128 + 60 % 40.4 s, 49.8 s, 1,236 MiB (3).
 */
export const SIMULATION_V8_FLAGS = ['--max-semi-space-size=128', `--max-old-space-size=${oldSpaceMb(totalmem())}`, '--heap-growing-percent=100'];

/**
 * The heap limit for a simulation: three quarters of the machine's memory, at most 12 GiB. Node's
 * default (~4 GB) stops the full size (5,000 nodes, 150,000 pods: 2.6 GB live) with an out-of-memory
 * crash. V8 puts full collections off as the limit allows: that run peaked at 8.1 GB resident under
 * a 12 GiB limit and at 9.8 GB under 16 GiB (Dec 6, one run each).
 */
export function oldSpaceMb(totalBytes) {
  return Math.min(12_288, Math.floor((totalBytes / 2 ** 20) * 0.75));
}

/** Set in the environment of the process bin/kubus started again with SIMULATION_V8_FLAGS (it must not start again). */
export const REEXEC_MARK = 'KUBUS_V8_FLAGS_SET';

/** Returns those of `flags` the user did not set already (in node's own options or NODE_OPTIONS). */
function notGiven(flags, execArgv, env) {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.filter((f) => !given.some((g) => g.replace(/_/g, '-').startsWith(f.split('=')[0])));
}

/**
 * Returns the V8 options to run `kubus` again with, or undefined to run as it is: only for
 * `scenario run`, never twice, and never over a young-generation size or heap limit the user chose
 * (in node's own options or NODE_OPTIONS).
 */
export function reexecFlags(args, execArgv = [], env = {}) {
  const i = args.indexOf('scenario');
  if (i < 0 || args[i + 1] !== 'run' || env[REEXEC_MARK]) return undefined;
  const flags = notGiven(SIMULATION_V8_FLAGS, execArgv, env);
  return flags.length ? flags : undefined;
}

/**
 * What a `kubus node --count` process (thousands of kubelets on one connection) needs of V8: a 64 MB
 * young generation too. Its garbage (each renewal's request, reply and Lease) dies young, and 16 MB
 * semi-spaces scavenge it often: the heartbeats bench's node process (5,000 nodes) took a median of
 * 5.65 % of a core with them, 5.00 % with 64 MB (5 interleaved pairs, Dec 6). It can't be set from
 * inside: V8 sizes the young generation when the process starts (v8.setFlagsFromString later leaves
 * new space at 16 MB semi-spaces), and running itself again, as `scenario run` does, would put a
 * wrapper between the pid its launcher watches or kills and the kubelets. So whoever starts one
 * passes launchFlags().
 */
export const NODE_PROCESS_V8_FLAGS = ['--max-semi-space-size=64'];

/**
 * Returns node's options to start `kubus ARGS` with (before bin/kubus): NODE_PROCESS_V8_FLAGS for
 * `kubus node --count`, but any the user set in NODE_OPTIONS (the child inherits `env`); else none.
 */
export function launchFlags(args, env = {}) {
  const i = args.indexOf('node');
  if (i < 0 || !args.some((a, j) => j > i && (a === '--count' || a.startsWith('--count=')))) return [];
  return notGiven(NODE_PROCESS_V8_FLAGS, [], env);
}
