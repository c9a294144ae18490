import type { Argv } from "yargs";
import { UsageError } from "../../errors.js";
import { isS3Url, parseS3Url } from "../../s3/url.js";
import { connectionFlags, connectionFromFlags, type ConnectionFlags } from "../transfer-flags.js";
import { journalTarget } from "./resume.js";

interface AbortArgs extends ConnectionFlags {
  target: string;
  "upload-id"?: string;
}

export function abortCommand(yargs: Argv): Argv {
  return yargs.command<AbortArgs>(
    "abort <target>",
    "abort a transfer's multipart upload (from its journal, or by upload id) so it leaves nothing behind",
    (y) =>
      connectionFlags(
        y
          .positional("target", {
            type: "string",
            demandOption: true,
            describe: "a journal file, or s3://bucket/key",
          })
          .option("upload-id", {
            type: "string",
            describe: "the upload to abort (default: the one the journal records)",
          }),
      ) as unknown as Argv<AbortArgs>,
    async (args) => {
      const connection = connectionFromFlags(args);
      const { abortTransfer } = await import("../../transfer/in-progress-uploads.js");
      let aborted;
      if (args["upload-id"]) {
        if (!isS3Url(args.target))
          throw new UsageError("USAGE", "--upload-id goes with s3://bucket/key, not a journal file");
        const { bucket, key } = parseS3Url(args.target);
        aborted = await abortTransfer({ bucket, key, uploadId: args["upload-id"] }, connection);
      } else {
        aborted = await abortTransfer({ journalPath: journalTarget(args.target) }, connection);
      }
      process.stdout.write(`aborted upload ${aborted.uploadId} of s3://${aborted.bucket}/${aborted.key}\n`);
      process.exitCode = 0;
    },
  );
}
