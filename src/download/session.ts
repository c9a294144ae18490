/**
 * What one download holds while it runs: the main-thread client (HEAD), the worker pool, adaptive
 * concurrency, events, and how to build a range task. Built once from the caller's options; always closed.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createMainClient, endpointFromEnvironment, resolveWorkerSettings } from "../s3/client-settings.js";
import type { RequestOwnership, SseCustomerKey } from "../s3/object-attributes.js";
import { PartPool } from "../workers/pool.js";
import { AdaptiveConcurrency } from "../engine/concurrency.js";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  checkLocation,
  resolveConcurrency,
  resolveSseCustomerKey,
} from "../transfer/options.js";
import { resolveRetry, type RetryPolicy } from "../engine/retry-policy.js";
import { TransferEvents } from "../transfer/transfer-events.js";
import type { TaskBase } from "../workers/tasks.js";
import type { DownloadOptions } from "./types.js";

export type SessionOptions = Omit<DownloadOptions, "destination">;

export interface DownloadSession {
  options: SessionOptions;
  client: S3Client;
  events: TransferEvents;
  pool: PartPool;
  concurrency: AdaptiveConcurrency;
  retry: RetryPolicy;
  ownership: RequestOwnership;
  sseCustomer: SseCustomerKey | undefined;
  endpoint: string | undefined;
  notes: string[];
  taskBase(): Promise<TaskBase & { idleTimeoutMs: number }>;
  close(): Promise<void>;
}

/** Checks what can be checked before anything is sent (bad input exits 2 with nothing done). */
export function validateDownloadOptions(options: SessionOptions): {
  maxConcurrency: number;
  retry: RetryPolicy;
  sseCustomer: SseCustomerKey | undefined;
} {
  checkLocation(options.bucket, options.key);
  return {
    maxConcurrency: resolveConcurrency(options.concurrency),
    retry: resolveRetry(options.retry),
    sseCustomer: resolveSseCustomerKey(options.sseCustomerKey),
  };
}

export function openSession(options: SessionOptions): DownloadSession {
  const validated = validateDownloadOptions(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const client = createMainClient(options, { idleTimeoutMs });
  const ownership: RequestOwnership = {
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
  };
  const pool = new PartPool({
    concurrency: validated.maxConcurrency,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return {
    options,
    client,
    events: new TransferEvents(options),
    pool,
    concurrency: new AdaptiveConcurrency(validated.maxConcurrency),
    retry: validated.retry,
    ownership,
    sseCustomer: validated.sseCustomer,
    endpoint: options.endpoint ?? endpointFromEnvironment(),
    notes: [],
    taskBase: async () => ({
      client: await resolveWorkerSettings(client),
      bucket: options.bucket,
      key: options.key,
      ownership,
      idleTimeoutMs,
    }),
    async close() {
      await pool.destroy();
      if (!options.client) client.destroy();
    },
  };
}
