import type { Argv } from "yargs";
import { connectionFlags, type ConnectionFlags } from "../transfer-flags.js";
import { sizeOption } from "../size-option.js";

export interface BenchArgs extends ConnectionFlags {
  target: string;
  size?: number;
  "part-size": string;
  concurrency: string;
  mode: string;
  "checksum-algorithm"?: string;
  repeat: number;
  "upload-from": "file" | "stream";
  "temp-dir"?: string;
  json: boolean;
}

export function benchCommand(yargs: Argv): Argv {
  return yargs.command<BenchArgs>(
    "bench <target>",
    "measure upload and server-side copy speed for part sizes × concurrencies, and recommend one",
    (y) =>
      connectionFlags(y)
        .positional("target", {
          type: "string",
          describe:
            "s3://bucket/prefix: an existing bucket; everything is written under the prefix and removed",
          demandOption: true,
        })
        .option("size", sizeOption("--size", "object size to transfer (default 1GiB)"))
        .option("part-size", {
          type: "string",
          default: "8MiB,64MiB",
          describe: "part sizes to try, comma-separated",
        })
        .option("concurrency", {
          type: "string",
          default: "4,16",
          describe: "parts in flight to try, comma-separated",
        })
        .option("mode", {
          type: "string",
          default: "upload,copy",
          describe: "upload (random data from this machine), copy (server-side), or both",
        })
        .option("checksum-algorithm", {
          type: "string",
          describe: "CRC32 | CRC32C | CRC64NVME | SHA1 | SHA256 | NONE (default CRC64NVME)",
        })
        .option("repeat", {
          type: "number",
          default: 1,
          describe: "rounds: every setting runs once per round (interleaved); figures are medians",
        })
        .option("upload-from", {
          choices: ["file", "stream"] as const,
          default: "file" as const,
          describe:
            "file: a temp file of --size written once (what `cp FILE` does); stream: generated on the fly (what `cp -` does)",
        })
        .option("temp-dir", {
          type: "string",
          describe: "where the temp file goes (default: the OS temp dir)",
        })
        .option("json", {
          type: "boolean",
          default: false,
          describe: "print one JSON document instead of tables",
        })
        .example("$0 bench s3://my-bucket/tmp", "1 GiB, part sizes 8 and 64 MiB × concurrency 4 and 16")
        .example(
          "$0 bench s3://bench/tmp --size 256MiB --concurrency 2,8 --mode upload --json",
          "uploads only, as JSON",
        ) as unknown as Argv<BenchArgs>,
    async (args) => {
      // The bench's implementation (and the AWS SDK it needs) loads only when it runs.
      const { runBench } = await import("./bench-run.js");
      process.exitCode = await runBench(args);
    },
  );
}
