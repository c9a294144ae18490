#!/usr/bin/env node
import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import { EXIT } from "./exit-codes.js";
import { reportError } from "./report-error.js";
import { joinNegativeValues, protectStdinArg } from "./stdin-arg.js";

/**
 * Each command's module, loaded only when it is needed: the command being run, or all of them for the
 * top-level help and for an unknown command. Start-up cost is module loading, so `plan` and `--help` must
 * not load what `cp` needs (commands load the AWS SDK and the worker pool only inside their handlers).
 */
const COMMANDS: Record<string, () => Promise<(cli: Argv) => Argv>> = {
  cp: async () => (await import("./commands/cp.js")).cpCommand,
  resume: async () => (await import("./commands/resume.js")).resumeCommand,
  abort: async () => (await import("./commands/abort.js")).abortCommand,
  uploads: async () => (await import("./commands/uploads.js")).uploadsCommand,
  journals: async () => (await import("./commands/journals.js")).journalsCommand,
  plan: async () => (await import("./commands/plan.js")).planCommand,
  bench: async () => (await import("./commands/bench.js")).benchCommand,
};

// The SDK warns on every client that Node 20 support ends in 2027; s3xfer supports Node 20 until then, and
// the warning would land in the middle of a progress bar.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// An error thrown outside the command's own await (a stream's 'error', a timer) would otherwise reach Node's
// default handler and print a raw stack: it goes through the same reporting, and the process ends with its
// code (a transfer in flight keeps its journal, as after a kill, for s3xfer resume).
const reportFatal = (error: unknown) => {
  process.exitCode = reportError(error, process.argv.includes("--debug"));
  process.exit();
};
process.on("uncaughtException", reportFatal);
process.on("unhandledRejection", reportFatal);

const { hideBin } = await import("yargs/helpers");
const argv = joinNegativeValues(protectStdinArg(hideBin(process.argv)));
const debug = argv.includes("--debug");
const options = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;

// --version lists the checksum implementations, which loads their native modules: only when asked, and
// without building the whole command line.
if (options.includes("--version") || options.includes("-V")) {
  const { versionText } = await import("./version-text.js");
  process.stdout.write(`${versionText()}\n`);
  process.exit(EXIT.ok);
}

const { default: yargs } = await import("yargs");
let cli: Argv = yargs(argv)
  .scriptName("s3xfer")
  .usage("$0 <command> [options]\n\nParallel multipart upload and server-side copy of very large S3 objects.")
  .option("debug", { type: "boolean", default: false, describe: "show error details", global: true })
  // -V/--version belongs to s3xfer itself, not to every subcommand's help: answered above, before yargs
  // loads, and declared here so that the help lists it.
  .version(false)
  .option("version", {
    alias: "V",
    type: "boolean",
    global: false,
    describe: "show the version and what it runs on",
  })
  .help()
  .alias("help", "h")
  .strict()
  .demandCommand(1, "name a command")
  .completion("completion", "print a bash/zsh completion script: s3xfer completion >> ~/.bashrc")
  .wrap(Math.min(110, process.stdout.columns ?? 100))
  // yargs' own usage errors become ours, so every bad input exits 2 with one clear line.
  .fail((message, error) => {
    throw error ?? new UsageError("USAGE", `${message} (see s3xfer --help)`);
  });

const named = argv.find((arg) => !arg.startsWith("-"));
// yargs would say "Unknown argument: foo"; name the commands instead.
if (named !== undefined && argv[0] === named && !(named in COMMANDS) && named !== "completion") {
  process.exitCode = reportError(
    new UsageError(
      "USAGE",
      `unknown command "${named}": use one of ${[...Object.keys(COMMANDS), "completion"].join(", ")} (see s3xfer --help)`,
    ),
    debug,
  );
  process.exit();
}
for (const name of named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS)) {
  cli = (await COMMANDS[name]!())(cli);
}

// yargs renders the whole help text before it runs any command's handler (to print it should the handler
// fail); s3xfer never prints help on a failure, and rendering cp's options cost ~70 ms on every run.
const usage = (
  cli as unknown as { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage(): void } } }
)
  .getInternalMethods?.()
  ?.getUsageInstance();
if (usage) usage.cacheHelpMessage = () => undefined;

try {
  await cli.parseAsync();
} catch (error) {
  process.exitCode = reportError(
    error instanceof UsageError || !(error instanceof Error) || error.name !== "YError"
      ? error
      : new UsageError("USAGE", error.message),
    debug,
  );
}
if (process.exitCode === undefined) process.exitCode = EXIT.ok;
