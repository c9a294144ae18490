import type { Argv } from "yargs";

/** How a transfer command reports: a progress bar, JSON events, or nothing but errors. */
export interface OutputFlags {
  progress: boolean;
  json: boolean;
  quiet: boolean;
}

/** The output flags `cp` and `resume` share, so both say the same thing the same way. */
export function outputFlags<T>(yargs: Argv<T>): Argv<T & OutputFlags> {
  return yargs
    .option("progress", {
      type: "boolean",
      default: true,
      describe: "show a progress bar on a terminal (--no-progress hides it)",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "newline-delimited JSON events on stdout; the last line is the result (docs/json-events.md)",
    })
    .option("quiet", {
      type: "boolean",
      default: false,
      describe: "print nothing but errors",
    }) as unknown as Argv<T & OutputFlags>;
}
