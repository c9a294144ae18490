/**
 * A small JSON Schema (2020-12) validator for the keywords docs/json-events.schema.json uses: type, const,
 * enum, properties, required, additionalProperties: false, items, minimum, pattern, oneOf and local $ref. A
 * keyword it does not know makes it throw, so the schema cannot silently rely on one that is not checked.
 */
type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs"]);
const KNOWN = new Set([
  "$ref",
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minimum",
  "pattern",
  "oneOf",
]);

export function validateJson(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, "$", errors);
  return errors;
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`only local $ref is supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) node = (node as Schema | undefined)?.[part];
  if (!node || typeof node !== "object") throw new Error(`$ref ${ref} points nowhere`);
  return node as Schema;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function check(root: Schema, schema: Schema, value: unknown, path: string, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword) && !ANNOTATIONS.has(keyword))
      throw new Error(`unsupported JSON Schema keyword ${keyword} at ${path}`);
  }
  if (typeof schema.$ref === "string") check(root, resolve(root, schema.$ref), value, path, errors);
  if ("const" in schema && !equal(schema.const, value))
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}, is ${JSON.stringify(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => equal(option, value)))
    errors.push(`${path}: must be one of ${JSON.stringify(schema.enum)}, is ${JSON.stringify(value)}`);
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
    const actual = jsonType(value);
    const ok = types.includes(actual) || (actual === "integer" && types.includes("number"));
    if (!ok) {
      errors.push(`${path}: must be of type ${types.join(" or ")}, is ${actual}`);
      return;
    }
  }
  if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum)
    errors.push(`${path}: must be ≥ ${schema.minimum}, is ${value}`);
  if (
    typeof value === "string" &&
    typeof schema.pattern === "string" &&
    !new RegExp(schema.pattern, "u").test(value)
  )
    errors.push(`${path}: must match ${schema.pattern}, is ${JSON.stringify(value)}`);
  if (Array.isArray(value) && schema.items && typeof schema.items === "object")
    value.forEach((item, i) => check(root, schema.items as Schema, item, `${path}[${i}]`, errors));
  if (jsonType(value) === "object") {
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? [])
      if (!(name in object)) errors.push(`${path}: lacks required field ${name}`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, field] of Object.entries(object)) {
      if (properties[name]) check(root, properties[name], field, `${path}.${name}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${path}: undocumented field ${name}`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((option) => {
      const found: string[] = [];
      check(root, option, value, path, found);
      return found;
    });
    const matches = results.filter((found) => found.length === 0).length;
    if (matches !== 1) {
      // The closest option's errors say the most: the one with the fewest.
      const closest = results.reduce((a, b) => (b.length < a.length ? b : a));
      errors.push(
        matches === 0
          ? `${path}: matches no event type (closest: ${closest.join("; ")})`
          : `${path}: matches ${matches} event types, must match one`,
      );
    }
  }
}
