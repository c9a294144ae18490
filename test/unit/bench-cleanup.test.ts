import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { cleanUp } from "../../src/bench/bench-cleanup.js";

interface Stored {
  key: string;
  versionId?: string;
}

/**
 * An in-memory bucket that answers the listing, abort and delete requests a cleanup sends, one item per
 * page (so every listing must follow its markers), and refuses to delete the keys in `stuck`.
 */
function fakeBucket(options: { versioned: boolean; objects: Stored[]; uploads: Stored[]; stuck?: string[] }) {
  const objects = [...options.objects];
  const uploads = [...options.uploads];
  const sent: string[] = [];
  const page = <T>(items: T[], marker: number) => ({
    items: items.slice(marker, marker + 1),
    next: marker + 1 < items.length ? String(marker + 1) : undefined,
  });
  const client = {
    send(command: unknown): Promise<unknown> {
      sent.push((command as object).constructor.name);
      if (command instanceof GetBucketVersioningCommand)
        return Promise.resolve({ Status: options.versioned ? "Enabled" : undefined });
      if (command instanceof ListMultipartUploadsCommand) {
        const { items, next } = page(uploads, Number(command.input.KeyMarker ?? 0));
        return Promise.resolve({
          Uploads: items.map((u) => ({ Key: u.key, UploadId: u.versionId })),
          IsTruncated: next !== undefined,
          NextKeyMarker: next,
        });
      }
      if (command instanceof AbortMultipartUploadCommand) {
        uploads.splice(
          uploads.findIndex((u) => u.versionId === command.input.UploadId),
          1,
        );
        return Promise.resolve({});
      }
      if (command instanceof ListObjectVersionsCommand) {
        const { items, next } = page(objects, Number(command.input.KeyMarker ?? 0));
        return Promise.resolve({
          Versions: items.map((o) => ({ Key: o.key, VersionId: o.versionId })),
          IsTruncated: next !== undefined,
          NextKeyMarker: next,
        });
      }
      if (command instanceof ListObjectsV2Command) {
        const { items, next } = page(objects, Number(command.input.ContinuationToken ?? 0));
        return Promise.resolve({
          Contents: items.map((o) => ({ Key: o.key })),
          IsTruncated: next !== undefined,
          NextContinuationToken: next,
        });
      }
      if (command instanceof DeleteObjectCommand) {
        if (options.stuck?.includes(command.input.Key!)) {
          return Promise.reject(
            Object.assign(new Error("denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
          );
        }
        const at = objects.findIndex(
          (o) => o.key === command.input.Key && o.versionId === command.input.VersionId,
        );
        if (at >= 0) objects.splice(at, 1);
        return Promise.resolve({});
      }
      return Promise.reject(new Error(`unexpected ${sent.at(-1)}`));
    },
  };
  return { client: client as unknown as S3Client, objects, uploads, sent };
}

describe("bench cleanUp", () => {
  it("aborts every open upload and deletes every object, following every page, and finds nothing left", async () => {
    const bucket = fakeBucket({
      versioned: false,
      objects: [{ key: "p/a" }, { key: "p/b" }, { key: "p/c" }],
      uploads: [
        { key: "p/u1", versionId: "id-1" },
        { key: "p/u2", versionId: "id-2" },
      ],
    });
    const cleanup = await cleanUp(bucket.client, "b", "p/");
    expect(cleanup).toEqual({
      objectsDeleted: 3,
      uploadsAborted: 2,
      leftBehind: { objects: 0, uploads: 0 },
      errors: [],
    });
    expect(bucket.objects).toEqual([]);
    expect(bucket.uploads).toEqual([]);
    expect(bucket.sent).not.toContain("ListObjectVersionsCommand");
  });

  it("in a versioned bucket deletes every version, by version id", async () => {
    const bucket = fakeBucket({
      versioned: true,
      objects: [
        { key: "p/a", versionId: "v1" },
        { key: "p/a", versionId: "v2" },
      ],
      uploads: [],
    });
    const cleanup = await cleanUp(bucket.client, "b", "p/");
    expect(cleanup.objectsDeleted).toBe(2);
    expect(cleanup.leftBehind).toEqual({ objects: 0, uploads: 0 });
    expect(bucket.sent).not.toContain("ListObjectsV2Command");
  });

  it("reports what it could not delete, with the error's code and status, and counts what is left", async () => {
    const bucket = fakeBucket({
      versioned: false,
      objects: [{ key: "p/a" }, { key: "p/locked" }],
      uploads: [],
      stuck: ["p/locked"],
    });
    const cleanup = await cleanUp(bucket.client, "b", "p/");
    expect(cleanup.objectsDeleted).toBe(1);
    expect(cleanup.leftBehind).toEqual({ objects: 1, uploads: 0 });
    expect(cleanup.errors).toEqual(["deleting p/locked: AccessDenied (HTTP 403)"]);
  });
});
