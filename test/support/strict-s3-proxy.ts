// An AWS-strict HTTP proxy for tests: it sits in front of the local Ceph, which accepts any
// `x-amz-checksum-*` and returns none, and answers as AWS S3 does where Ceph does not (the rules are in
// strict-s3-rules.ts, each naming the AWS documentation it comes from):
// - refuses what AWS refuses: a wrong part or object checksum (BadDigest), an illegal checksum
//   algorithm/type pair at CreateMultipartUpload, a CompleteMultipartUpload that lacks a part's checksum
//   or gives another one than the part's, a wrong whole-object checksum or type on Complete;
// - returns what AWS returns: the part checksum on UploadPart and in CopyPartResult, the object checksum
//   in PutObject, CompleteMultipartUpload and CopyObject answers, on HeadObject/GetObject with
//   `x-amz-checksum-mode: ENABLED`, and `Checksum*`/ChecksumAlgorithm/ChecksumType in ListParts.
//
// Requests are forwarded unchanged (headers and body byte for byte), so SigV4 signatures stay valid; only
// answers are changed. Clients reach it path-style. A request body is read whole before it is checked and
// forwarded (AWS stores nothing when a checksum is wrong; tests send parts of a few MiB), and so is every
// answer but GetObject's. Checksums the proxy must know but was not told (a part copied with
// UploadPartCopy, an object written by CopyObject) it computes from the bytes, reading them from Ceph with
// its own signed requests (the fixed test credentials). Objects it never saw written (before it started,
// or straight to Ceph) have no checksum: HeadObject answers without one, as AWS does for an object stored
// without a checksum.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Readable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandInput, type S3Client } from "@aws-sdk/client-s3";
import { createReferenceHasher, toS3Base64, type ChecksumAlgorithm } from "../../src/checksum/index.js";
import { classify, type S3Operation } from "./fault-proxy.js";
import { localS3Env, testClient } from "./local-s3.js";
import {
  checkBodyChecksum,
  checkComplete,
  checkCreateMultipartUpload,
  checksumHeader,
  checksumOf,
  copyObjectAlgorithm,
  decodeAwsChunked,
  isAwsChunked,
  isErrorAnswer,
  parseCompleteBody,
  parseCopySource,
  parseCopySourceRange,
  requestChecksum,
  trailerChecksum,
  type ChecksumValue,
  type PartChecksumRule,
  type S3ErrorAnswer,
} from "./strict-s3-rules.js";
import { StrictS3State, type StoredObjectChecksum } from "./strict-s3-state.js";
import {
  addChecksum,
  addListPartsChecksums,
  addListUploadsChecksums,
  deletedKeys,
  uploadIdOf,
} from "./strict-s3-xml.js";

/** A request the proxy answered with an error of its own instead of forwarding it. */
export interface StrictRefusal {
  operation: S3Operation;
  method: string;
  /** Path and query as sent. */
  path: string;
  code: string;
  message: string;
  /** The request's checksum-related headers. */
  checksumHeaders: Record<string, string>;
}

export interface StrictRequestRecord {
  operation: S3Operation;
  method: string;
  path: string;
  checksumHeaders: Record<string, string>;
  status?: number;
  refused?: string;
  /** The body checksum the layer checked against the bytes (from a header or an aws-chunked trailer). */
  verified?: ChecksumValue;
}

export interface StrictS3Proxy {
  readonly url: string;
  readonly state: StrictS3State;
  readonly refusals: StrictRefusal[];
  readonly log: StrictRequestRecord[];
  close(): Promise<void>;
}

export interface StrictS3ProxyOptions {
  /** Where requests go (default: the local S3 of test/support/local-s3.ts). */
  target?: string;
  /** Port to listen on (default: ephemeral). */
  port?: number;
  /** Which Completes must list every part's checksum (see PartChecksumRule; default "every-upload"). */
  partChecksums?: PartChecksumRule;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "expect", "transfer-encoding", "proxy-connection"]);
const CHECKSUM_RELATED =
  /^(x-amz-checksum-|x-amz-sdk-checksum-algorithm$|x-amz-trailer$|content-encoding$|x-amz-content-sha256$|x-amz-copy-source$|x-amz-copy-source-range$|x-amz-mp-object-size$)/;

function checksumHeadersOf(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (CHECKSUM_RELATED.test(name) && value !== undefined) out[name] = String(value);
  }
  return out;
}

function errorXml(error: S3ErrorAnswer, id: number): string {
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code>` +
    `<Message>${escape(error.message)}</Message><RequestId>strict-s3-${id}</RequestId>` +
    `<HostId>strict-s3-proxy</HostId></Error>`
  );
}

async function readAll(stream: Readable | IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The request's payload: the bytes themselves, or decoded from aws-chunked, with a trailer checksum. */
function payloadOf(
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): { chunks: Buffer[]; size: number; given: ChecksumValue | S3ErrorAnswer | undefined } {
  if (!isAwsChunked(headers)) {
    return { chunks: [body], size: body.length, given: requestChecksum(headers) };
  }
  const decoded = decodeAwsChunked(body);
  const size = decoded.chunks.reduce((n, c) => n + c.length, 0);
  return {
    chunks: decoded.chunks,
    size,
    given: requestChecksum(headers) ?? trailerChecksum(headers, decoded.trailers),
  };
}

export async function startStrictS3Proxy(options: StrictS3ProxyOptions = {}): Promise<StrictS3Proxy> {
  const target = new URL(options.target ?? localS3Env().endpoint);
  const reader: S3Client = testClient({ endpoint: target.origin });
  const state = new StrictS3State();
  const refusals: StrictRefusal[] = [];
  const log: StrictRequestRecord[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const sockets = new Set<Socket>();
  let nextId = 0;

  /** The checksum of an object's bytes (or a range of them), read from the server behind. */
  const checksumFromServer = async (
    algorithm: ChecksumAlgorithm,
    input: GetObjectCommandInput,
  ): Promise<string> => {
    const response = await reader.send(new GetObjectCommand(input));
    const hasher = createReferenceHasher(algorithm);
    for await (const chunk of response.Body as Readable) hasher.update(chunk as Buffer);
    return toS3Base64(hasher.digest());
  };

  const ssec = (headers: http.IncomingHttpHeaders, prefix: string): Partial<GetObjectCommandInput> => {
    const key = single(headers[`${prefix}-key`]);
    if (!key) return {};
    return {
      SSECustomerAlgorithm: single(headers[`${prefix}-algorithm`]) ?? "AES256",
      SSECustomerKey: key,
      SSECustomerKeyMD5: single(headers[`${prefix}-key-md5`]),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    const id = ++nextId;
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const url = new URL(path, "http://proxy");
    const operation = classify(method, url, req.headers);
    const segments = url.pathname.split("/").filter(Boolean);
    const bucket = decodeURIComponent(segments[0] ?? "");
    const key = decodeURIComponent(segments.slice(1).join("/"));
    const uploadId = url.searchParams.get("uploadId") ?? "";
    const partNumber = Number(url.searchParams.get("partNumber") ?? 0);
    const record: StrictRequestRecord = {
      operation,
      method,
      path,
      checksumHeaders: checksumHeadersOf(req.headers),
    };
    log.push(record);

    if (expectContinue) res.writeContinue();
    const body = await readAll(req);

    const refuse = (error: S3ErrorAnswer) => {
      record.refused = error.code;
      record.status = error.status;
      refusals.push({
        operation,
        method,
        path,
        code: error.code,
        message: error.message,
        checksumHeaders: record.checksumHeaders,
      });
      const xml = errorXml(error, id);
      res.writeHead(error.status, {
        "content-type": "application/xml",
        "content-length": Buffer.byteLength(xml),
        "x-amz-request-id": `strict-s3-${id}`,
      });
      res.end(method === "HEAD" ? undefined : xml);
    };

    // ---- checks before forwarding: what AWS refuses without storing anything
    let createMode: ReturnType<typeof checkCreateMultipartUpload> | undefined;
    let partChecksum: string | undefined;
    let partSize = 0;
    let putChecksum: StoredObjectChecksum | undefined;
    let completeChecksum: StoredObjectChecksum | null | undefined;
    let copyAlgorithm: ChecksumAlgorithm | null = null;
    const upload = uploadId ? state.uploads.get(uploadId) : undefined;
    try {
      switch (operation) {
        case "CreateMultipartUpload": {
          createMode = checkCreateMultipartUpload(req.headers);
          if (isErrorAnswer(createMode)) return refuse(createMode);
          break;
        }
        case "UploadPart":
        case "PutObject": {
          const payload = payloadOf(req.headers, body);
          if (isErrorAnswer(payload.given)) return refuse(payload.given);
          const problem = checkBodyChecksum(payload.given, payload.chunks, upload?.algorithm);
          if (problem) return refuse(problem);
          if (payload.given) record.verified = payload.given;
          partSize = payload.size;
          if (operation === "UploadPart") {
            const algorithm = upload?.algorithm ?? payload.given?.algorithm;
            if (algorithm) {
              partChecksum =
                payload.given?.algorithm === algorithm
                  ? payload.given.value
                  : checksumOf(algorithm, payload.chunks);
            }
          } else {
            // Rule (User Guide, "Checking object integrity": objects uploaded without a checksum get S3's
            // default CRC64NVME, a full-object checksum; a single-request object's checksum is FULL_OBJECT).
            const sdkAlgorithm = (
              single(req.headers["x-amz-sdk-checksum-algorithm"]) ??
              single(req.headers["x-amz-checksum-algorithm"])
            )?.toUpperCase() as ChecksumAlgorithm | undefined;
            const algorithm = payload.given?.algorithm ?? sdkAlgorithm ?? "CRC64NVME";
            putChecksum = {
              algorithm,
              type: "FULL_OBJECT",
              value: payload.given?.value ?? checksumOf(algorithm, payload.chunks),
            };
          }
          break;
        }
        case "CompleteMultipartUpload": {
          if (!upload) break; // created before this proxy started: the server behind decides
          const verdict = checkComplete(
            upload,
            parseCompleteBody(body.toString("utf8")),
            req.headers,
            options.partChecksums,
          );
          if (isErrorAnswer(verdict)) return refuse(verdict);
          completeChecksum = verdict.checksum ?? null;
          break;
        }
        case "CopyObject": {
          const algorithm = copyObjectAlgorithm(req.headers);
          if (isErrorAnswer(algorithm)) return refuse(algorithm);
          copyAlgorithm = algorithm;
          break;
        }
        default:
          break;
      }
    } catch (error) {
      // A body the rules cannot read (a malformed aws-chunked body): AWS answers 400 too.
      return refuse({ status: 400, code: "InvalidRequest", message: (error as Error).message });
    }

    // ---- forward unchanged
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    const upRes = await new Promise<IncomingMessage>((resolve, reject) => {
      const upstream = http.request(
        { host: target.hostname, port: Number(target.port || 80), method, path, headers, agent },
        resolve,
      );
      upstream.on("error", reject);
      upstream.end(body);
    });
    record.status = upRes.statusCode;
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upRes.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
    }
    const ok = (upRes.statusCode ?? 500) < 300;

    if (operation === "GetObject") {
      if (ok) addObjectChecksumHeaders(req, out, state.object(bucket, key));
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
      return;
    }
    let answer = await readAll(upRes);
    if (ok) {
      let xml = answer.toString("utf8");
      let changed = false;
      switch (operation) {
        case "CreateMultipartUpload": {
          const id = uploadIdOf(xml);
          if (id && createMode && !isErrorAnswer(createMode)) {
            state.createUpload(id, bucket, key, createMode);
            // Rule (CreateMultipartUpload response: x-amz-checksum-algorithm, x-amz-checksum-type).
            if (createMode.algorithm) out["x-amz-checksum-algorithm"] = createMode.algorithm;
            if (createMode.type) out["x-amz-checksum-type"] = createMode.type;
          }
          break;
        }
        case "UploadPart": {
          if (upload) state.recordPart(uploadId, partNumber, { size: partSize, checksum: partChecksum });
          // Rule (UploadPart response: x-amz-checksum-<alg>, "the checksum of the part").
          const algorithm = upload?.algorithm;
          if (algorithm && partChecksum) out[checksumHeader(algorithm)] = partChecksum;
          break;
        }
        case "UploadPartCopy": {
          if (!upload) break;
          const source = parseCopySource(decodeURIComponent(single(req.headers["x-amz-copy-source"]) ?? ""));
          const range = parseCopySourceRange(single(req.headers["x-amz-copy-source-range"]));
          const input: GetObjectCommandInput = {
            Bucket: source.bucket,
            Key: source.key,
            ...(source.versionId ? { VersionId: source.versionId } : {}),
            ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
            ...ssec(req.headers, "x-amz-copy-source-server-side-encryption-customer"),
          };
          let size = range ? range.end - range.start : 0;
          let checksum: string | undefined;
          if (upload.algorithm) {
            // Rule (UploadPartCopy response, CopyPartResult.Checksum*: present when the upload was created
            // with that algorithm): computed here from the source bytes of the range.
            checksum = await checksumFromServer(upload.algorithm, input);
            xml = addChecksum(xml, "CopyPartResult", upload.algorithm, checksum);
            changed = true;
          }
          if (!range) size = Number((await reader.send(new GetObjectCommand(input))).ContentLength ?? 0);
          state.recordPart(uploadId, partNumber, { size, checksum });
          break;
        }
        case "CompleteMultipartUpload": {
          if (!upload || completeChecksum === undefined) break;
          if (!xml.includes("</CompleteMultipartUploadResult>")) break; // an error in a 200 answer
          state.endUpload(uploadId);
          state.recordObject(bucket, key, completeChecksum);
          if (completeChecksum) {
            // Rule (CompleteMultipartUpload response: Checksum* and ChecksumType of the object).
            xml = addChecksum(
              xml,
              "CompleteMultipartUploadResult",
              completeChecksum.algorithm,
              completeChecksum.value,
              completeChecksum.type,
            );
            changed = true;
          }
          break;
        }
        case "PutObject": {
          if (!putChecksum) break;
          state.recordObject(bucket, key, putChecksum);
          // Rule (PutObject response: x-amz-checksum-<alg> and x-amz-checksum-type).
          out[checksumHeader(putChecksum.algorithm)] = putChecksum.value;
          out["x-amz-checksum-type"] = putChecksum.type;
          break;
        }
        case "CopyObject": {
          // Rule (CopyObject, x-amz-checksum-algorithm: "If the CopyObject request does not include this
          // x-amz-checksum-algorithm header, the checksum algorithm will be copied from the source object";
          // with it, S3 computes that algorithm over the object). The copy is one object, so its checksum
          // is FULL_OBJECT; a source without one gets S3's default CRC64NVME.
          const source = parseCopySource(decodeURIComponent(single(req.headers["x-amz-copy-source"]) ?? ""));
          const sourceChecksum = state.object(source.bucket, source.key);
          const algorithm = copyAlgorithm ?? sourceChecksum?.algorithm ?? "CRC64NVME";
          const value =
            !copyAlgorithm && sourceChecksum?.type === "FULL_OBJECT"
              ? sourceChecksum.value
              : await checksumFromServer(algorithm, {
                  Bucket: bucket,
                  Key: key,
                  ...(single(upRes.headers["x-amz-version-id"])
                    ? { VersionId: single(upRes.headers["x-amz-version-id"]) }
                    : {}),
                  ...ssec(req.headers, "x-amz-server-side-encryption-customer"),
                });
          const checksum: StoredObjectChecksum = { algorithm, type: "FULL_OBJECT", value };
          state.recordObject(bucket, key, checksum);
          if (xml.includes("</CopyObjectResult>")) {
            xml = addChecksum(xml, "CopyObjectResult", algorithm, value, "FULL_OBJECT");
            changed = true;
          }
          break;
        }
        case "HeadObject":
          addObjectChecksumHeaders(req, out, state.object(bucket, key));
          break;
        case "ListParts":
          if (upload) {
            // Rule (ListParts response: ChecksumAlgorithm, ChecksumType, and Part.Checksum* for each part).
            xml = addListPartsChecksums(xml, upload);
            changed = true;
          }
          break;
        case "ListMultipartUploads":
          // Rule (ListMultipartUploads response: Upload.ChecksumAlgorithm and Upload.ChecksumType).
          xml = addListUploadsChecksums(xml, (id) => state.uploads.get(id));
          changed = true;
          break;
        case "AbortMultipartUpload":
          state.endUpload(uploadId);
          break;
        case "DeleteObject":
          state.forgetObject(bucket, key);
          break;
        case "DeleteObjects":
          for (const deleted of deletedKeys(body.toString("utf8"))) state.forgetObject(bucket, deleted);
          break;
        default:
          break;
      }
      if (changed) {
        answer = Buffer.from(xml, "utf8");
        out["content-length"] = answer.length;
      }
    }
    res.writeHead(upRes.statusCode ?? 502, out);
    res.end(method === "HEAD" ? undefined : answer);
  };

  const server = http.createServer();
  const serve = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    handle(req, res, expectContinue).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const xml = errorXml(
        { status: 500, code: "InternalError", message: `strict-s3-proxy: ${String(error)}` },
        0,
      );
      res.writeHead(500, { "content-type": "application/xml", "content-length": Buffer.byteLength(xml) });
      res.end(xml);
    });
  };
  server.on("request", (req, res) => serve(req, res, false));
  server.on("checkContinue", (req, res) => serve(req, res, true));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    refusals,
    log,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      reader.destroy();
    },
  };
}

/**
 * Rule (HeadObject / GetObject with `x-amz-checksum-mode: ENABLED`: x-amz-checksum-<alg> and
 * x-amz-checksum-type of the object). Not for a range or a part: the proxy knows whole-object values only.
 */
function addObjectChecksumHeaders(
  req: IncomingMessage,
  out: http.OutgoingHttpHeaders,
  checksum: StoredObjectChecksum | null | undefined,
): void {
  if (!checksum) return;
  if (String(req.headers["x-amz-checksum-mode"] ?? "").toUpperCase() !== "ENABLED") return;
  const url = new URL(req.url ?? "/", "http://proxy");
  if (url.searchParams.has("partNumber") || req.headers.range !== undefined) return;
  out[checksumHeader(checksum.algorithm)] = checksum.value;
  out["x-amz-checksum-type"] = checksum.type;
}
