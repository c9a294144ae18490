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

/**
 * yargs reads a value that starts with "-" as flags of its own: `--part-size -8MiB` gives --part-size an
 * empty string (and the message says `""`, not what was typed). No s3xfer flag starts with a digit, so a
 * "-8MiB" or "-1" after a long flag can only be that flag's value: it is joined to it as `--flag=-8MiB`.
 */
export function joinNegativeValues(argv: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      joined.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(arg) && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}
