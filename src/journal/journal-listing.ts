/**
 * The journals on this machine, for `s3xfer journals ls/prune`: what each records and whether it is
 * finished. Unfinished journals belong to uploads still on the server, so pruning never removes them.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { JournalFile } from "./journal-file.js";
import { journalDirectory } from "./location.js";

export interface JournalEntry {
  path: string;
  /** "unfinished" transfers can be resumed or aborted; "unreadable" files are not journals (or damaged). */
  state: "unfinished" | "completed" | "aborted" | "unreadable";
  operation?: "upload" | "copy" | "download";
  destination?: string;
  source?: string;
  uploadId?: string;
  /** When the transfer started, or when it ended if it did. */
  startedAt?: string;
  endedAt?: string;
  /** Age of the last change to the file. */
  ageMs: number;
}

export async function listJournals(
  directory = journalDirectory(),
  now = Date.now(),
): Promise<JournalEntry[]> {
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const entries: JournalEntry[] = [];
  for (const name of names.filter((n) => n.endsWith(".jsonl")).sort()) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    const ageMs = now - info.mtimeMs;
    try {
      const journal = await JournalFile.read(path);
      const { header } = journal;
      const source =
        header.source.kind === "file"
          ? header.source.path
          : `s3://${header.source.bucket}/${header.source.key}`;
      entries.push({
        path,
        state: journal.end?.type ?? "unfinished",
        operation: header.operation,
        destination: `s3://${header.destination.bucket}/${header.destination.key}`,
        source,
        ...(header.uploadId ? { uploadId: header.uploadId } : {}),
        startedAt: header.createdAt,
        ...(journal.end ? { endedAt: journal.end.at } : {}),
        ageMs,
      });
    } catch {
      entries.push({ path, state: "unreadable", ageMs });
    }
  }
  return entries;
}

/** Removes finished (completed or aborted) and unreadable journals older than `olderThanMs`. */
export async function pruneJournals(
  olderThanMs: number,
  options: { directory?: string; dryRun?: boolean; now?: number } = {},
): Promise<{ removed: JournalEntry[]; kept: JournalEntry[] }> {
  const entries = await listJournals(options.directory, options.now);
  const removed = entries.filter((e) => e.state !== "unfinished" && e.ageMs >= olderThanMs);
  if (!options.dryRun) for (const entry of removed) await rm(entry.path, { force: true });
  return { removed, kept: entries.filter((e) => !removed.includes(e)) };
}
