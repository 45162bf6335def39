/**
 * Errors that reach the user as one line. `InputError` is for bad files and values
 * (it names the file), `UsageError` for bad command lines. Anything else is a bug.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }

  /** An error about a particular file: "FILE: problem". */
  static inFile(file: string, problem: string): InputError {
    return new InputError(`${file}: ${problem}`);
  }
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
