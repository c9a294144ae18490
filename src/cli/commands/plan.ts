import type { Argv } from "yargs";
import { planCopy, planUpload, formatBytes, formatSize, type TransferPlan } from "../../planner/index.js";
import { sizeOption } from "../size-option.js";
import { UsageError } from "../../errors.js";

interface PlanArgs {
  size?: number;
  "part-size"?: number;
  "expected-size"?: number;
  "multipart-threshold"?: number;
  "force-multipart": boolean;
  mode: "upload" | "copy";
  json: boolean;
}

export function planCommand(yargs: Argv): Argv {
  return yargs.command<PlanArgs>(
    "plan",
    "show how an object of a given size would be split into parts",
    (y) =>
      y
        .option("size", sizeOption("--size", "object size; leave out to plan a stream of unknown length"))
        .option("part-size", sizeOption("--part-size", "part size to use (refused if S3's limits forbid it)"))
        .option("expected-size", sizeOption("--expected-size", "for a stream: the size to plan parts for"))
        .option(
          "multipart-threshold",
          sizeOption("--multipart-threshold", "objects below this go in one request"),
        )
        .option("force-multipart", { type: "boolean", default: false, describe: "multipart even when small" })
        .option("mode", { choices: ["upload", "copy"] as const, default: "upload" as const })
        .option("json", { type: "boolean", default: false, describe: "print the plan as JSON" })
        .example("$0 plan --size 48.8TiB", "10,000 parts of 5117 MiB")
        .example("$0 plan --size 1GiB --part-size 64MiB --json", "") as unknown as Argv<PlanArgs>,
    (args) => {
      const options = {
        partSize: args["part-size"],
        strictPartSize: args["part-size"] !== undefined,
        expectedSize: args["expected-size"],
        multipartThreshold: args["multipart-threshold"],
        forceMultipart: args["force-multipart"],
      };
      const plan =
        args.mode === "copy"
          ? planCopy(requireSize(args.size), options)
          : planUpload(args.size ?? null, options);
      process.stdout.write(
        args.json ? `${JSON.stringify(planSummary(plan), null, 2)}\n` : describePlan(plan),
      );
    },
  );
}

function requireSize(size: number | undefined): number {
  if (size === undefined) throw new UsageError("USAGE", "--size is required with --mode copy");
  return size;
}

/** The plan as data: no per-part list, which is derivable and would be 10,000 lines. */
export function planSummary(plan: TransferPlan): Record<string, unknown> {
  return {
    request:
      plan.kind === "multipart" ? "multipart" : plan.kind === "empty" ? "single (empty object)" : "single",
    objectSize: plan.objectSize,
    partSize: plan.partSize,
    partCount: plan.partCount,
    lastPartSize: plan.lastPartSize,
    maxObjectSize: plan.maxObjectSize,
    layout: plan.layout,
    adjustments: plan.adjustments,
  };
}

function sized(bytes: number | null): string {
  if (bytes === null) return "unknown";
  const short = formatSize(bytes);
  return short.endsWith(" B") ? short : `${short} (${formatBytes(bytes)} bytes)`;
}

function describePlan(plan: TransferPlan): string {
  const rows: [string, string][] = [["object size", sized(plan.objectSize)]];
  if (plan.kind === "multipart") {
    rows.push(["request", "multipart"]);
    rows.push(["part size", sized(plan.partSize)]);
    rows.push(["parts", plan.partCount === null ? "until the stream ends" : formatBytes(plan.partCount)]);
    if (plan.lastPartSize !== null) rows.push(["last part", sized(plan.lastPartSize)]);
    rows.push(["largest reachable", sized(plan.maxObjectSize)]);
    if (plan.layout === "source") rows.push(["layout", "the source's own part boundaries"]);
  } else {
    rows.push(["request", plan.kind === "empty" ? "one empty PutObject" : "one request (no multipart)"]);
  }
  for (const note of plan.adjustments) rows.push(["note", note]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join("");
}
