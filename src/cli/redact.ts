import { readFileSync } from "node:fs";

/**
 * Everything the CLI prints goes through here, so no secret reaches a terminal, a log or a CI transcript:
 * the secret values it knows of (credentials in the environment, SSE-C keys given as flags) are replaced
 * wherever they appear, in any of the forms a key is written in, and so are the request headers and
 * signature fields that carry secrets or are derived from them, whatever printed them.
 */
const REDACTED = "[REDACTED]";

const SECRET_ENV = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"];
const KEY_FLAGS = ["--sse-c-key", "--sse-c-copy-source-key"];

/** Header fields and query parameters whose values are secret (or a signature over secrets). */
const PATTERNS: RegExp[] = [
  // "authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" in any quoting.
  /(\bauthorization["']?\s*[:=]\s*["']?)[^"'\r\n]+/gi,
  /(\bSignature=)[0-9a-f]+/gi,
  /(\bX-Amz-Signature=)[0-9a-f]+/gi,
  /(\bX-Amz-Security-Token=)[^&\s"']+/gi,
  /(\bx-amz-security-token["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi,
  // The SSE-C key headers (not their -MD5 companions, which S3 echoes back and which identify no secret).
  /(\bx-amz-(?:copy-source-)?server-side-encryption-customer-key(?!-md5)["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=]+/gi,
  /(\b(?:SSECustomerKey|CopySourceSSECustomerKey|secretAccessKey|sessionToken)["']?\s*[:=]\s*["']?)[^"'\s,}]+/g,
];

/** The forms a secret may be printed in: as given, and for keys also decoded to hex and raw text. */
function forms(value: string | Uint8Array): string[] {
  const out = new Set<string>();
  if (typeof value === "string") {
    const text = value.trim();
    out.add(text);
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
      const bytes = Buffer.from(text, "base64");
      out.add(bytes.toString("hex"));
      out.add(bytes.toString("hex").toUpperCase());
      const raw = bytes.toString("latin1");
      if (/^[\x20-\x7e]+$/.test(raw)) out.add(raw);
    }
  } else {
    const bytes = Buffer.from(value);
    out.add(bytes.toString("base64"));
    out.add(bytes.toString("hex"));
    out.add(bytes.toString("hex").toUpperCase());
    const raw = bytes.toString("latin1");
    if (/^[\x20-\x7e]+$/.test(raw)) out.add(raw);
  }
  // Short strings would redact ordinary words; no real secret is that short.
  return [...out].filter((s) => s.length >= 8);
}

/** The secret values in this process's environment and command line. */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): string[] {
  const secrets = new Set<string>();
  const add = (value: string | Uint8Array) => forms(value).forEach((s) => secrets.add(s));
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value) add(value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    for (const flag of KEY_FLAGS) {
      let value: string | undefined;
      if (arg === flag) value = argv[i + 1];
      else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
      if (value === undefined) continue;
      add(value);
      if (value.startsWith("file:")) {
        try {
          const content = readFileSync(value.slice(5));
          add(content.length === 32 ? new Uint8Array(content) : content.toString("utf8"));
        } catch {
          // An unreadable key file is reported by the flag's own check; there is nothing here to hide.
        }
      }
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: readonly string[] = defaultSecrets()): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  for (const pattern of PATTERNS) out = out.replace(pattern, `$1${REDACTED}`);
  return out;
}

let cached: string[] | undefined;
function defaultSecrets(): string[] {
  cached ??= knownSecrets();
  return cached;
}

/** Writes to stdout / stderr with every secret removed. */
export function writeOut(text: string): void {
  process.stdout.write(redact(text));
}

export function writeErr(text: string): void {
  process.stderr.write(redact(text));
}
