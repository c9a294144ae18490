/**
 * A null S3 endpoint for measuring what a client costs: it answers every call a transfer makes at once and
 * throws the bodies away (counted, never parsed or hashed). Objects named `src-<bytes>` exist with that
 * size, so server-side copies of any size can be run against it. Its own CPU is reported at
 * GET /__sink/stats, so the bench can say how much of the machine the sink took.
 *
 *   node --import ./bench/register.mjs bench/client/sink.ts [PORT]    prints {"port":N} and serves until
 *                                                                      its stdin closes (the bench ends)
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  checksumHeaders,
  classify,
  completeXml,
  copyResultXml,
  copySourceKey,
  createUploadXml,
  declaredSize,
  emptyListXml,
  errorXml,
  listObjectsXml,
  locationXml,
  multipartEtag,
  parseTarget,
  rangeLength,
  taggingXml,
  trailerChecksums,
  type Operation,
} from "./sink-protocol.js";

interface Upload {
  bucket: string;
  key: string;
  /** Part number → [bytes, md5 (hex, from Content-MD5) or ""]. */
  parts: Map<number, [number, string]>;
}

interface StoredObject {
  size: number;
  etag: string;
  parts?: number;
}

export interface SinkStats {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  bodyBytes: number;
  requests: Partial<Record<Operation, number>>;
  /** The first few requests the sink did not recognise (method and URL), to see what a client needed. */
  unknown: string[];
}

/** Keeps at most this much of a body's end: enough for an aws-chunked trailer. */
const TAIL = 512;

export class NullS3Sink {
  private readonly server: Server;
  private readonly uploads = new Map<string, Upload>();
  private readonly objects = new Map<string, StoredObject>();
  private readonly requests: Partial<Record<Operation, number>> = {};
  private readonly unknown: string[] = [];
  private bodyBytes = 0;
  private nextId = 1;
  private readonly date = new Date().toISOString();

  constructor() {
    this.server = createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 }, (req, res) =>
      this.handle(req, res),
    );
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  stats(): SinkStats {
    const cpu = process.cpuUsage();
    return {
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      bodyBytes: this.bodyBytes,
      requests: { ...this.requests },
      unknown: [...this.unknown],
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === "/__sink/stats") {
      req.resume();
      this.reply(res, 200, JSON.stringify(this.stats()), { "content-type": "application/json" });
      return;
    }
    const chunked = req.headers["x-amz-trailer"] !== undefined;
    let tail = "";
    req.on("data", (chunk: Buffer) => {
      this.bodyBytes += chunk.length;
      if (chunked)
        tail = (tail + chunk.subarray(Math.max(0, chunk.length - TAIL)).toString("latin1")).slice(-TAIL);
    });
    req.on("end", () => {
      try {
        this.answer(req, res, tail);
      } catch (error) {
        this.reply(res, 500, errorXml("InternalError", String(error)));
      }
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse, tail: string): void {
    const target = parseTarget(req.url ?? "/", req.headers.host);
    const copyHeader = req.headers["x-amz-copy-source"];
    const copySource = typeof copyHeader === "string" ? copyHeader : undefined;
    const operation = classify(req.method ?? "GET", target, copySource !== undefined);
    this.requests[operation] = (this.requests[operation] ?? 0) + 1;
    const { bucket, key, query } = target;
    const objectId = `${bucket}/${key}`;
    const md5 = contentMd5Hex(req.headers["content-md5"]);
    switch (operation) {
      case "CreateMultipartUpload": {
        const uploadId = `sink-${this.nextId++}-${randomBytes(6).toString("hex")}`;
        this.uploads.set(uploadId, { bucket, key, parts: new Map() });
        return this.reply(res, 200, createUploadXml(bucket, key, uploadId));
      }
      case "UploadPart": {
        const upload = this.upload(res, query.get("uploadId"));
        if (!upload) return;
        const bytes = Number(
          req.headers["x-amz-decoded-content-length"] ?? req.headers["content-length"] ?? 0,
        );
        upload.parts.set(Number(query.get("partNumber")), [bytes, md5]);
        return this.reply(res, 200, "", {
          etag: `"${md5 || this.fakeMd5()}"`,
          ...checksumHeaders(req.headers),
          ...trailerChecksums(tail),
        });
      }
      case "UploadPartCopy": {
        const upload = this.upload(res, query.get("uploadId"));
        if (!upload) return;
        const source = this.sourceSize(copySource!);
        if (source === undefined) return this.reply(res, 404, errorXml("NoSuchKey", "no such source"));
        const bytes = rangeLength(header(req, "x-amz-copy-source-range")) ?? source;
        upload.parts.set(Number(query.get("partNumber")), [bytes, ""]);
        return this.reply(res, 200, copyResultXml("CopyPartResult", `"${this.fakeMd5()}"`, this.date));
      }
      case "CompleteMultipartUpload": {
        const upload = this.upload(res, query.get("uploadId"));
        if (!upload) return;
        this.uploads.delete(query.get("uploadId")!);
        let size = 0;
        const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
        const hash = createHash("md5");
        for (const n of numbers) {
          const [bytes, partMd5] = upload.parts.get(n)!;
          size += bytes;
          hash.update(Buffer.from(partMd5 || this.fakeMd5(), "hex"));
        }
        const etag = `"${hash.digest("hex")}-${numbers.length}"`;
        this.objects.set(objectId, { size, etag, parts: numbers.length });
        return this.reply(res, 200, completeXml(bucket, key, etag));
      }
      case "AbortMultipartUpload":
        this.uploads.delete(query.get("uploadId") ?? "");
        return this.reply(res, 204, "");
      case "PutObject": {
        const bytes = Number(
          req.headers["x-amz-decoded-content-length"] ?? req.headers["content-length"] ?? 0,
        );
        const etag = `"${md5 || this.fakeMd5()}"`;
        this.objects.set(objectId, { size: bytes, etag });
        return this.reply(res, 200, "", { etag, ...checksumHeaders(req.headers), ...trailerChecksums(tail) });
      }
      case "CopyObject": {
        const size = this.sourceSize(copySource!);
        if (size === undefined) return this.reply(res, 404, errorXml("NoSuchKey", "no such source"));
        const etag = `"${this.fakeMd5()}"`;
        this.objects.set(objectId, { size, etag });
        return this.reply(res, 200, copyResultXml("CopyObjectResult", etag, this.date));
      }
      case "HeadObject": {
        const stored = this.objects.get(objectId);
        const declared = declaredSize(key);
        if (!stored && declared === undefined) return this.reply(res, 404, "");
        const size = stored?.size ?? declared!;
        return this.reply(res, 200, "", {
          "content-length": String(size),
          etag: stored?.etag ?? multipartEtag(size, 1),
          "last-modified": new Date(this.date).toUTCString(),
          "content-type": "application/octet-stream",
        });
      }
      case "DeleteObject":
        this.objects.delete(objectId);
        return this.reply(res, 204, "");
      case "HeadBucket":
        return this.reply(res, 200, "");
      case "GetBucketLocation":
        return this.reply(res, 200, locationXml());
      case "CreateBucket":
        return this.reply(res, 200, "");
      case "ListMultipartUploads":
      case "ListParts":
        return this.reply(res, 200, emptyListXml(operation, bucket, key));
      case "ListObjects":
        return this.reply(res, 200, this.listing(bucket, query.get("prefix") ?? ""));
      case "GetObjectTagging":
        return this.reply(res, 200, taggingXml());
      case "PutObjectTagging":
        return this.reply(res, 200, "");
      case "Unknown":
        if (this.unknown.length < 20) this.unknown.push(`${req.method} ${req.url}`);
        return this.reply(res, 501, errorXml("NotImplemented", "the null sink does not answer this call"));
    }
  }

  /** Stored objects under the prefix, and the declared source the prefix names (rclone lists to find one). */
  private listing(bucket: string, prefix: string): string {
    const found: { key: string; size: number; etag: string }[] = [];
    for (const [id, object] of this.objects) {
      const key = id.slice(bucket.length + 1);
      if (id.startsWith(`${bucket}/`) && key.startsWith(prefix) && found.length < 1000)
        found.push({ key, ...object });
    }
    const declared = declaredSize(prefix);
    if (declared !== undefined && !this.objects.has(`${bucket}/${prefix}`)) {
      found.push({ key: prefix, size: declared, etag: multipartEtag(declared, 1) });
    }
    return listObjectsXml(bucket, prefix, found, this.date);
  }

  private upload(res: ServerResponse, uploadId: string | null): Upload | undefined {
    const upload = uploadId ? this.uploads.get(uploadId) : undefined;
    if (!upload) this.reply(res, 404, errorXml("NoSuchUpload", "no such upload"));
    return upload;
  }

  private sourceSize(copySource: string): number | undefined {
    const { bucket, key } = copySourceKey(copySource);
    return this.objects.get(`${bucket}/${key}`)?.size ?? declaredSize(key);
  }

  private fakeMd5(): string {
    return (this.nextId++).toString(16).padStart(32, "0");
  }

  private reply(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    const xml = body !== "" && !headers["content-type"];
    res.writeHead(status, {
      "x-amz-request-id": "sink",
      ...(xml ? { "content-type": "application/xml" } : {}),
      ...(headers["content-length"] === undefined
        ? { "content-length": String(Buffer.byteLength(body)) }
        : {}),
      ...headers,
    });
    res.end(body);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** The hex MD5 a Content-MD5 header carries (what S3 returns as a part's ETag), or "". */
function contentMd5Hex(value: string | string[] | undefined): string {
  if (typeof value !== "string") return "";
  const bytes = Buffer.from(value, "base64");
  return bytes.length === 16 ? bytes.toString("hex") : "";
}

async function main(): Promise<void> {
  const sink = new NullS3Sink();
  const port = await sink.listen(Number(process.argv[2] ?? 0));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  // The bench owns the sink: when the bench's end of stdin closes (it ended or died), the sink stops.
  process.stdin.resume();
  process.stdin.on("end", () => void sink.close().then(() => process.exit(0)));
  process.on("SIGTERM", () => void sink.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
