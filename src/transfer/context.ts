import type { S3Client } from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import { TransferError, UsageError } from "../errors.js";
import type { TransferPlan } from "../planner/index.js";
import { createMainClient, resolveWorkerSettings, type WorkerClientSettings } from "../s3/client-settings.js";
import { checkObjectAttributes, type RequestOwnership } from "../s3/object-attributes.js";
import { PartPool } from "../workers/pool.js";
import { AdaptiveConcurrency } from "./concurrency.js";
import type { TransferEvent } from "./events.js";
import type { Destination } from "./multipart.js";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  checkEncryptionOptions,
  checkLocation,
  resolveAlgorithm,
  resolveConcurrency,
  resolveRetry,
  resolveSseCustomerKey,
  type CommonTransferOptions,
} from "./options.js";
import type { TransferResult, Verification } from "./result.js";
import type { RunPartsSummary } from "./run-parts.js";
import { explainS3Error } from "./s3-errors.js";
import { TransferEvents } from "./session.js";
import { unquote } from "./verify.js";

/** What every part task carries besides its own fields. */
export interface TaskBase {
  client: WorkerClientSettings;
  bucket: string;
  key: string;
  ownership: RequestOwnership;
  idleTimeoutMs: number;
}

/** Everything one transfer needs, resolved once from the caller's options: upload and copy share it. */
export interface TransferContext {
  operation: "upload" | "copy";
  options: CommonTransferOptions;
  client: S3Client;
  dest: Destination & { ownership: RequestOwnership };
  algorithm: ChecksumAlgorithm | null;
  events: TransferEvents;
  pool: PartPool;
  concurrency: AdaptiveConcurrency;
  sourceName: string;
  notes: string[];
  taskBase(): Promise<TaskBase>;
}

/** Validates the common options (before anything is sent) and builds the context. */
export function validateCommonOptions(options: CommonTransferOptions) {
  checkLocation(options.bucket, options.key);
  checkEncryptionOptions(options);
  checkObjectAttributes(options);
  // A retry policy that cannot work is refused before anything is sent.
  resolveRetry(options.retry);
  return {
    maxConcurrency: resolveConcurrency(options.concurrency),
    algorithm: resolveAlgorithm(options.checksumAlgorithm),
    sseCustomer: resolveSseCustomerKey(options.sseCustomerKey),
  };
}

export function createContext(
  operation: "upload" | "copy",
  options: CommonTransferOptions,
  validated: ReturnType<typeof validateCommonOptions>,
  sourceName: string,
  defaultIdleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
): TransferContext {
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const client = createMainClient(options, idleTimeoutMs);
  const ownership: RequestOwnership = {
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
  };
  const dest = {
    client,
    bucket: options.bucket,
    key: options.key,
    ownership,
    ...(validated.sseCustomer ? { sseCustomer: validated.sseCustomer } : {}),
  };
  return {
    operation,
    options,
    client,
    dest,
    algorithm: validated.algorithm,
    events: new TransferEvents(options),
    pool: new PartPool({
      concurrency: validated.maxConcurrency,
      ...(options.threads ? { threads: options.threads } : {}),
    }),
    concurrency: new AdaptiveConcurrency(validated.maxConcurrency),
    sourceName,
    notes: [],
    taskBase: async () => ({
      client: await resolveWorkerSettings(client),
      bucket: options.bucket,
      key: options.key,
      ownership,
      idleTimeoutMs,
    }),
  };
}

/** Runs the transfer body; on failure reports one error event and throws a TransferError. Always cleans up. */
export async function runTransfer(
  context: TransferContext,
  body: () => Promise<TransferResult>,
): Promise<TransferResult> {
  const { options, events } = context;
  try {
    return await body();
  } catch (error) {
    // A cancelled transfer fails with whatever the caller aborted with, not the pool's AbortError.
    const cause =
      options.signal?.aborted && !(error instanceof TransferError) ? options.signal.reason : error;
    // Bad input stays a UsageError (exit 2); everything else names where the transfer failed.
    const failure =
      cause instanceof UsageError
        ? cause
        : explainS3Error(cause, { bucket: options.bucket, key: options.key }, `the ${context.operation}`);
    events.emit({
      type: "error",
      code: failure.code,
      message: failure.message,
      bucket: options.bucket,
      key: options.key,
      ...(failure instanceof TransferError && failure.uploadId ? { uploadId: failure.uploadId } : {}),
      ...(failure instanceof TransferError && failure.partNumber ? { partNumber: failure.partNumber } : {}),
    });
    throw failure;
  } finally {
    events.stop();
    await context.pool.destroy();
    if (!options.client) context.client.destroy();
  }
}

/** The error to throw after a multipart upload failed, saying whether it was aborted or is still there. */
export function withAbortNote(
  error: TransferError,
  aborted: boolean,
  location: { bucket: string; key: string; uploadId: string },
): TransferError {
  const where = { ...location, ...(error.partNumber ? { partNumber: error.partNumber } : {}) };
  const note = aborted
    ? "the multipart upload was aborted, nothing was left on the server"
    : `aborting the multipart upload failed too: remove it with "aws s3api abort-multipart-upload --bucket ${location.bucket} --key ${location.key} --upload-id ${location.uploadId}"`;
  return new TransferError(error.code, `${stripLocation(error.message)}; ${note}`, where, {
    cause: error.cause ?? error,
    exitCode: error.exitCode,
  });
}

/** Messages carry their location in a trailing "(s3://…)"; a re-wrapped error gets it once. */
function stripLocation(message: string): string {
  return message.replace(/ \(s3:\/\/[^)]*\)$/, "");
}

export function startEvent(
  context: TransferContext,
  plan: TransferPlan,
  size: number | null,
  request: "single" | "multipart",
  uploadId?: string,
): TransferEvent {
  return {
    type: "start",
    operation: context.operation,
    bucket: context.dest.bucket,
    key: context.dest.key,
    source: context.sourceName,
    size,
    request,
    partSize: request === "single" ? (size ?? plan.partSize) : plan.partSize,
    partCount: request === "single" ? 1 : plan.partCount,
    concurrency: context.concurrency.max,
    checksumAlgorithm: context.algorithm,
    ...(uploadId ? { uploadId } : {}),
    notes: [...plan.adjustments, ...context.notes],
  };
}

export interface ResultFields {
  request: "single" | "multipart";
  size: number;
  plan: TransferPlan;
  etag: string;
  versionId: string | undefined;
  summary: RunPartsSummary;
  checksum: string | null;
  checksumType: "FULL_OBJECT" | "COMPOSITE" | null;
  verified: Verification;
  uploadId?: string;
  partsResumed?: number;
  partsSent?: number;
  journalPath?: string;
}

/** The result object, emitted as the `complete` event and returned. */
export function buildResult(context: TransferContext, r: ResultFields): TransferResult {
  const out: TransferResult = {
    operation: context.operation,
    bucket: context.dest.bucket,
    key: context.dest.key,
    etag: `"${unquote(r.etag)}"`,
    size: r.size,
    request: r.request,
    parts: r.summary.parts.length,
    partSize: r.request === "single" ? r.size : r.plan.partSize,
    checksumAlgorithm: context.algorithm,
    checksumType: r.checksumType,
    checksum: r.checksum,
    verified: r.verified,
    retries: r.summary.retries,
    throttles: r.summary.throttles,
    partsResumed: r.partsResumed ?? 0,
    partsSent: r.partsSent ?? r.summary.parts.length,
    durationMs: Math.round(context.events.elapsedMs()),
    notes: [...r.plan.adjustments, ...context.notes],
  };
  if (r.versionId) out.versionId = r.versionId;
  if (r.uploadId) out.uploadId = r.uploadId;
  if (r.journalPath) out.journalPath = r.journalPath;
  context.events.emit({ type: "complete", result: out });
  return out;
}
