// An in-memory S3 for unit tests of the transfer lifecycle: a client whose `send` answers the SDK commands
// the job uses (by command name, from `command.input`), and a part runner that does what the worker
// threads do (read the file range, checksum it, "send" it) against the same store. It follows AWS's rules
// where they matter to the job — part checksums echoed and required on Complete for a checksummed upload
// (`awsChecksums`), NoSuchUpload for a gone upload — and can be told to fail any request.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  compositeChecksum,
  createReferenceHasher,
  fromS3Base64,
  fullObjectChecksum,
  isFullObjectCapable,
  multipartEtag,
  toS3Base64,
  type ChecksumAlgorithm,
} from "../../src/checksum/index.js";
import type { JobRunner } from "../../src/transfer/job-context.js";
import type { PartOutcome, PartTask } from "../../src/workers/tasks.js";

type Input = Record<string, unknown>;

interface StoredPart {
  etag: string;
  size: number;
  checksum?: string;
}

interface Upload {
  key: string;
  initiated: Date;
  algorithm?: ChecksumAlgorithm;
  parts: Map<number, StoredPart>;
}

export interface StoredObject {
  body: Buffer;
  etag: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: "FULL_OBJECT" | "COMPOSITE" };
  lastModified: Date;
  partsCount?: number;
}

export class S3Fault extends Error {
  $metadata: { httpStatusCode: number };
  constructor(name: string, status: number, message = name) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** Injected failures: return an error to throw for this request, or undefined to answer normally. */
export type FaultRule = (command: string, input: Input, store: MemoryS3) => Error | undefined;

function digest(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const hasher = createReferenceHasher(algorithm);
  hasher.update(data);
  return toS3Base64(hasher.digest());
}

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

export class MemoryS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, Upload>();
  /** Every request, in order: command name and input. */
  readonly requests: { command: string; input: Input }[] = [];
  /** Part bodies by upload id and part number (kept apart from the part records). */
  private readonly partBodies = new Map<string, Buffer>();
  private nextUpload = 1;
  faults: FaultRule[] = [];
  /** Called as each request arrives, before it is answered (to look at the world at that moment). */
  onRequest: ((command: string, input: Input) => void | Promise<void>) | undefined;

  constructor(readonly options: { awsChecksums: boolean }) {}

  /** The client the job uses: `options.client`. */
  client() {
    return {
      send: (command: { constructor: { name: string }; input: Input }) =>
        this.handle(command.constructor.name.replace(/Command$/, ""), command.input),
      config: {
        region: () => Promise.resolve("us-east-1"),
        credentials: () => Promise.resolve({ accessKeyId: "AKIDTEST", secretAccessKey: "secret" }),
        endpoint: () => Promise.resolve({ protocol: "http:", hostname: "memory", port: 1, path: "/" }),
        forcePathStyle: true,
      },
      destroy: () => undefined,
    } as never;
  }

  /** The part runner the job uses, doing what a worker does. */
  runner(): JobRunner & { runs: PartTask[] } {
    const runs: PartTask[] = [];
    return {
      runs,
      run: async (task: PartTask): Promise<PartOutcome> => {
        runs.push(task);
        try {
          return await this.runTask(task);
        } catch (error) {
          const e = error as S3Fault;
          const status = e.$metadata?.httpStatusCode;
          return {
            ok: false,
            partNumber: "partNumber" in task ? task.partNumber : 1,
            error: {
              name: e.name,
              message: e.message,
              code: e.name,
              ...(status ? { httpStatus: status } : {}),
              retryable: status === undefined || status >= 500,
              throttle: status === 503,
            },
          };
        }
      },
      destroy: () => Promise.resolve(),
    };
  }

  private async runTask(task: PartTask): Promise<PartOutcome> {
    const body = async () => {
      if (task.kind === "copy-part" || task.kind === "get-range") throw new Error("not a body task");
      const b = task.body;
      if (b.type === "bytes") return Buffer.from(b.data);
      const file = await readFile(b.file.path);
      return file.subarray(b.start, b.end);
    };
    if (task.kind === "digest-part") {
      const data = await body();
      return {
        ok: true,
        partNumber: task.partNumber,
        etag: "",
        bytes: data.length,
        md5: md5(data),
        ...(task.checksumAlgorithm ? { checksum: digest(task.checksumAlgorithm, data) } : {}),
        durationMs: 0,
      };
    }
    if (task.kind === "upload-part") {
      const data = await body();
      const checksum = task.checksumAlgorithm ? digest(task.checksumAlgorithm, data) : undefined;
      const answer = (await this.handle("UploadPart", {
        Key: task.key,
        UploadId: task.uploadId,
        PartNumber: task.partNumber,
        Body: data,
        ...(checksum ? { [`Checksum${task.checksumAlgorithm}`]: checksum } : {}),
      })) as Input;
      return {
        ok: true,
        partNumber: task.partNumber,
        etag: answer.ETag as string,
        bytes: data.length,
        md5: md5(data),
        ...(checksum ? { checksum } : {}),
        ...(checksum && answer[`Checksum${task.checksumAlgorithm}`] === checksum
          ? { checksumAcknowledged: true }
          : {}),
        durationMs: 0,
      };
    }
    if (task.kind === "put-object") {
      const data = await body();
      const checksum = task.checksumAlgorithm ? digest(task.checksumAlgorithm, data) : undefined;
      const answer = (await this.handle("PutObject", {
        Key: task.key,
        Body: data,
        ...(task.checksumAlgorithm ? { ChecksumAlgorithm: task.checksumAlgorithm } : {}),
        ...(checksum ? { [`Checksum${task.checksumAlgorithm}`]: checksum } : {}),
      })) as Input;
      return {
        ok: true,
        partNumber: 1,
        etag: answer.ETag as string,
        bytes: data.length,
        md5: md5(data),
        ...(checksum
          ? { checksum, checksumAcknowledged: answer[`Checksum${task.checksumAlgorithm}`] === checksum }
          : {}),
        durationMs: 0,
      };
    }
    if (task.kind === "get-range") throw new Error("the in-memory S3 does not serve ranged GETs");
    const source = this.objects.get(task.source.key);
    if (!source) throw new S3Fault("NoSuchKey", 404);
    const data = source.body.subarray(task.start, task.end);
    const answer = (await this.handle("UploadPart", {
      Key: task.key,
      UploadId: task.uploadId,
      PartNumber: task.partNumber,
      Body: data,
    })) as Input;
    const checksumKey = Object.keys(answer).find((k) => k.startsWith("Checksum"));
    return {
      ok: true,
      partNumber: task.partNumber,
      etag: answer.ETag as string,
      bytes: data.length,
      ...(checksumKey ? { checksum: answer[checksumKey] as string, checksumAcknowledged: true } : {}),
      durationMs: 0,
    };
  }

  async handle(command: string, input: Input): Promise<unknown> {
    this.requests.push({ command, input });
    await this.onRequest?.(command, input);
    for (const rule of this.faults) {
      const fault = rule(command, input, this);
      if (fault) throw fault;
    }
    const key = input.Key as string;
    switch (command) {
      case "CreateMultipartUpload": {
        const uploadId = `upload-${this.nextUpload++}`;
        this.uploads.set(uploadId, {
          key,
          initiated: new Date(),
          parts: new Map(),
          ...(input.ChecksumAlgorithm ? { algorithm: input.ChecksumAlgorithm as ChecksumAlgorithm } : {}),
        });
        return { UploadId: uploadId };
      }
      case "UploadPart": {
        const upload = this.upload(input.UploadId as string);
        const data = input.Body as Buffer;
        const algorithm = upload.algorithm;
        const checksum = algorithm && this.options.awsChecksums ? digest(algorithm, data) : undefined;
        const etag = `"${md5(data)}"`;
        upload.parts.set(input.PartNumber as number, {
          etag,
          size: data.length,
          ...(checksum ? { checksum } : {}),
        });
        this.partBodies.set(`${input.UploadId as string}/${input.PartNumber as number}`, data);
        return { ETag: etag, ...(checksum ? { [`Checksum${algorithm}`]: checksum } : {}) };
      }
      case "ListParts": {
        const upload = this.upload(input.UploadId as string);
        return {
          Parts: [...upload.parts].map(([n, p]) => ({
            PartNumber: n,
            ETag: p.etag,
            Size: p.size,
            ...(p.checksum ? { [`Checksum${upload.algorithm}`]: p.checksum } : {}),
          })),
          IsTruncated: false,
        };
      }
      case "CompleteMultipartUpload":
        return this.complete(input);
      case "AbortMultipartUpload":
        this.upload(input.UploadId as string);
        this.uploads.delete(input.UploadId as string);
        return {};
      case "ListMultipartUploads":
        return {
          Uploads: [...this.uploads]
            .filter(([, u]) => u.key.startsWith((input.Prefix as string) ?? ""))
            .map(([id, u]) => ({ Key: u.key, UploadId: id, Initiated: u.initiated })),
          IsTruncated: false,
        };
      case "PutObject": {
        const data = input.Body as Buffer;
        const algorithm = input.ChecksumAlgorithm as ChecksumAlgorithm | undefined;
        const value = algorithm && this.options.awsChecksums ? digest(algorithm, data) : undefined;
        this.objects.set(key, {
          body: data,
          etag: `"${md5(data)}"`,
          lastModified: new Date(),
          ...(value && algorithm ? { checksum: { algorithm, value, type: "FULL_OBJECT" as const } } : {}),
        });
        return { ETag: `"${md5(data)}"`, ...(value ? { [`Checksum${algorithm}`]: value } : {}) };
      }
      case "HeadObject": {
        const object = this.objects.get(key);
        if (!object) throw new S3Fault("NotFound", 404);
        return {
          ContentLength: object.body.length,
          ETag: object.etag,
          LastModified: object.lastModified,
          ...(object.checksum && input.ChecksumMode === "ENABLED"
            ? {
                [`Checksum${object.checksum.algorithm}`]: object.checksum.value,
                ChecksumType: object.checksum.type,
              }
            : {}),
        };
      }
      case "GetObjectTagging":
        return { TagSet: [] };
      default:
        throw new Error(`MemoryS3 does not answer ${command}`);
    }
  }

  private upload(uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new S3Fault("NoSuchUpload", 404);
    return upload;
  }

  private complete(input: Input): unknown {
    const upload = this.upload(input.UploadId as string);
    const listed = (input.MultipartUpload as { Parts: Input[] }).Parts;
    const algorithm = upload.algorithm;
    const bodies: Buffer[] = [];
    const md5s: Buffer[] = [];
    const partValues: { checksum: Buffer; size: number }[] = [];
    for (const part of listed) {
      const n = part.PartNumber as number;
      const stored = upload.parts.get(n);
      if (!stored || stored.etag !== part.ETag) throw new S3Fault("InvalidPart", 400);
      // AWS: an upload created with an algorithm needs every part's checksum in Complete.
      if (algorithm && this.options.awsChecksums) {
        const given = part[`Checksum${algorithm}`];
        if (given === undefined) {
          throw new S3Fault(
            "InvalidRequest",
            400,
            `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${n} in the request.`,
          );
        }
        if (given !== stored.checksum) throw new S3Fault("BadDigest", 400);
        partValues.push({ checksum: fromS3Base64(stored.checksum), size: stored.size });
      }
      const body = this.partBodies.get(`${input.UploadId as string}/${n}`)!;
      bodies.push(body);
      md5s.push(createHash("md5").update(body).digest());
    }
    const etag = `"${multipartEtag(md5s)}"`;
    let checksum: StoredObject["checksum"];
    if (algorithm && this.options.awsChecksums) {
      checksum = isFullObjectCapable(algorithm)
        ? { algorithm, value: toS3Base64(fullObjectChecksum(algorithm, partValues)), type: "FULL_OBJECT" }
        : {
            algorithm,
            value: compositeChecksum(
              algorithm,
              partValues.map((p) => p.checksum),
            ),
            type: "COMPOSITE",
          };
    }
    this.objects.set(upload.key, {
      body: Buffer.concat(bodies),
      etag,
      lastModified: new Date(),
      partsCount: listed.length,
      ...(checksum ? { checksum } : {}),
    });
    this.uploads.delete(input.UploadId as string);
    return { ETag: etag, ...(checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value } : {}) };
  }
}
