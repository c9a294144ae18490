/**
 * Fetches a download's ranges through the shared engine (run-parts: retries, AIMD, stall timeouts, live
 * progress) with one "get-range" worker task per range, and turns the engine's outcome into the download's
 * own words (a changed object, a full disk).
 */
import { TransferError } from "../errors.js";
import { partRanges, type PartRange, type TransferPlan } from "../planner/index.js";
import { PartProgress } from "../engine/part-progress.js";
import { runParts, type PartDone, type PartJob, type RunPartsSummary } from "../engine/run-parts.js";
import type { TransferEventData } from "../transfer/events.js";
import type { GetRangeTask } from "../workers/tasks.js";
import type { DownloadPlan } from "./download-plan.js";
import type { ObjectFacts } from "./object-facts.js";
import { describeLocalError } from "./partial-file.js";
import type { DownloadSession } from "./session.js";
import type { RangeDigest } from "./verify-download.js";

export type RangeTarget = { type: "file"; path: string } | { type: "memory"; data: Uint8Array };

export interface RangeRun {
  session: DownloadSession;
  facts: ObjectFacts;
  plan: DownloadPlan;
  /** Ranges already in place (resume): not fetched. */
  done: ReadonlyMap<number, RangeDigest>;
  /** Where each range's bytes go; awaited before the range's first attempt (the stream window waits here). */
  target: (range: PartRange) => RangeTarget | Promise<RangeTarget>;
  /** Called as each range finishes, in completion order (the journal, the stream writer). */
  onRange?: (range: PartRange, digest: RangeDigest) => Promise<void>;
  /** Stop handing out ranges once this fires; ranges running finish (Ctrl-C with a journal). */
  stop?: AbortSignal;
  /** Cancel everything now (Ctrl-C without a journal). */
  cancel?: AbortSignal;
  /** Describes the destination in messages. */
  destinationName: string;
}

export interface RangesOutcome {
  digests: RangeDigest[];
  summary: RunPartsSummary;
  fetched: number;
}

export function rangeDigest(range: PartRange, part: Pick<PartDone, "checksum" | "md5">): RangeDigest {
  return {
    start: range.start,
    size: range.size,
    ...(part.checksum ? { checksum: part.checksum } : {}),
    ...(part.md5 ? { md5: part.md5 } : {}),
  };
}

export function emitStart(
  session: DownloadSession,
  facts: ObjectFacts,
  plan: TransferPlan,
  notes: string[],
): void {
  const { options } = session;
  const event = {
    type: "start",
    operation: "download",
    bucket: options.bucket,
    key: options.key,
    source: `s3://${options.bucket}/${options.key}${facts.versionId ? `?versionId=${facts.versionId}` : ""}`,
    size: facts.size,
    request: plan.kind === "multipart" ? "multipart" : "single",
    partSize: plan.partSize,
    partCount: plan.partCount,
    concurrency: session.concurrency.max,
    checksumAlgorithm: facts.checksum?.algorithm ?? null,
    notes,
  };
  // The shared event type names upload and copy only; the shape is the same.
  session.events.emit(event as unknown as TransferEventData);
}

export async function runRanges(run: RangeRun): Promise<RangesOutcome> {
  const { session, facts, plan, done } = run;
  const { options, events, concurrency } = session;
  const ranges = plan.plan.kind === "empty" ? [] : [...partRanges(plan.plan)];
  const byNumber = new Map(ranges.map((r) => [r.partNumber, r]));
  const progress = new PartProgress(concurrency.max);
  for (const digest of done.values()) {
    progress.completedBytes += digest.size;
    progress.partsDone++;
  }
  events.partsResumed = done.size;
  const totals = () => ({ totalBytes: facts.size, partCount: ranges.length });
  events.track(progress, totals, concurrency);

  // A failure after a range's bytes are in (journal write, stream write) must not escape run-parts as a
  // rejection nobody awaits: it is kept here, stops the hand-out of ranges, and is thrown once all settle.
  let afterRangeFailure: unknown;
  async function* jobs(): AsyncGenerator<PartJob> {
    for (const range of ranges) {
      if (done.has(range.partNumber)) continue;
      if (run.stop?.aborted) return;
      if (afterRangeFailure !== undefined) throw afterRangeFailure;
      const target = await run.target(range);
      yield {
        partNumber: range.partNumber,
        bytes: range.size,
        task: async (slot): Promise<GetRangeTask> => ({
          ...(await session.taskBase()),
          kind: "get-range",
          partNumber: range.partNumber,
          ...(facts.versionId ? { versionId: facts.versionId } : {}),
          etag: facts.etag,
          start: range.start,
          end: range.end,
          target,
          ...(plan.rangeAlgorithm ? { checksumAlgorithm: plan.rangeAlgorithm } : {}),
          md5: plan.md5,
          ...(session.sseCustomer ? { sseCustomer: session.sseCustomer } : {}),
          progress: slot,
        }),
      };
    }
  }

  let summary: RunPartsSummary;
  try {
    summary = await runParts(jobs(), {
      runner: session.pool,
      concurrency,
      retry: session.retry,
      location: { bucket: options.bucket, key: options.key },
      emit: events.emit,
      progress,
      ...(run.cancel ? { signal: run.cancel } : {}),
      onPart: async (part) => {
        const range = byNumber.get(part.partNumber)!;
        try {
          await run.onRange?.(range, rangeDigest(range, part));
        } catch (error) {
          afterRangeFailure ??= error;
        }
      },
    });
    if (afterRangeFailure !== undefined) throw afterRangeFailure;
  } catch (error) {
    events.stop();
    throw explainRangeFailure(error, session, run.destinationName);
  }
  events.stop(progress, totals(), concurrency);
  const digests = [...done.values()];
  for (const part of summary.parts) digests.push(rangeDigest(byNumber.get(part.partNumber)!, part));
  return { digests, summary, fetched: summary.parts.length };
}

/** A failed range in the download's words: the object changed, or the local disk said no. */
export function explainRangeFailure(error: unknown, session: DownloadSession, destination: string): unknown {
  if (!(error instanceof TransferError)) return error;
  const { bucket, key } = session.options;
  const location = { bucket, key, ...(error.partNumber ? { partNumber: error.partNumber } : {}) };
  if (error.code === "SOURCE_CHANGED") {
    const detail = /^(.*?)(?:: upload it again.*)?(?: \(s3:\/\/.*\))?$/.exec(error.message)?.[1] ?? "";
    return new TransferError(
      "SOURCE_CHANGED",
      `source changed during download (${detail}): nothing was written to ${destination}; download it again`,
      location,
      { cause: error },
    );
  }
  const local = /\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM)\b/.exec(error.message);
  if (local) {
    return new TransferError(
      "TRANSFER_FAILED",
      describeLocalError(local[1], destination) ?? error.message,
      location,
      { cause: error },
    );
  }
  return error;
}
