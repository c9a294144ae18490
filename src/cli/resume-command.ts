import { defaultJournalPath } from "../journal/location.js";

/** A word the shell passes through unchanged, else the text in single quotes. */
export function shellQuote(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that resumes a kept transfer: by its destination when the journal is the default one for it
 * (what `s3xfer resume s3://bucket/key` finds), else by the journal's path.
 */
export function resumeCommand(bucket: string, key: string, journalPath: string): string {
  const target = journalPath === defaultJournalPath(bucket, key) ? `s3://${bucket}/${key}` : journalPath;
  return `s3xfer resume ${shellQuote(target)}`;
}
