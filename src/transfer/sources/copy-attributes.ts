/** What a copy's destination is: the source's attributes unless told otherwise, and the checks on that. */
import { UsageError } from "../../errors.js";
import { GIVEN_ONLY_ATTRIBUTES, type ObjectAttributes } from "../../s3/object-attributes.js";
import { sourceTagging, type SourceAccess } from "../../s3/object-requests.js";
import type { CopyOptions } from "../copy.js";
import { CONTENT_ATTRIBUTE_KEYS, pickAttributes } from "./attributes.js";
import type { SourceObject } from "./source-object.js";

export function checkDirectives(options: CopyOptions): void {
  if (options.copyProps && !["none", "metadata-directive", "default"].includes(options.copyProps)) {
    throw new UsageError(
      "USAGE",
      `--copy-props "${options.copyProps}" is not known: use none, metadata-directive or default`,
    );
  }
  if (CONTENT_ATTRIBUTE_KEYS.some((k) => options[k] !== undefined) && options.metadataDirective === "COPY") {
    throw new UsageError(
      "USAGE",
      "metadata or content headers were given with --metadata-directive COPY: use REPLACE to set them",
    );
  }
  if (options.taggingDirective === "COPY" && options.tagging !== undefined) {
    throw new UsageError(
      "USAGE",
      "--tagging was given with --tagging-directive COPY: use REPLACE to set tags",
    );
  }
}

/** S3 refuses a copy onto itself that changes nothing; so do we, before sending anything. */
export function checkNotOntoItself(options: CopyOptions): void {
  const same = options.source.bucket === options.bucket && options.source.key === options.key;
  if (!same || options.source.versionId) return;
  const changes =
    options.metadataDirective === "REPLACE" ||
    options.taggingDirective === "REPLACE" ||
    options.storageClass !== undefined ||
    options.sse !== undefined ||
    options.sseCustomerKey !== undefined;
  if (!changes) {
    throw new UsageError(
      "USAGE",
      `copying s3://${options.bucket}/${options.key} onto itself without changing anything does nothing: ` +
        "change the metadata (--metadata-directive REPLACE), the storage class or the encryption, or name another destination",
    );
  }
}

/**
 * The source's metadata, content headers, storage class and tags unless told otherwise (aws-cli's
 * --copy-props default), and the encryption asked for (never the source's).
 */
export async function destinationAttributes(
  options: CopyOptions,
  source: SourceObject,
  access: SourceAccess,
): Promise<ObjectAttributes> {
  const props = options.copyProps ?? "default";
  const head = source.head;
  const attributes: ObjectAttributes = {};
  if (options.metadataDirective === "REPLACE" || props === "none") {
    Object.assign(attributes, pickAttributes(options));
  } else {
    if (head.ContentType) attributes.contentType = head.ContentType;
    if (head.ContentEncoding) attributes.contentEncoding = head.ContentEncoding;
    if (head.ContentLanguage) attributes.contentLanguage = head.ContentLanguage;
    if (head.ContentDisposition) attributes.contentDisposition = head.ContentDisposition;
    if (head.CacheControl) attributes.cacheControl = head.CacheControl;
    if (head.Expires) attributes.expires = head.Expires;
    if (head.Metadata && Object.keys(head.Metadata).length > 0) attributes.metadata = head.Metadata;
  }
  delete attributes.tagging;
  if (options.taggingDirective === "REPLACE") {
    if (options.tagging) attributes.tagging = options.tagging;
  } else if (props === "default") {
    const tags = await sourceTagging(source, access);
    if (tags) attributes.tagging = tags;
  }
  const storageClass =
    options.storageClass ??
    (head.StorageClass && head.StorageClass !== "STANDARD" ? head.StorageClass : undefined);
  if (storageClass) attributes.storageClass = storageClass;
  if (options.acl) attributes.acl = options.acl;
  if (options.sse) attributes.sse = options.sse;
  // S3 never copies retention, legal hold, grants or a website redirect: only what the caller gives.
  for (const key of GIVEN_ONLY_ATTRIBUTES)
    if (options[key] !== undefined) Object.assign(attributes, { [key]: options[key] });
  return attributes;
}
