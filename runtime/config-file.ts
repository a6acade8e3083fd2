// Configuration files given by flag (YAML or JSON): read, parsed and checked, with any error naming the file.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Reads `file`, parses it and hands the document to `check`; a failure of either becomes `toError('<what> <file>: <why>')`. */
export function loadConfigFile<T>(file: string, what: string, toError: (message: string) => Error, check: (doc: unknown) => T): T {
  try {
    return check(parseYaml(readFileSync(file, 'utf8')) as unknown);
  } catch (err) {
    throw toError(`${what} ${file}: ${(err as Error).message}`);
  }
}
