/**
 * File-system errors in words: a Node error's code (ENOENT, ENOSPC, ...) as what went wrong, so that a
 * wrong path, a full disk or a missing permission reaches the user as "PATH: problem", not as an
 * internal error.
 */
import { InputError } from './errors.js';

const PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of this path is a file, not a folder',
  EISDIR: 'is a folder, expected a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'input/output error',
  EBUSY: 'busy',
};

interface FsError {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** What went wrong, in words, when `err` is a file-system error; undefined otherwise. */
export function fsProblem(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, syscall } = err as FsError;
  if (typeof code !== 'string' || !(code in PROBLEMS)) return undefined;
  // mkdir on an existing file: the path was meant to be a folder.
  if (code === 'EEXIST' && syscall === 'mkdir') return 'exists and is not a folder';
  return PROBLEMS[code];
}

/** A file-system error with a path as an InputError "PATH: problem"; undefined for anything else. */
export function fsInputError(err: unknown): InputError | undefined {
  const problem = fsProblem(err);
  const path = (err as FsError | null)?.path;
  if (problem === undefined || typeof path !== 'string') return undefined;
  return InputError.inFile(path, problem);
}
