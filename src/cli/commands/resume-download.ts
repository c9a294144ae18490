/**
 * `s3xfer resume PATH` for a download: the journal of a download is keyed by its destination file, so the
 * file's path (which holds no journal itself) names it; a journal path works too.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { downloadJournalPath } from "../../download/download-journal.js";
import { resumeDownload } from "../../download/resume-download.js";
import { JournalFile } from "../../journal/journal-file.js";
import { runTransfer } from "../run-transfer.js";
import { connectionFromFlags, type ConnectionFlags } from "../transfer-flags.js";
import { printDownloadResult } from "./cp-download.js";

/** The journal of an unfinished (or finished) download to `target`, if there is one. */
export function downloadJournalFor(target: string): string | undefined {
  const path = downloadJournalPath(resolve(target));
  return existsSync(path) ? path : undefined;
}

interface ResumeDownloadArgs extends ConnectionFlags {
  json: boolean;
  quiet: boolean;
  progress: boolean;
  restart: boolean;
  concurrency?: number;
  "keep-on-error": boolean;
}

/** Resumes the download recorded in `journal` and prints its result; false when it records no download. */
export async function resumeDownloadCommand(
  journal: string,
  args: ResumeDownloadArgs,
  keys: { sseKey: Uint8Array | string | undefined },
): Promise<boolean> {
  const parsed = await JournalFile.read(journal).catch(() => undefined);
  if (parsed?.header.operation !== "download") return false;
  const { result, display, mode } = await runTransfer(args, ({ signal, onEvent }) =>
    resumeDownload(journal, {
      ...connectionFromFlags(args),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(keys.sseKey !== undefined ? { sseCustomerKey: keys.sseKey } : {}),
      restart: args.restart,
      keepForResume: true,
      ...(args["keep-on-error"] ? { keepOnError: true } : {}),
      signal,
      onEvent,
    }),
  );
  printDownloadResult(display, mode, result, false);
  process.exitCode = 0;
  return true;
}
