import type { Argv } from "yargs";
import { defaultJournalPath } from "../../journal/location.js";
import { isS3Url, parseS3Url } from "../../s3/url.js";
import { downloadJournalFor, resumeDownloadCommand } from "./resume-download.js";
import { outputFlags, type OutputFlags } from "../output-flags.js";
import { runTransfer } from "../run-transfer.js";
import {
  connectionFlags,
  connectionFromFlags,
  readSseCKey,
  stallTimeoutFlag,
  type ConnectionFlags,
} from "../transfer-flags.js";

interface ResumeArgs extends ConnectionFlags, OutputFlags {
  target: string;
  restart: boolean;
  concurrency?: number;
  "stall-timeout"?: number;
  "sse-c-key"?: string;
  "sse-c-copy-source-key"?: string;
  "keep-on-error": boolean;
  "keep-journal": boolean;
}

/** The journal a command means: a path, or the default journal of an s3:// destination. */
export function journalTarget(target: string): string {
  // A download's journal is keyed by its destination file: `s3xfer resume ./out` finds it.
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
        outputFlags(
          y
            .positional("target", {
              type: "string",
              demandOption: true,
              describe: "a journal file, the s3://bucket/key destination, or a download's destination file",
            })
            .option("restart", {
              type: "boolean",
              default: false,
              describe: "abort the recorded upload and start the transfer over",
            })
            .option("concurrency", { type: "number", describe: "parts in flight at once" })
            .option("stall-timeout", stallTimeoutFlag())
            .option("sse-c-key", {
              type: "string",
              describe: "the SSE-C key the transfer was started with (base64 or file:PATH)",
            })
            .option("sse-c-copy-source-key", { type: "string", describe: "the SSE-C key of a copy's source" })
            .option("keep-on-error", {
              type: "boolean",
              default: false,
              describe:
                "on a failure, keep the multipart upload and its journal to resume again, even if not transient",
            })
            .option("keep-journal", {
              type: "boolean",
              default: false,
              describe: "keep the journal once the transfer completed and was verified",
            }),
        ),
      ).example(
        "$0 resume s3://bucket/huge.tar",
        "continue where the interrupted cp stopped",
      ) as unknown as Argv<ResumeArgs>,
    async (args) => {
      const sseKey = readSseCKey(args["sse-c-key"], "--sse-c-key");
      const sourceKey = readSseCKey(args["sse-c-copy-source-key"], "--sse-c-copy-source-key");
      const journal = journalTarget(args.target);
      if (await resumeDownloadCommand(journal, args, { sseKey })) return;
      // The transfer engine loads only when a transfer runs.
      const { resume } = await import("../../transfer/resume.js");
      const { result, display } = await runTransfer(args, ({ signal, onEvent }) =>
        resume(journal, {
          ...connectionFromFlags(args),
          ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
          ...(args["stall-timeout"] !== undefined ? { stallTimeoutMs: args["stall-timeout"] } : {}),
          ...(sseKey !== undefined ? { sseCustomerKey: sseKey } : {}),
          ...(sourceKey !== undefined ? { sourceSseCustomerKey: sourceKey } : {}),
          restart: args.restart,
          keepForResume: true,
          ...(args["keep-on-error"] ? { keepOnError: true } : {}),
          ...(args["keep-journal"] ? { keepJournal: true } : {}),
          signal,
          onEvent,
        }),
      );
      display.printResult(result);
      process.exitCode = 0;
    },
  );
}
