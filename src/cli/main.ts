#!/usr/bin/env node
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { UsageError } from "../errors.js";
import { benchCommand } from "./commands/bench.js";
import { abortCommand } from "./commands/abort.js";
import { cpCommand } from "./commands/cp.js";
import { resumeCommand } from "./commands/resume.js";
import { uploadsCommand } from "./commands/uploads.js";
import { journalsCommand } from "./commands/journals.js";
import { planCommand } from "./commands/plan.js";
import { EXIT } from "./exit-codes.js";
import { reportError } from "./report-error.js";
import { protectStdinArg } from "./stdin-arg.js";
import { versionText } from "./version-text.js";

// The SDK warns on every client that Node 20 support ends in 2027; s3xfer supports Node 20 until then, and
// the warning would land in the middle of a progress bar.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const argv = protectStdinArg(hideBin(process.argv));
const debug = argv.includes("--debug");

let cli: Argv = yargs(argv)
  .scriptName("s3xfer")
  .usage("$0 <command> [options]\n\nParallel multipart upload and server-side copy of very large S3 objects.")
  .option("debug", { type: "boolean", default: false, describe: "show error details", global: true })
  .version(versionText())
  .alias("version", "V")
  .help()
  .alias("help", "h")
  .strict()
  .demandCommand(1, "name a command")
  .wrap(Math.min(110, process.stdout.columns ?? 100))
  // yargs' own usage errors become ours, so every bad input exits 2 with one clear line.
  .fail((message, error) => {
    throw error ?? new UsageError("USAGE", `${message} (see s3xfer --help)`);
  });

cli = cpCommand(cli);
cli = resumeCommand(cli);
cli = abortCommand(cli);
cli = uploadsCommand(cli);
cli = journalsCommand(cli);
cli = planCommand(cli);
cli = benchCommand(cli);

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
