/**
 * The file a download writes into: never the destination itself. Bytes land in `<destination>.s3xfer-partial`
 * beside it (same directory, so the final rename is atomic and never crosses filesystems), which is
 * preallocated, fsynced, and renamed over the destination only once every byte is in and verified.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { S3xferError, UsageError } from "../errors.js";

export const PARTIAL_SUFFIX = ".s3xfer-partial";

export function partialPath(destination: string): string {
  return `${destination}${PARTIAL_SUFFIX}`;
}

/** A local file problem (disk full, read-only, permissions), said with what to do about it. */
export class LocalFileError extends S3xferError {
  constructor(message: string, cause: unknown) {
    super("TRANSFER_FAILED", message, { cause });
  }
}

/** The local errors worth a message of their own, by errno code. */
export function describeLocalError(
  code: string | undefined,
  path: string,
  size?: number,
): string | undefined {
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return (
        `no space left on the device for ${path}` +
        (size !== undefined ? ` (the download needs ${size} bytes)` : "") +
        ": free some space or download elsewhere"
      );
    case "EROFS":
      return `${path} is on a read-only filesystem: download elsewhere`;
    case "EACCES":
    case "EPERM":
      return `${path} cannot be written (permission denied): check the directory's permissions`;
    default:
      return undefined;
  }
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Where the object goes: the path itself, or the key's base name inside an existing directory. Refuses a
 * missing parent directory and, unless `overwrite`, an existing file. No network: this runs first.
 */
export async function resolveDestination(path: string, key: string, overwrite: boolean): Promise<string> {
  let target = resolve(path);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory() || path.endsWith("/")) {
    const name = basename(key);
    if (!name || key.endsWith("/")) {
      throw new UsageError("USAGE", `the key "${key}" has no file name to use inside ${path}: name the file`);
    }
    if (!info) throw new UsageError("USAGE", `destination directory ${path} does not exist: create it first`);
    target = join(target, name);
  }
  const parent = dirname(target);
  const parentInfo = await stat(parent).catch(() => undefined);
  if (!parentInfo?.isDirectory()) {
    throw new UsageError("USAGE", `destination directory ${parent} does not exist: create it first`);
  }
  const existing = target === resolve(path) ? info : await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new UsageError("USAGE", `destination ${target} is a directory`);
  }
  if (existing && !overwrite) {
    throw new UsageError(
      "USAGE",
      `destination ${target} exists: pass --overwrite to replace it (it is replaced only once the download is complete and verified)`,
    );
  }
  try {
    await access(parent, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      "USAGE",
      describeLocalError(errnoCode(error) === "EROFS" ? "EROFS" : "EACCES", parent) ??
        `${parent} cannot be written`,
    );
  }
  return target;
}

const execFileAsync = promisify(execFile);

/**
 * Creates the partial file with the object's size. Preallocated with fallocate(1) where the filesystem
 * allows it, so a disk that cannot hold the object says so now rather than part-way; else the file is
 * extended sparsely (ftruncate) and space is taken as ranges land.
 */
export async function createPartial(path: string, size: number): Promise<string | undefined> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "w", 0o644).catch((error: unknown) => {
    throw new LocalFileError(describeLocalError(errnoCode(error), path, size) ?? String(error), error);
  });
  try {
    if (size === 0) return undefined;
    try {
      await execFileAsync("fallocate", ["-l", String(size), path]);
      return undefined;
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? "");
      if (/No space left|Disk quota/i.test(stderr)) {
        throw new LocalFileError(describeLocalError("ENOSPC", path, size)!, error);
      }
      // No fallocate(1), or a filesystem without it: extend the file instead.
    }
    await handle.truncate(size);
    return "the partial file could not be preallocated (no fallocate here): space is taken as ranges land";
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof LocalFileError) throw error;
    throw new LocalFileError(describeLocalError(errnoCode(error), path, size) ?? String(error), error);
  } finally {
    await handle.close();
  }
}

/** Makes the partial file's bytes durable, renames it over the destination, and makes the rename durable. */
export async function finishPartial(partial: string, destination: string, overwrite: boolean): Promise<void> {
  const handle = await open(partial, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (!overwrite && (await stat(destination).catch(() => undefined))) {
    throw new UsageError(
      "USAGE",
      `destination ${destination} appeared during the download: pass --overwrite to replace it`,
    );
  }
  await rename(partial, destination);
  const directory = await open(dirname(destination), "r");
  try {
    await directory.sync();
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself has happened.
  } finally {
    await directory.close();
  }
}

export async function removePartial(partial: string): Promise<void> {
  await rm(partial, { force: true });
}
