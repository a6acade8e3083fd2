// Merging an actor's input over its defaults.

/** Returns `defaults` overridden by the keys of `input` that are set (an undefined value keeps the default). */
export function withDefaults<T extends object>(defaults: T, input: Partial<T> | void | undefined): T {
  const out = { ...defaults };
  if (input) for (const [k, v] of Object.entries(input)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
