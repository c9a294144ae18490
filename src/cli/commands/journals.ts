import type { Argv } from "yargs";
import { listJournals, pruneJournals, type JournalEntry } from "../../journal/journal-listing.js";
import { journalDirectory } from "../../journal/location.js";
import { formatDuration, parseDuration } from "../duration.js";

interface JournalsArgs {
  json: boolean;
  "older-than"?: string;
  "dry-run"?: boolean;
}

/** One block per journal: an 80-column terminal cannot hold paths, URLs and ids side by side. */
function describe(entries: JournalEntry[]): string {
  if (entries.length === 0) return `no journals in ${journalDirectory()}\n`;
  return entries
    .map((e) => {
      const lines = [
        `${e.state.padEnd(10)} ${e.destination ?? "(not a journal)"}  (${formatDuration(e.ageMs)} ago)`,
      ];
      if (e.source) lines.push(`  ${e.operation} from ${e.source}`);
      if (e.uploadId) lines.push(`  upload id ${e.uploadId}`);
      lines.push(`  ${e.path}`);
      return lines.join("\n");
    })
    .join("\n")
    .concat("\n");
}

export function journalsCommand(yargs: Argv): Argv {
  return yargs.command("journals", "list or prune the transfer journals on this machine", (y) =>
    y
      .command<JournalsArgs>(
        "ls",
        "list the journals: unfinished transfers (resume or abort them) and finished ones",
        (z) => z.option("json", { type: "boolean", default: false }) as unknown as Argv<JournalsArgs>,
        async (args) => {
          const entries = await listJournals();
          process.stdout.write(args.json ? `${JSON.stringify(entries)}\n` : describe(entries));
          process.exitCode = 0;
        },
      )
      .command<JournalsArgs>(
        "prune",
        "remove finished journals older than --older-than (unfinished ones are kept: their uploads are still on the server)",
        (z) =>
          z
            .option("older-than", { type: "string", demandOption: true, describe: "e.g. 7d, 12h, 30m" })
            .option("dry-run", { type: "boolean", default: false, describe: "list what would be removed" })
            .option("json", { type: "boolean", default: false }) as unknown as Argv<JournalsArgs>,
        async (args) => {
          const olderThan = parseDuration(args["older-than"]!, "--older-than");
          const { removed, kept } = await pruneJournals(olderThan, { dryRun: args["dry-run"] ?? false });
          if (args.json) {
            process.stdout.write(`${JSON.stringify({ dryRun: args["dry-run"] ?? false, removed, kept })}\n`);
          } else {
            const verb = args["dry-run"] ? "would remove" : "removed";
            for (const e of removed) process.stdout.write(`${verb} ${e.path}\n`);
            const unfinished = kept.filter((e) => e.state === "unfinished").length;
            process.stdout.write(
              `${removed.length} ${verb}, ${kept.length} kept` +
                (unfinished ? ` (${unfinished} unfinished: "s3xfer resume" or "s3xfer abort" them)` : "") +
                "\n",
            );
          }
          process.exitCode = 0;
        },
      )
      .demandCommand(1, "name a subcommand: ls or prune"),
  );
}
