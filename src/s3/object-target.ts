import type { S3Client } from "@aws-sdk/client-s3";
import type { RequestOwnership, SseCustomerKey } from "./object-attributes.js";

/** One object on one endpoint, and what every request about it must carry (SSE-C key, payer, owner). */
export interface ObjectTarget {
  client: S3Client;
  bucket: string;
  key: string;
  ownership?: RequestOwnership;
  sseCustomer?: SseCustomerKey;
}
