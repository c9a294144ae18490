// A fault-injecting HTTP proxy for tests: it sits between s3xfer and the local Ceph and, by rule, answers
// requests with 503 SlowDown / 500 InternalError, resets connections in the middle of a request or a
// response, drops a response whole after the server did the work, stalls, or throttles bandwidth. Clients reach it path-style, so it only has to forward each
// request to one upstream; the Host header goes through unchanged because SigV4 signed it.
//
// Decisions are deterministic for a seed: each request's draw is a hash of the seed, what the request is
// (operation, path, part number) and how many times that same request was seen before, so the same run
// gets the same faults on the same attempts however the parts interleave.
import { createHash } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { localS3Env } from "./local-s3.js";

export type S3Operation =
  | "UploadPart"
  | "UploadPartCopy"
  | "PutObject"
  | "CopyObject"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "ListMultipartUploads"
  | "HeadObject"
  | "HeadBucket"
  | "GetObject"
  | "GetObjectTagging"
  | "PutObjectTagging"
  | "DeleteObject"
  | "DeleteObjects"
  | "ListObjects"
  | "CreateBucket"
  | "DeleteBucket"
  | "Other";

export type FaultKind =
  | "slowdown"
  | "internal-error"
  | "reset-request"
  | "reset-response"
  | "drop-response"
  | "stall"
  | "throttle"
  /** 412 PreconditionFailed, as S3 answers a conditional write (If-None-Match: *) onto an existing key. */
  | "precondition-failed";

export interface RequestInfo {
  method: string;
  operation: S3Operation;
  bucket: string;
  key: string;
  partNumber?: number;
  /** How many requests with the same identity (operation, path, part) came before this one. */
  occurrence: number;
}

export interface FaultRule {
  fault: FaultKind;
  /** Chance of firing for a matching request (default 1). Matching rules share one draw: see `decide`. */
  probability?: number;
  operations?: S3Operation[];
  partNumbers?: number[];
  match?: (request: RequestInfo) => boolean;
  /** Fire at most this many times. */
  limit?: number;
  /** stall: how long nothing moves. */
  stallMs?: number;
  /** stall: hold the request before forwarding it (default), or forward it and hold the response. */
  stallPhase?: "request" | "response";
  /** throttle: bytes per second, shared by every request this rule throttles (like one slow link). */
  bytesPerSecond?: number;
  /** reset-request: request-body bytes to accept before the reset (default half the body). */
  resetAfterBytes?: number;
  /** slowdown / internal-error: answer only after this long (a loaded server is slow to refuse, too). */
  delayMs?: number;
}

export interface RequestRecord {
  operation: S3Operation;
  partNumber?: number;
  fault?: FaultKind;
  /** Status the client was sent, if it got one. */
  status?: number;
  startedAt: number;
  endedAt?: number;
  bytesIn: number;
}

export interface ProxyStats {
  requests: number;
  byOperation: Partial<Record<S3Operation, number>>;
  injected: Record<FaultKind, number>;
  injectedByOperation: Partial<Record<S3Operation, Partial<Record<FaultKind, number>>>>;
  /** Request-body bytes received from clients (what they sent, retries included). */
  bytesIn: number;
  /** Response-body bytes sent to clients. */
  bytesOut: number;
  /** Stalled requests the client gave up on (closed) before the stall ended. */
  stallsCancelledByClient: number;
  /** Upload ids created by a CreateMultipartUpload whose response the client never received. */
  orphanedUploads: string[];
  /** Every SigV4 signature seen, so tests can check that none leaks into any output. */
  signatures: Set<string>;
  log: RequestRecord[];
}

export interface FaultProxyOptions {
  /** Where requests go (default: the local S3 of test/support/local-s3.ts). */
  target?: string;
  seed?: number | string;
  rules?: FaultRule[];
}

export interface FaultProxy {
  /** The endpoint URL clients should use. */
  readonly url: string;
  readonly stats: ProxyStats;
  /** Replaces the rules (and restarts their limits and occurrence counts); stats are kept. */
  setRules(rules: FaultRule[]): void;
  resetStats(): void;
  /** Most requests of `operation` that were in flight at the same time within [from, to). */
  maxConcurrent(operation: S3Operation, from?: number, to?: number): number;
  close(): Promise<void>;
}

const FAULT_KINDS: FaultKind[] = [
  "slowdown",
  "internal-error",
  "reset-request",
  "reset-response",
  "drop-response",
  "stall",
  "throttle",
  "precondition-failed",
];

function emptyStats(): ProxyStats {
  return {
    requests: 0,
    byOperation: {},
    injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    injectedByOperation: {},
    bytesIn: 0,
    bytesOut: 0,
    stallsCancelledByClient: 0,
    orphanedUploads: [],
    signatures: new Set(),
    log: [],
  };
}

/** Names the S3 operation of a path-style request from its method, query and headers. */
export function classify(method: string, url: URL, headers: http.IncomingHttpHeaders): S3Operation {
  const q = url.searchParams;
  const segments = url.pathname.split("/").filter(Boolean);
  const hasKey = segments.length > 1;
  const copy = headers["x-amz-copy-source"] !== undefined;
  switch (method) {
    case "PUT":
      if (!hasKey) return "CreateBucket";
      if (q.has("partNumber") && q.has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
      if (q.has("tagging")) return "PutObjectTagging";
      return copy ? "CopyObject" : "PutObject";
    case "POST":
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      if (q.has("delete")) return "DeleteObjects";
      return "Other";
    case "DELETE":
      if (!hasKey) return "DeleteBucket";
      return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    case "HEAD":
      return hasKey ? "HeadObject" : "HeadBucket";
    case "GET":
      if (!hasKey) return q.has("uploads") ? "ListMultipartUploads" : "ListObjects";
      if (q.has("uploadId")) return "ListParts";
      if (q.has("tagging")) return "GetObjectTagging";
      return "GetObject";
    default:
      return "Other";
  }
}

/** A number in [0, 1) from the seed and the request's identity: the same attempt always draws the same. */
function draw(seed: string, identity: string, occurrence: number): number {
  const digest = createHash("sha256").update(`${seed}\0${identity}\0${occurrence}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function errorBody(code: string, message: string, id: number): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>fault-proxy-${id}</RequestId><HostId>fault-proxy</HostId></Error>`
  );
}

/** One token bucket for every request a throttle rule applies to. */
class Bandwidth {
  private nextFree = 0;
  constructor(private readonly bytesPerSecond: number) {}

  async take(bytes: number): Promise<void> {
    const now = performance.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (bytes / this.bytesPerSecond) * 1000;
    const wait = this.nextFree - now;
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  stream(): Transform {
    const take = (bytes: number) => this.take(bytes);
    return new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
        void (async () => {
          for (let offset = 0; offset < chunk.length; offset += 16 * 1024) {
            const piece = chunk.subarray(offset, offset + 16 * 1024);
            await take(piece.length);
            this.push(piece);
          }
          done();
        })();
      },
    });
  }
}

interface ActiveRule {
  rule: FaultRule;
  fired: number;
  bandwidth?: Bandwidth;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "expect", "transfer-encoding", "proxy-connection"]);

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(options.target ?? localS3Env().endpoint);
  const seed = String(options.seed ?? 1);
  let stats = emptyStats();
  let rules: ActiveRule[] = [];
  let occurrences = new Map<string, number>();
  let nextId = 0;
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const setRules = (next: FaultRule[]) => {
    rules = next.map((rule) => ({
      rule,
      fired: 0,
      ...(rule.fault === "throttle" ? { bandwidth: new Bandwidth(rule.bytesPerSecond ?? 1024 * 1024) } : {}),
    }));
    occurrences = new Map();
  };
  setRules(options.rules ?? []);

  const matches = (rule: FaultRule, info: RequestInfo): boolean =>
    (!rule.operations || rule.operations.includes(info.operation)) &&
    (!rule.partNumbers || (info.partNumber !== undefined && rule.partNumbers.includes(info.partNumber))) &&
    (!rule.match || rule.match(info));

  /**
   * Matching rules split one draw between them, so rules of 20% and 5% fire on 20% and 5% of requests
   * (not 20% and 4%, as independent draws in turn would).
   */
  const decide = (info: RequestInfo, identity: string): ActiveRule | undefined => {
    const u = draw(seed, identity, info.occurrence);
    let cumulative = 0;
    for (const active of rules) {
      if (active.rule.limit !== undefined && active.fired >= active.rule.limit) continue;
      if (!matches(active.rule, info)) continue;
      cumulative += active.rule.probability ?? 1;
      if (u < cumulative) {
        active.fired++;
        return active;
      }
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    const id = ++nextId;
    const url = new URL(req.url ?? "/", "http://proxy");
    const method = req.method ?? "GET";
    const operation = classify(method, url, req.headers);
    const segments = url.pathname.split("/").filter(Boolean);
    const partText = url.searchParams.get("partNumber");
    const partNumber = partText === null ? undefined : Number(partText);
    // Without the bucket, whose test names are random, so that a seed gives the same faults run after run.
    const identity = `${operation} ${method} ${segments.slice(1).join("/")} ${partNumber ?? ""}`;
    const occurrence = occurrences.get(identity) ?? 0;
    occurrences.set(identity, occurrence + 1);
    const info: RequestInfo = {
      method,
      operation,
      bucket: decodeURIComponent(segments[0] ?? ""),
      key: decodeURIComponent(segments.slice(1).join("/")),
      ...(partNumber !== undefined ? { partNumber } : {}),
      occurrence,
    };
    const record: RequestRecord = {
      operation,
      ...(partNumber !== undefined ? { partNumber } : {}),
      startedAt: performance.now(),
      bytesIn: 0,
    };
    const run = stats;
    run.requests++;
    run.byOperation[operation] = (run.byOperation[operation] ?? 0) + 1;
    run.log.push(record);
    const signature = /Signature=([0-9a-f]+)/.exec(String(req.headers.authorization ?? ""));
    if (signature) run.signatures.add(signature[1]!);
    req.on("data", (chunk: Buffer) => {
      record.bytesIn += chunk.length;
      run.bytesIn += chunk.length;
    });
    res.on("close", () => {
      record.endedAt = performance.now();
      if (res.headersSent) record.status = res.statusCode;
    });

    const active = decide(info, identity);
    if (active) {
      const fault = active.rule.fault;
      record.fault = fault;
      run.injected[fault]++;
      const byOp = (run.injectedByOperation[operation] ??= {});
      byOp[fault] = (byOp[fault] ?? 0) + 1;
    }
    const fault = active?.rule.fault;
    const socket = req.socket;
    const reset = () => {
      if (!socket.destroyed) socket.resetAndDestroy();
    };

    if (fault === "slowdown" || fault === "internal-error" || fault === "precondition-failed") {
      const [status, code, message] =
        fault === "slowdown"
          ? [503, "SlowDown", "Please reduce your request rate."]
          : fault === "precondition-failed"
            ? [412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"]
            : [500, "InternalError", "We encountered an internal error. Please try again."];
      const body = errorBody(code, message, id);
      const answer = () => {
        res.writeHead(status, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(body),
          "x-amz-request-id": `fault-proxy-${id}`,
        });
        res.end(body);
        run.bytesOut += Buffer.byteLength(body);
      };
      // The body is read (and dropped) before the answer, so the client always receives it. Answering before
      // the body and closing, as S3 may, races the client's upload into a reset; resets have rules of their
      // own. (This SDK does not wait for 100 Continue when it is given its own agent, as the workers do.)
      if (expectContinue) res.writeContinue();
      req.on("end", () => setTimeout(answer, active!.rule.delayMs ?? 0));
      req.resume();
      return;
    }

    if (fault === "reset-request") {
      if (expectContinue) res.writeContinue();
      const length = Number(req.headers["content-length"] ?? 0);
      const after = active!.rule.resetAfterBytes ?? Math.floor(length / 2);
      if (length === 0 || after <= 0) {
        reset();
        return;
      }
      let received = 0;
      req.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= after) reset();
      });
      req.on("end", reset);
      return;
    }

    const forward = (holdResponse?: () => Promise<boolean>) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
      }
      const upstream = http.request(
        {
          host: target.hostname,
          port: Number(target.port || 80),
          method,
          path: req.url,
          headers,
          agent,
        },
        (upRes) => void respond(upRes),
      );
      upstream.on("error", reset);
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      if (expectContinue) res.writeContinue();
      const body = fault === "throttle" ? req.pipe(active!.bandwidth!.stream()) : req;
      body.pipe(upstream);

      const respond = async (upRes: IncomingMessage) => {
        if (holdResponse && !(await holdResponse())) {
          upRes.resume();
          return;
        }
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upRes.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        }
        if (fault === "drop-response") {
          // The server processed the request and answered; the client gets nothing but a reset (a lost
          // reply: the connection broke after the server committed, before any byte came back).
          const chunks: Buffer[] = [];
          for await (const chunk of upRes) chunks.push(chunk as Buffer);
          if (operation === "CreateMultipartUpload") {
            const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(Buffer.concat(chunks).toString("utf8"));
            if (uploadId) run.orphanedUploads.push(uploadId[1]!);
          }
          reset();
          return;
        }
        if (fault === "reset-response") {
          // Whole, to cut it in half (and to read an upload id from it): meant for S3's small answers.
          const chunks: Buffer[] = [];
          for await (const chunk of upRes) chunks.push(chunk as Buffer);
          const body = Buffer.concat(chunks);
          if (operation === "CreateMultipartUpload") {
            const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(body.toString("utf8"));
            if (uploadId) run.orphanedUploads.push(uploadId[1]!);
          }
          if (body.length > 1 && method !== "HEAD") {
            res.writeHead(upRes.statusCode ?? 502, out);
            res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(reset, 10));
          } else {
            // No body to cut short: cut the status line instead. The server has done the work; the client
            // never learns it (the part is stored, the request looks failed).
            socket.write("HTTP/1.1 200 OK\r\n", () => setTimeout(reset, 10));
          }
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, out);
        const down = fault === "throttle" ? upRes.pipe(active!.bandwidth!.stream()) : upRes;
        down.on("data", (chunk: Buffer) => (run.bytesOut += chunk.length));
        down.pipe(res);
      };
    };

    if (fault === "stall") {
      const stallMs = active!.rule.stallMs ?? 10_000;
      // Resolves true when the stall ended with the client still there.
      const stall = () =>
        new Promise<boolean>((resolve) => {
          const onClose = () => {
            clearTimeout(timer);
            run.stallsCancelledByClient++;
            resolve(false);
          };
          const timer = setTimeout(() => {
            socket.off("close", onClose);
            resolve(!socket.destroyed);
          }, stallMs);
          socket.once("close", onClose);
        });
      if ((active!.rule.stallPhase ?? "request") === "response") {
        forward(stall);
      } else {
        req.pause();
        void stall().then((alive) => (alive ? forward() : undefined));
      }
      return;
    }
    forward();
  };

  const server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 0 });
  server.on("request", (req, res) => handle(req, res, false));
  server.on("checkContinue", (req, res) => handle(req, res, true));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // A reset socket makes the server emit clientError for the half-read request; that is the point.
  server.on("clientError", (_error, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    get stats() {
      return stats;
    },
    setRules,
    resetStats() {
      stats = emptyStats();
    },
    maxConcurrent(operation, from = 0, to = Infinity) {
      const events: [number, number][] = [];
      for (const r of stats.log) {
        if (r.operation !== operation) continue;
        const end = r.endedAt ?? Infinity;
        if (end <= from || r.startedAt >= to) continue;
        events.push([Math.max(r.startedAt, from), 1], [Math.min(end, to), -1]);
      }
      // Ends before starts at the same instant: back-to-back requests do not overlap.
      events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let current = 0;
      let max = 0;
      for (const [, delta] of events) {
        current += delta;
        max = Math.max(max, current);
      }
      return max;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A one-line summary of what the proxy injected, for test output. */
export function describeStats(stats: ProxyStats): string {
  const injected = FAULT_KINDS.filter((k) => stats.injected[k] > 0)
    .map((k) => `${k} ${stats.injected[k]}`)
    .join(", ");
  return `${stats.requests} requests, ${stats.bytesIn} bytes in, injected: ${injected || "nothing"}`;
}
