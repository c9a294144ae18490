import { S3xferError } from "../errors.js";
import { planCopy, type TransferPlan } from "../planner/index.js";
import { createMainClient } from "../s3/client-settings.js";
import { explainS3Error } from "../s3/error-explain.js";
import type { SourceRef } from "../s3/object-requests.js";
import type { SourceIdentity } from "../journal/format.js";
import { resumeOptionsOf, settleUnfinished, type OnUnfinished } from "./find-transfer.js";
import { createContext, validateCommonOptions, type ContextServices } from "./job-context.js";
import { explainConditionalWrite } from "./if-none-match.js";
import { runJob } from "./job.js";
import { resolveSseCustomerKey, type CommonTransferOptions } from "./options.js";
import type { TransferResult } from "./result.js";
import { checkDirectives, checkNotOntoItself, destinationAttributes } from "./sources/copy-attributes.js";
import {
  checkCopyPreconditions,
  S3ObjectSource,
  type CopySourcePreconditions,
} from "./sources/s3-object-source.js";
import { describeSource, type SourceAccess, type SourceObject } from "./sources/source-object.js";

/** As aws-cli's --copy-props: what of the source the destination keeps. */
export type CopyProps = "none" | "metadata-directive" | "default";

export interface CopyOptions extends CommonTransferOptions {
  /** The source object; `versionId` pins a version. */
  source: SourceRef;
  /** COPY (default) keeps the source's metadata and content headers; REPLACE uses the ones given here. */
  metadataDirective?: "COPY" | "REPLACE";
  /** COPY (default) keeps the source's tags; REPLACE uses `tagging`. */
  taggingDirective?: "COPY" | "REPLACE";
  copyProps?: CopyProps;
  /** The key an SSE-C source was written with. */
  sourceSseCustomerKey?: Uint8Array | string;
  expectedSourceBucketOwner?: string;
  /**
   * The caller's preconditions on the source (aws-cli's --copy-source-if-*), checked on its HEAD before
   * anything is written (a failure creates nothing) and sent on CopyObject / UploadPartCopy beside the
   * automatic ETag pin. `ifMatch` must be the source's ETag.
   */
  copySourceIf?: CopySourcePreconditions;
  /**
   * When an unfinished transfer to this destination is recorded: "fail" (default) refuses; "resume"
   * finishes it if it copies this same source object (bucket, key, and version when given; the recorded ETag
   * is checked again before any part is sent), else fails; "restart" aborts its upload and starts over.
   */
  onUnfinished?: OnUnfinished;
}

/** Server-side copies take the server's time per part with no bytes flowing: allow long silences. */
const COPY_IDLE_TIMEOUT_MS = 15 * 60_000;

/**
 * Copies an object server-side: one CopyObject up to 5 GiB, otherwise a multipart upload whose parts are
 * UploadPartCopy requests run by the worker pool. Each part is pinned to the source's ETag and version, the
 * source is checked again before completing, and the result says what was verified.
 */
export async function copy(
  options: CopyOptions,
  /** @internal stand-ins for tests (the worker pool) */
  services: ContextServices = {},
): Promise<TransferResult> {
  validateCommonOptions(options);
  const sourceSseCustomer = resolveSseCustomerKey(options.sourceSseCustomerKey, "SSE-C source key");
  checkDirectives(options);
  const resumed = await settleUnfinished(
    options,
    async (recorded) => objectDiffers(recorded, options.source),
    resumeOptionsOf(options),
    services,
  );
  if (resumed) return resumed;
  const context = createContext("copy", options, { idleTimeoutMs: COPY_IDLE_TIMEOUT_MS }, services);
  const access: SourceAccess = {
    client: context.client,
    ...(sourceSseCustomer ? { sseCustomer: sourceSseCustomer } : {}),
    ...(options.expectedSourceBucketOwner ? { expectedOwner: options.expectedSourceBucketOwner } : {}),
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
  };
  return explainConditionalWrite(options, () =>
    runJob(context, async () => {
      checkNotOntoItself(options);
      const object = await describeSource(options.source, access, options.limits);
      const sourceConditions = checkCopyPreconditions(object, options.copySourceIf);
      const attributes = await destinationAttributes(options, object, access);
      const plan = copyPlan(options, object);
      if (object.layout === "unknown") {
        context.notes.push(
          "the source's part layout could not be learned; parts planned by size (ETags will differ)",
        );
      }
      return new S3ObjectSource(
        object,
        access,
        plan,
        attributes,
        options.expectedSourceBucketOwner,
        options.limits,
        sourceConditions,
      );
    }),
  );
}

/** Why a recorded source is not this source object (undefined: the same one, as far as names tell). */
function objectDiffers(recorded: SourceIdentity, source: SourceRef): string | undefined {
  if (recorded.kind !== "s3") return `it uploads the file ${recorded.path}`;
  const named = `s3://${recorded.bucket}/${recorded.key}`;
  if (recorded.bucket !== source.bucket || recorded.key !== source.key) return `it copies ${named}`;
  if (source.versionId !== undefined && recorded.versionId !== source.versionId)
    return `it copies ${named} version ${recorded.versionId ?? "(none recorded)"}`;
  return undefined;
}

function copyPlan(options: CopyOptions, object: SourceObject): TransferPlan {
  return planCopy(object.size, {
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    strictPartSize: options.strictPartSize ?? false,
    ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
    forceMultipart: options.forceMultipart ?? false,
    ...(object.partSizes ? { sourcePartSizes: object.partSizes } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

/**
 * What `copy` would do, without doing it (cp --dryrun): the options checked, the source HEADed (read only),
 * the parts planned. Nothing is written: no object, no upload, no journal.
 */
export async function planCopyOf(options: CopyOptions): Promise<{ plan: TransferPlan; sourceSize: number }> {
  validateCommonOptions(options);
  const sourceSseCustomer = resolveSseCustomerKey(options.sourceSseCustomerKey, "SSE-C source key");
  checkDirectives(options);
  checkNotOntoItself(options);
  const client = createMainClient(options);
  try {
    const access: SourceAccess = {
      client,
      ...(sourceSseCustomer ? { sseCustomer: sourceSseCustomer } : {}),
      ...(options.expectedSourceBucketOwner ? { expectedOwner: options.expectedSourceBucketOwner } : {}),
      ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    };
    const object = await describeSource(options.source, access, options.limits).catch((error: unknown) => {
      throw error instanceof S3xferError
        ? error
        : explainS3Error(error, options.source, "looking at the source (HEAD)");
    });
    checkCopyPreconditions(object, options.copySourceIf);
    return { plan: copyPlan(options, object), sourceSize: object.size };
  } finally {
    if (!options.client) client.destroy();
  }
}
