import type { Argv } from "yargs";
import { formatSize } from "../../planner/size.js";
import { parseS3Url } from "../../s3/url.js";
import type { InProgressUpload } from "../../transfer/in-progress-uploads.js";
import { formatDuration, parseDuration } from "../duration.js";
import { connectionFlags, connectionFromFlags, type ConnectionFlags } from "../transfer-flags.js";

interface UploadsArgs extends ConnectionFlags {
  target: string;
  json: boolean;
  "older-than"?: string;
  "dry-run"?: boolean;
}

/**
 * One row per upload, the key last so a long one does not push the other columns off an 80-column terminal;
 * the upload id (AWS's are over 100 characters) on the line below its row, whole, to copy.
 */
function table(uploads: InProgressUpload[]): string {
  if (uploads.length === 0) return "no multipart uploads in progress\n";
  const head = ["AGE", "PARTS", "BYTES", "JOURNAL", "INITIATED (UTC)", "KEY"];
  const rows = uploads.map((u) => [
    u.ageMs === undefined ? "?" : formatDuration(u.ageMs),
    String(u.parts),
    formatSize(u.bytes),
    u.journal ? "yes" : "no",
    u.initiated ? u.initiated.toISOString().slice(0, 16).replace("T", " ") : "?",
    u.key,
  ]);
  const right = new Set([1, 2]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(head)];
  uploads.forEach((u, i) => out.push(line(rows[i]!), `  upload id ${u.uploadId}`));
  return `${out.join("\n")}\n`;
}

function location(target: string): { bucket: string; prefix: string } {
  const { bucket, key } = parseS3Url(target, { requireKey: false });
  return { bucket, prefix: key };
}

export function uploadsCommand(yargs: Argv): Argv {
  return yargs.command(
    "uploads",
    "list or clean up in-progress multipart uploads (orphans cost money)",
    (y) =>
      y
        .command<UploadsArgs>(
          "ls <target>",
          "list in-progress multipart uploads under s3://bucket[/prefix]",
          (z) =>
            connectionFlags(
              z
                .positional("target", {
                  type: "string",
                  demandOption: true,
                  describe: "s3://bucket or s3://bucket/prefix",
                })
                .option("json", {
                  type: "boolean",
                  default: false,
                  describe: "one JSON array of the uploads on stdout",
                }),
            ) as unknown as Argv<UploadsArgs>,
          async (args) => {
            const { bucket, prefix } = location(args.target);
            const { listUploads } = await import("../../transfer/in-progress-uploads.js");
            const uploads = await listUploads(bucket, prefix, connectionFromFlags(args));
            process.stdout.write(args.json ? `${JSON.stringify(uploads)}\n` : table(uploads));
            process.exitCode = 0;
          },
        )
        .command<UploadsArgs>(
          "clean <target>",
          "abort in-progress multipart uploads older than --older-than under s3://bucket[/prefix]",
          (z) =>
            connectionFlags(
              z
                .positional("target", { type: "string", demandOption: true })
                .option("older-than", { type: "string", demandOption: true, describe: "e.g. 7d, 12h, 30m" })
                .option("dry-run", {
                  type: "boolean",
                  default: false,
                  describe: "list what would be aborted, abort nothing",
                })
                .option("json", { type: "boolean", default: false }),
            ) as unknown as Argv<UploadsArgs>,
          async (args) => {
            const { bucket, prefix } = location(args.target);
            const olderThan = parseDuration(args["older-than"]!, "--older-than");
            const { cleanUploads } = await import("../../transfer/in-progress-uploads.js");
            const { aborted, kept } = await cleanUploads(bucket, prefix, olderThan, {
              ...connectionFromFlags(args),
              dryRun: args["dry-run"] ?? false,
            });
            if (args.json) {
              process.stdout.write(
                `${JSON.stringify({ dryRun: args["dry-run"] ?? false, aborted, kept })}\n`,
              );
            } else {
              const verb = args["dry-run"] ? "would abort" : "aborted";
              for (const u of aborted) {
                process.stdout.write(
                  `${verb} ${u.key} ${u.uploadId} (age ${formatDuration(u.ageMs ?? 0)}, ${u.parts} parts, ${formatSize(u.bytes)})\n`,
                );
              }
              process.stdout.write(
                `${aborted.length} ${verb === "aborted" ? "aborted" : "to abort"}, ${kept.length} younger kept\n`,
              );
            }
            process.exitCode = 0;
          },
        )
        .demandCommand(1, "name a subcommand: ls or clean"),
  );
}
