// s.external(): a user's process started through the driver (real mode only), its output and its
// exit in the run's log, handed to the script as a handle.
import { basename } from 'node:path';
import type { ExternalHandle, ExternalSpec } from './api.types.ts';
import type { Driver } from './runner/driver.ts';
import { ExternalProcessError } from './runner/external.ts';

/** Returns the label of an external process's log lines: its name, else the command's base name. */
export const externalName = (spec: ExternalSpec) => spec.name ?? basename(spec.command ?? '?');

/**
 * Starts the process through the driver and returns the script's handle; `say` writes a log line,
 * `queued` runs a step in the script's order (stopping it is one). Throws in simulated mode.
 */
export async function startExternal(d: Driver, spec: ExternalSpec, cwd: string, say: (text: string) => void, queued: (text: string, fn: () => Promise<void>) => Promise<void>): Promise<ExternalHandle> {
  const name = externalName(spec);
  if (!d.external) throw new ExternalProcessError(`s.external(${name}) needs real mode (--real): simulated time is virtual and no HTTP gateway runs; give the scenario modes: ['real']`);
  const p = await d.external({ ...spec, name }, cwd, (line) => say(`${name}| ${line}`));
  void p.exited.then((code) => {
    say(`${name} exited${code === null ? ' (killed by a signal)' : ` with code ${code}`}`);
    d.wake();
  });
  return {
    name,
    pid: p.child.pid ?? -1,
    exited: p.exited,
    get exitCode() {
      return p.exitCode;
    },
    output: () => p.output(),
    stop: () => queued(`stop external ${name}`, () => p.stop()),
  };
}
