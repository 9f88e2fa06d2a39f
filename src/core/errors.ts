/**
 * An error a user can cause: a bad path, an unknown name, a wrong shape, a corrupt file.
 * It names the input and what was expected. The CLI prints its message on one line and
 * exits 2; anything else is a bug (stack trace, exit 1).
 */
export class UserInputError extends Error {
  /** The offending input, as the user gave it (a path, a name, a shape). */
  readonly input: string;
  /** What would have been accepted. */
  readonly expected: string;

  constructor(message: string, input = '', expected = '') {
    super(message);
    this.name = 'UserInputError';
    this.input = input;
    this.expected = expected;
  }
}

export function isUserInputError(e: unknown): e is UserInputError {
  return e instanceof Error && e.name === 'UserInputError';
}

/** Looks a name up in a registry, or throws a UserInputError that lists the known names. */
export function lookup<T>(registry: Record<string, T>, name: string, what: string): T {
  if (Object.prototype.hasOwnProperty.call(registry, name)) return registry[name];
  const known = Object.keys(registry).join(', ');
  throw new UserInputError(`unknown ${what} '${name}': expected one of ${known}`, name, known);
}
