/**
 * Reads a specification given on the command line as a built-in name, a JSON file, or the JSON itself
 * (starting with `{`, as outputs record it): `--world` and `--system`. Errors are one line naming the file
 * (or the flag, for inline JSON).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.js';

export interface SpecDocument {
  doc: unknown;
  /** The file, or the flag for inline JSON: what errors name. */
  origin: string;
  /** The file's folder (relative paths inside resolve against it); undefined for inline JSON. */
  base?: string;
}

/** `kind` names the thing in errors ("world", "system"); `builtins` are listed when a file is missing. */
export function readSpecDocument(
  nameOrFile: string,
  flag: string,
  kind: string,
  builtins: readonly string[],
): SpecDocument {
  const inline = nameOrFile.trim().startsWith('{');
  const origin = inline ? flag : nameOrFile;
  let text = nameOrFile;
  if (!inline) {
    try {
      text = readFileSync(nameOrFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw InputError.inFile(
        nameOrFile,
        code === 'ENOENT'
          ? `no such ${kind} file (built-in ${kind}s: ${builtins.join(', ')})`
          : code === 'EISDIR'
            ? `is a folder, not a ${kind} file`
            : `cannot read the ${kind} file (${code ?? (err as Error).message})`,
      );
    }
  }
  try {
    return { doc: JSON.parse(text), origin, ...(inline ? {} : { base: dirname(resolve(nameOrFile)) }) };
  } catch (err) {
    throw InputError.inFile(origin, `malformed JSON: ${(err as Error).message}`);
  }
}
