/**
 * What S3 refuses in an object's attributes, checked before anything is sent: a refusal after the fact costs
 * a request (or a CreateMultipartUpload and a part), and some of these never reach S3 at all — Node refuses
 * to put a control character or a character above U+00FF in a header (ERR_INVALID_CHAR), and one in
 * U+0080–U+00FF goes out as Latin-1 while the signature was computed over UTF-8 (SignatureDoesNotMatch).
 * The limits are AWS's documented ones (user-defined metadata, object tagging, storage classes, canned ACLs).
 */
import { ObjectCannedACL, StorageClass } from "@aws-sdk/client-s3";
import { UsageError } from "../errors.js";
import type { ObjectAttributes } from "./object-attributes.js";

/** "The user-defined metadata is limited to 2 KB": the UTF-8 bytes of every key and value, summed. */
export const MAX_METADATA_BYTES = 2048;
export const MAX_TAGS = 10;
/** Tag lengths are counted in Unicode characters, not bytes. */
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;

export const STORAGE_CLASSES: readonly string[] = Object.values(StorageClass);
export const CANNED_ACLS: readonly string[] = Object.values(ObjectCannedACL);

/** The content headers a caller may set, with the names S3 (and the CLI's flags) give them. */
const CONTENT_HEADERS = [
  ["contentType", "content-type"],
  ["contentEncoding", "content-encoding"],
  ["contentLanguage", "content-language"],
  ["contentDisposition", "content-disposition"],
  ["cacheControl", "cache-control"],
] as const;

// A header name is an RFC 9110 token; a metadata key becomes part of one (x-amz-meta-<key>).
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Tab is allowed in a header value; every other C0 control and DEL is not. Matching control characters is
// this pattern's whole purpose.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const NON_ASCII = /[\u0080-\u{10ffff}]/u;

/** Checks every attribute S3 would refuse; the first problem found is thrown as a UsageError. */
export function checkAttributeRules(attributes: ObjectAttributes): void {
  for (const [field, header] of CONTENT_HEADERS) checkHeaderValue(header, attributes[field]);
  if (attributes.metadata !== undefined) checkMetadata(attributes.metadata);
  if (attributes.tagging !== undefined) checkTagging(attributes.tagging);
  if (attributes.storageClass !== undefined) checkStorageClass(attributes.storageClass);
  if (attributes.acl !== undefined) checkCannedAcl(attributes.acl);
}

/** A character as a person can read it in a message: "U+000A" for a newline, "é (U+00E9)" for a letter. */
function describeChar(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return CONTROL.test(char) ? `the control character ${code}` : `"${char}" (${code})`;
}

function firstMatch(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[0];
}

function checkHeaderValue(header: string, value: string | undefined): void {
  if (value === undefined) return;
  const control = firstMatch(value, CONTROL);
  if (control !== undefined) {
    throw new UsageError(
      "USAGE",
      `${header} contains ${describeChar(control)}: an HTTP header cannot carry control characters; remove it`,
    );
  }
  const nonAscii = firstMatch(value, NON_ASCII);
  if (nonAscii !== undefined) {
    const fix =
      header === "content-disposition"
        ? `write the file name as filename*=UTF-8''<percent-encoded name> (RFC 6266)`
        : "use ASCII only (percent-encode the rest)";
    throw new UsageError(
      "USAGE",
      `${header} contains ${describeChar(nonAscii)}: S3 takes header values in ASCII only; ${fix}`,
    );
  }
}

export function checkMetadata(metadata: Record<string, string>): void {
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "") throw new UsageError("USAGE", "a metadata key is empty: give every value a name (k=v)");
    if (!HTTP_TOKEN.test(key)) {
      const bad = [...key].find((char) => !HTTP_TOKEN.test(char))!;
      throw new UsageError(
        "USAGE",
        `metadata key "${key}" contains ${describeChar(bad)}: a key is sent as the header name ` +
          `x-amz-meta-<key>, so use only ASCII letters, digits and - _ . ! # $ % & ' * + ^ \` | ~`,
      );
    }
    // S3 stores keys in lower case: two keys that differ only in case would silently become one.
    const lower = key.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new UsageError(
        "USAGE",
        `metadata keys "${other}" and "${key}" are the same to S3 (it stores keys in lower case): keep one`,
      );
    }
    seen.set(lower, key);
    const control = firstMatch(value, CONTROL);
    if (control !== undefined) {
      throw new UsageError(
        "USAGE",
        `metadata "${key}" contains ${describeChar(control)}: S3 metadata travels in HTTP headers, ` +
          "which cannot carry control characters; remove it",
      );
    }
    const nonAscii = firstMatch(value, NON_ASCII);
    if (nonAscii !== undefined) {
      throw new UsageError(
        "USAGE",
        `metadata "${key}" contains ${describeChar(nonAscii)}: S3 metadata travels in HTTP headers, ` +
          "which carry ASCII only; encode the value first (e.g. percent-encoding, or RFC 2047 =?UTF-8?B?…?=)",
      );
    }
    bytes += Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new UsageError(
      "USAGE",
      `the metadata is ${bytes} bytes (keys and values): S3 allows at most ${MAX_METADATA_BYTES} bytes of ` +
        "user-defined metadata; shorten it, or store the rest in the object or in tags",
    );
  }
}

/** `tagging` is URL-encoded "k=v&k2=v2", as the x-amz-tagging header takes it. */
export function checkTagging(tagging: string): void {
  if (tagging === "") return;
  const tags = [...new URLSearchParams(tagging)];
  if (tags.length > MAX_TAGS) {
    throw new UsageError(
      "USAGE",
      `${tags.length} tags given: S3 allows at most ${MAX_TAGS} tags on an object; drop ${tags.length - MAX_TAGS}`,
    );
  }
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    const keyChars = [...key].length;
    if (keyChars === 0) throw new UsageError("USAGE", "a tag key is empty: give every tag a name (k=v)");
    if (keyChars > MAX_TAG_KEY_CHARS) {
      throw new UsageError(
        "USAGE",
        `tag key "${key.slice(0, 20)}…" is ${keyChars} characters: S3 allows at most ${MAX_TAG_KEY_CHARS}; shorten it`,
      );
    }
    const valueChars = [...value].length;
    if (valueChars > MAX_TAG_VALUE_CHARS) {
      throw new UsageError(
        "USAGE",
        `the value of tag "${key}" is ${valueChars} characters: S3 allows at most ${MAX_TAG_VALUE_CHARS}; shorten it`,
      );
    }
    if (seen.has(key)) throw new UsageError("USAGE", `tag "${key}" is given twice: S3 takes each key once`);
    seen.add(key);
    if (key.toLowerCase().startsWith("aws:")) {
      throw new UsageError("USAGE", `tag "${key}": the aws: prefix is reserved for AWS; rename the tag`);
    }
    const control = firstMatch(key + value, CONTROL);
    if (control !== undefined) {
      throw new UsageError(
        "USAGE",
        `tag "${key}" contains ${describeChar(control)}: S3 refuses control characters in tags; remove it`,
      );
    }
  }
}

export function checkStorageClass(storageClass: string): void {
  if (STORAGE_CLASSES.includes(storageClass)) return;
  const upper = storageClass.toUpperCase().replace(/-/g, "_");
  const hint = STORAGE_CLASSES.includes(upper) ? `did you mean ${upper}? ` : "";
  throw new UsageError(
    "USAGE",
    `unknown storage class "${storageClass}": ${hint}use one of ${STORAGE_CLASSES.join(", ")}`,
  );
}

export function checkCannedAcl(acl: string): void {
  if (CANNED_ACLS.includes(acl)) return;
  const lower = acl.toLowerCase().replace(/_/g, "-");
  const hint = CANNED_ACLS.includes(lower) ? `did you mean ${lower}? ` : "";
  throw new UsageError("USAGE", `unknown canned ACL "${acl}": ${hint}use one of ${CANNED_ACLS.join(", ")}`);
}
