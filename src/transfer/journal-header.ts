import { createHash } from "node:crypto";
import { JOURNAL_VERSION, type JournalHeader, type SourceIdentity } from "../journal/format.js";
import type { TransferPlan } from "../planner/index.js";
import { endpointFromEnvironment } from "../s3/client-settings.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import type { TransferContext } from "./context.js";
import { checksumTypeFor } from "./multipart.js";

/** The journal header for a new multipart transfer: everything resume needs, and no secret. */
export function journalHeader(
  context: TransferContext,
  operation: "upload" | "copy",
  source: SourceIdentity,
  plan: TransferPlan,
  uploadId: string,
  attributes: ObjectAttributes,
  extra: Partial<JournalHeader> = {},
): JournalHeader {
  const { options, dest } = context;
  const endpoint = options.endpoint ?? endpointFromEnvironment();
  return {
    type: "header",
    version: JOURNAL_VERSION,
    operation,
    createdAt: new Date().toISOString(),
    source,
    destination: {
      bucket: dest.bucket,
      key: dest.key,
      ...(endpoint ? { endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    },
    uploadId,
    plan: {
      objectSize: plan.objectSize!,
      partSize: plan.partSize,
      partCount: plan.partCount!,
      layout: plan.layout,
      ...(plan.offsets ? { offsets: [...plan.offsets] } : {}),
    },
    checksumAlgorithm: context.algorithm,
    checksumType: checksumTypeFor(context.algorithm),
    attributes,
    ...(dest.sseCustomer ? { sseCustomerKeyMd5: sseKeyMd5(dest.sseCustomer.key) } : {}),
    contentMd5: (options as { contentMd5?: boolean }).contentMd5 ?? false,
    ...(options.requestPayer ? { requestPayer: options.requestPayer } : {}),
    ...(options.expectedBucketOwner ? { expectedBucketOwner: options.expectedBucketOwner } : {}),
    ...extra,
  };
}

/** The SSE-C key's MD5, as S3 itself uses it to recognise a key without knowing it. */
export function sseKeyMd5(key: Uint8Array): string {
  return createHash("md5").update(key).digest("base64");
}
