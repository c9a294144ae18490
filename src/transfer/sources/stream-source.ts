/** A stream (stdin) of unknown length: cut into part buffers as it is read; not resumable (no journal). */
import type { Readable } from "node:stream";
import { UsageError } from "../../errors.js";
import type { PartDone, PartJob } from "../../engine/run-parts.js";
import type { TransferPlan } from "../../planner/index.js";
import type { ObjectAttributes } from "../../s3/object-attributes.js";
import type { TransferContext } from "../job-context.js";
import type { TransferResult } from "../result.js";
import type { SourceExpectations, TransferSource } from "./source.js";
import { StreamParts } from "./stream-parts.js";
import { contentMd5Advice, md5Expectations, putObject, uploadPartJob } from "./upload-requests.js";

export class StreamSource implements TransferSource {
  readonly name = "(stream)";
  private plan_: TransferPlan;
  private parts: StreamParts | undefined;
  private first: Uint8Array | null = null;

  constructor(
    private readonly stream: Readable,
    plan: TransferPlan,
    readonly attributes: ObjectAttributes,
    private readonly contentMd5: boolean,
    private readonly threshold: number,
  ) {
    this.plan_ = plan;
  }

  get plan(): TransferPlan {
    return this.plan_;
  }

  size(): number | null {
    return this.parts?.done ? this.parts.bytesRead : null;
  }

  /**
   * Reads the first part: a stream that ends below the threshold becomes one PutObject; anything longer
   * goes on as a multipart upload whose first part is already in memory.
   */
  async single(context: TransferContext): Promise<TransferResult | undefined> {
    this.parts = new StreamParts(this.stream, this.plan_.partSize, context.concurrency.max + 1);
    this.first = await this.parts.next(1);
    if (this.parts.done && (this.first?.length ?? 0) < this.threshold && !context.options.forceMultipart) {
      const data = this.first ?? new Uint8Array(0);
      const single = {
        ...this.plan_,
        kind: data.length === 0 ? ("empty" as const) : ("single" as const),
        objectSize: data.length,
      };
      return putObject(context, this, single, { type: "bytes", data }, this.contentMd5);
    }
    this.plan_ = { ...this.plan_, kind: "multipart" };
    return undefined;
  }

  async *partJobs(context: TransferContext, uploadId: string): AsyncGenerator<PartJob> {
    const parts = this.parts!;
    const maxParts = Math.floor(this.plan_.maxObjectSize / this.plan_.partSize);
    let data = this.first;
    for (let partNumber = 1; data; partNumber++) {
      if (partNumber > maxParts) {
        throw new UsageError(
          "OBJECT_TOO_LARGE",
          `the stream is larger than the ${this.plan_.maxObjectSize} bytes that ${maxParts} parts of ${this.plan_.partSize} bytes hold: ` +
            `pass --expected-size (or a larger --part-size)`,
        );
      }
      yield uploadPartJob(context, uploadId, partNumber, { type: "bytes", data }, this.contentMd5);
      data = await parts.next(partNumber + 1);
    }
  }

  partSent(partNumber: number): void {
    this.parts?.release(partNumber);
  }

  afterVerify(result: TransferResult): void {
    contentMd5Advice(result, this.contentMd5);
  }

  expectations(context: TransferContext, parts: PartDone[]): SourceExpectations {
    return md5Expectations(context, this.attributes, this.contentMd5, parts);
  }

  reconcile(): Promise<PartDone[]> {
    throw new UsageError("USAGE", "a stream cannot be resumed");
  }

  completedExpectations(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}
