/**
 * yargs re-parses positionals as if they were flags, and a lone "-" comes out of that as an empty string: "cp
 * - s3://b/k" would name the current directory. The CLI swaps "-" for a value no real argument can hold (argv
 * cannot contain NUL) before parsing, and reads it back as stdin.
 */
export const STDIN_ARG = "\0-";

export function protectStdinArg(argv: string[]): string[] {
  return argv.map((arg) => (arg === "-" ? STDIN_ARG : arg));
}

/** Any other option that was given "-" as its value gets it back. */
export function restoreDashes<T extends object>(args: T, except: string[]): T {
  for (const [name, value] of Object.entries(args)) {
    if (value === STDIN_ARG && !except.includes(name)) (args as Record<string, unknown>)[name] = "-";
  }
  return args;
}
