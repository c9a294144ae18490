import type { S3Client } from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import { AdaptiveConcurrency } from "../engine/concurrency.js";
import { resolveRetry, type RetryPolicy } from "../engine/retry-policy.js";
import type { PartRunner } from "../engine/run-parts.js";
import { checkAttributeRules } from "../s3/attribute-rules.js";
import { createMainClient, endpointFromEnvironment, resolveWorkerSettings } from "../s3/client-settings.js";
import { checkEndpointUrl } from "../s3/url.js";
import type { ObjectTarget } from "../s3/object-target.js";
import { checkObjectAttributes } from "../s3/object-attributes.js";
import { PartPool } from "../workers/pool.js";
import type { TaskBase } from "../workers/tasks.js";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  checkEncryptionOptions,
  checkLocation,
  resolveAlgorithm,
  resolveConcurrency,
  resolveSseCustomerKey,
  type CommonTransferOptions,
} from "./options.js";
import { TransferEvents } from "./transfer-events.js";

/** The part runner a job uses, and how to let go of it. */
export interface JobRunner extends PartRunner {
  destroy(): Promise<void>;
}

/** Everything one transfer needs, resolved once from the caller's options: every kind of transfer shares it. */
export interface TransferContext {
  operation: "upload" | "copy";
  options: CommonTransferOptions;
  client: S3Client;
  /**
   * The client CreateMultipartUpload goes through: no SDK retries, because a retried Create whose first
   * reply was lost makes a second upload; the job retries it itself and adopts what the lost one made.
   */
  createClient: S3Client;
  target: ObjectTarget;
  algorithm: ChecksumAlgorithm | null;
  retry: RetryPolicy;
  idleTimeoutMs: number;
  events: TransferEvents;
  runner: JobRunner;
  concurrency: AdaptiveConcurrency;
  notes: string[];
  taskBase(): Promise<TaskBase>;
  /** Something to let go of when the transfer ends (the transfer's lock). */
  hold(resource: { release(): Promise<void> }): void;
  /** Lets go of the clients, threads and locks this context holds (not a caller's client). */
  dispose(): Promise<void>;
}

/** What a test may put in place of the real thing: the worker pool (the S3 client goes in `options.client`). */
export interface ContextServices {
  runner?: JobRunner;
}

/** Checks the options every transfer takes, before anything is sent; bad input is a UsageError. */
export function validateCommonOptions(options: CommonTransferOptions) {
  checkLocation(options.bucket, options.key);
  checkEncryptionOptions(options);
  checkObjectAttributes(options);
  // What S3 would refuse is refused here, before a request (or a CreateMultipartUpload) exists.
  checkAttributeRules(options);
  if (!options.client) {
    if (options.endpoint !== undefined) checkEndpointUrl(options.endpoint, "the endpoint");
    else {
      const fromEnvironment = endpointFromEnvironment();
      if (fromEnvironment !== undefined)
        checkEndpointUrl(
          fromEnvironment,
          process.env.AWS_ENDPOINT_URL_S3 ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL",
        );
    }
  }
  return {
    maxConcurrency: resolveConcurrency(options.concurrency),
    algorithm: resolveAlgorithm(options.checksumAlgorithm),
    sseCustomer: resolveSseCustomerKey(options.sseCustomerKey),
    retry: resolveRetry(options.retry),
  };
}

export function createContext(
  operation: "upload" | "copy",
  options: CommonTransferOptions,
  defaults: { idleTimeoutMs?: number } = {},
  services: ContextServices = {},
): TransferContext {
  const validated = validateCommonOptions(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? defaults.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Main-thread requests (HEAD, Complete, Abort, ListParts, tags) follow the retry policy's attempts through
  // the SDK's own retry; parts are retried by the engine, Create by the job.
  const client = createMainClient(options, { idleTimeoutMs, maxAttempts: validated.retry.maxAttempts });
  const createClient = createMainClient(options, { idleTimeoutMs, maxAttempts: 1 });
  const ownership = {
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
  };
  const target: ObjectTarget = {
    client,
    bucket: options.bucket,
    key: options.key,
    ownership,
    ...(validated.sseCustomer ? { sseCustomer: validated.sseCustomer } : {}),
  };
  const runner =
    services.runner ??
    new PartPool({
      concurrency: validated.maxConcurrency,
      ...(options.threads ? { threads: options.threads } : {}),
    });
  let disposed = false;
  const held: { release(): Promise<void> }[] = [];
  return {
    operation,
    options,
    client,
    createClient,
    target,
    algorithm: validated.algorithm,
    retry: validated.retry,
    idleTimeoutMs,
    events: new TransferEvents(options),
    runner,
    concurrency: new AdaptiveConcurrency(validated.maxConcurrency),
    notes: [],
    taskBase: async () => ({
      client: await resolveWorkerSettings(client),
      bucket: options.bucket,
      key: options.key,
      ownership,
      idleTimeoutMs,
    }),
    hold: (resource) => void held.push(resource),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      for (const resource of held) await resource.release().catch(() => undefined);
      await runner.destroy();
      if (!options.client) {
        client.destroy();
        createClient.destroy();
      }
    },
  };
}
