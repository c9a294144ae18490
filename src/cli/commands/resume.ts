import type { Argv } from "yargs";
import { defaultJournalPath } from "../../journal/location.js";
import { isS3Url, parseS3Url } from "../../s3/url.js";
import { resume } from "../../transfer/resume.js";
import { downloadJournalFor, resumeDownloadCommand } from "./resume-download.js";
import type { TransferResult } from "../../transfer/result.js";
import { interruptSignal } from "../interrupt.js";
import { ProgressDisplay, outputMode, printResult } from "../progress-display.js";
import {
  connectionFlags,
  connectionFromFlags,
  readSseCKey,
  type ConnectionFlags,
} from "../transfer-flags.js";

interface ResumeArgs extends ConnectionFlags {
  target: string;
  restart: boolean;
  concurrency?: number;
  "sse-c-key"?: string;
  "sse-c-copy-source-key"?: string;
  "keep-on-error": boolean;
  progress: boolean;
  json: boolean;
  quiet: boolean;
}

/**
 * The journal a command means: a path, or the default journal of an s3:// destination. A download's
 * journal is found from its destination file (`s3xfer resume ./out`), which is not a journal itself.
 */
export function journalTarget(target: string): string {
  if (!isS3Url(target)) return downloadJournalFor(target) ?? target;
  const { bucket, key } = parseS3Url(target);
  return defaultJournalPath(bucket, key);
}

export function resumeCommand(yargs: Argv): Argv {
  return yargs.command<ResumeArgs>(
    "resume <target>",
    "finish an interrupted transfer from its journal, without re-sending finished parts",
    (y) =>
      connectionFlags(
        y
          .positional("target", {
            type: "string",
            demandOption: true,
            describe: "a journal file, the s3://bucket/key destination, or a download's destination file",
          })
          .option("restart", {
            type: "boolean",
            default: false,
            describe: "abort the recorded upload (or drop the partial download) and start the transfer over",
          })
          .option("concurrency", { type: "number", describe: "parts in flight at once" })
          .option("sse-c-key", {
            type: "string",
            describe: "the SSE-C key the transfer was started with (base64 or file:PATH)",
          })
          .option("sse-c-copy-source-key", { type: "string", describe: "the SSE-C key of a copy's source" })
          .option("keep-on-error", { type: "boolean", default: false })
          .option("progress", { type: "boolean", default: true })
          .option("json", { type: "boolean", default: false })
          .option("quiet", { type: "boolean", default: false }),
      ).example(
        "$0 resume s3://bucket/huge.tar",
        "continue where the interrupted cp stopped",
      ) as unknown as Argv<ResumeArgs>,
    async (args) => {
      const mode = outputMode(args);
      const display = new ProgressDisplay(mode);
      const interrupt = interruptSignal();
      const sseKey = readSseCKey(args["sse-c-key"], "--sse-c-key");
      const sourceKey = readSseCKey(args["sse-c-copy-source-key"], "--sse-c-copy-source-key");
      const journal = journalTarget(args.target);
      if (await resumeDownloadCommand(journal, args, display, interrupt, mode, { sseKey })) return;
      let result: TransferResult;
      try {
        result = await resume(journal, {
          ...connectionFromFlags(args),
          ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
          ...(sseKey !== undefined ? { sseCustomerKey: sseKey } : {}),
          ...(sourceKey !== undefined ? { sourceSseCustomerKey: sourceKey } : {}),
          restart: args.restart,
          keepForResume: true,
          ...(args["keep-on-error"] ? { keepOnError: true } : {}),
          signal: interrupt.signal,
          onEvent: display.onEvent,
        });
      } finally {
        display.finish();
        interrupt.dispose();
      }
      printResult(mode, result);
      process.exitCode = 0;
    },
  );
}
