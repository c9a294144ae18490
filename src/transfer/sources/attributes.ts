import { GIVEN_ONLY_ATTRIBUTES, type ObjectAttributes } from "../../s3/object-attributes.js";

/** The attributes a copy takes from its source unless --metadata-directive REPLACE says otherwise. */
export const CONTENT_ATTRIBUTE_KEYS = [
  "contentType",
  "contentEncoding",
  "contentLanguage",
  "contentDisposition",
  "cacheControl",
  "expires",
  "metadata",
] as const;

const ATTRIBUTE_KEYS: (keyof ObjectAttributes)[] = [
  ...CONTENT_ATTRIBUTE_KEYS,
  "tagging",
  "storageClass",
  "acl",
  "sse",
  ...GIVEN_ONLY_ATTRIBUTES,
];

/** The object attributes among a caller's options (which hold much else). */
export function pickAttributes(options: ObjectAttributes): ObjectAttributes {
  const attributes: Record<string, unknown> = {};
  for (const key of ATTRIBUTE_KEYS) if (options[key] !== undefined) attributes[key] = options[key];
  return attributes as ObjectAttributes;
}

/** Attributes as a journal stored them (JSON): dates come back as strings. */
export function attributesFromJournal(stored: ObjectAttributes): ObjectAttributes {
  const attributes: ObjectAttributes = { ...stored };
  if (attributes.expires) attributes.expires = new Date(attributes.expires);
  return attributes;
}
