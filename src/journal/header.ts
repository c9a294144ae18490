import { createHash } from "node:crypto";
import type { ChecksumAlgorithm } from "../checksum/index.js";
import { checksumTypeFor } from "../checksum/index.js";
import type { TransferPlan } from "../planner/index.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import { JOURNAL_VERSION, type JournalHeader, type SourceIdentity } from "./format.js";

/** Everything a new transfer's journal header records, as plain values. */
export interface HeaderValues {
  operation: "upload" | "copy";
  source: SourceIdentity;
  destination: { bucket: string; key: string; endpoint?: string; region?: string };
  plan: TransferPlan;
  algorithm: ChecksumAlgorithm | null;
  attributes: ObjectAttributes;
  sseCustomerKey?: Uint8Array;
  contentMd5: boolean;
  requestPayer?: "requester";
  expectedBucketOwner?: string;
  sourceLayout?: JournalHeader["sourceLayout"];
}

/** The journal header for a new multipart transfer: everything resume needs, and no secret. */
export function buildHeader(values: HeaderValues): JournalHeader {
  const { plan } = values;
  return {
    type: "header",
    version: JOURNAL_VERSION,
    operation: values.operation,
    createdAt: new Date().toISOString(),
    source: values.source,
    destination: values.destination,
    // The upload id follows in its own line, once CreateMultipartUpload has answered.
    uploadId: "",
    plan: {
      objectSize: plan.objectSize!,
      partSize: plan.partSize,
      partCount: plan.partCount!,
      layout: plan.layout,
      ...(plan.offsets ? { offsets: [...plan.offsets] } : {}),
    },
    checksumAlgorithm: values.algorithm,
    checksumType: checksumTypeFor(values.algorithm),
    attributes: values.attributes,
    ...(values.sseCustomerKey ? { sseCustomerKeyMd5: sseKeyMd5(values.sseCustomerKey) } : {}),
    contentMd5: values.contentMd5,
    ...(values.requestPayer ? { requestPayer: values.requestPayer } : {}),
    ...(values.expectedBucketOwner ? { expectedBucketOwner: values.expectedBucketOwner } : {}),
    ...(values.sourceLayout ? { sourceLayout: values.sourceLayout } : {}),
  };
}

/** The SSE-C key's MD5, as S3 itself uses it to recognise a key without knowing it. */
export function sseKeyMd5(key: Uint8Array): string {
  return createHash("md5").update(key).digest("base64");
}
