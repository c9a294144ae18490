import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";

/** $XDG_STATE_HOME/s3xfer, else ~/.local/state/s3xfer. */
export function journalDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "s3xfer");
}

/**
 * One journal per destination, named so that `s3xfer resume s3://bucket/key` finds it: readable bucket and
 * key (shortened, unsafe characters replaced) plus a hash of the exact pair, which is what makes it unique.
 */
export function journalFileName(bucket: string, key: string): string {
  const hash = createHash("sha256").update(`${bucket}\0${key}`).digest("hex").slice(0, 16);
  const readable = `${bucket}-${key}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);
  return `${readable}.${hash}.jsonl`;
}

export function defaultJournalPath(
  bucket: string,
  key: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return join(journalDirectory(env), journalFileName(bucket, key));
}
