// Types of v8-flags.mjs (plain JavaScript: bin/kubus reads it before anything is bundled).

/** What `kubus scenario run` needs of V8. */
export declare const SIMULATION_V8_FLAGS: string[];
/** Set in the environment of the process bin/kubus started again (it must not start again). */
export declare const REEXEC_MARK: string;
/** Returns the V8 options to run `kubus` again with, or undefined to run as it is. */
export declare function reexecFlags(args: string[], execArgv?: string[], env?: Record<string, string | undefined>): string[] | undefined;
/** The heap limit for a simulation, in MiB, on a machine with `totalBytes` of memory. */
export declare function oldSpaceMb(totalBytes: number): number;
/** What a `kubus node --count` process needs of V8 (its launcher passes them: launchFlags). */
export declare const NODE_PROCESS_V8_FLAGS: string[];
/** Returns node's options to start `kubus ARGS` with: NODE_PROCESS_V8_FLAGS for `node --count`, but those NODE_OPTIONS in `env` sets. */
export declare function launchFlags(args: string[], env?: Record<string, string | undefined>): string[];
