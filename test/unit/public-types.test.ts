// Compile-time checks of the public API's types (npm run typecheck compiles this file); the runtime
// assertions only keep vitest from calling it empty.
import { describe, expect, it } from "vitest";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  S3xferError,
  TransferError,
  UsageError,
  type ConnectionOptions,
  type ErrorCode,
  type S3ClientLike,
  type TransferEvent,
  type UploadOptions,
} from "../../src/index.js";

/**
 * A client as another version of @aws-sdk/client-s3 declares it: its own command and output types, its
 * own (wider) resolved config with members s3xfer never reads, private state of its own. None of its
 * types are ours, so only a structural `client` option accepts it.
 */
declare class OtherVersionCommand<Input, Output> {
  readonly input: Input;
  private readonly brand: Output;
}
declare class OtherVersionS3Client {
  private readonly handlers: unknown;
  readonly config: {
    region: () => Promise<string>;
    credentials: (props?: Record<string, unknown>) => Promise<{
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
      expiration?: Date;
      credentialScope?: string;
      accountId?: string;
    }>;
    endpoint?: () => Promise<{
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      query?: object;
    }>;
    forcePathStyle?: boolean;
    useDualstackEndpoint: () => Promise<boolean>;
    maxAttempts: () => Promise<number>;
  };
  send<I, O>(command: OtherVersionCommand<I, O>, options?: { abortSignal?: unknown }): Promise<O>;
  destroy(): void;
}

const theirs = null as unknown as OtherVersionS3Client;
const ours = null as unknown as S3Client;

// Both fit where s3xfer takes a client.
const fromOtherVersion: ConnectionOptions = { client: theirs };
const fromOurVersion: ConnectionOptions = { client: ours };
const upload: Pick<UploadOptions, "client"> = { client: theirs };

// Something that is not a client does not.
// @ts-expect-error -- no send()
const notAClient: S3ClientLike = { config: null as unknown as S3Client["config"] };

// The error event's code is one of ours, so a switch over it is checked.
function codeOf(event: TransferEvent): ErrorCode | undefined {
  return event.type === "error" ? event.code : undefined;
}
// @ts-expect-error -- not an ErrorCode
const wrongCode: ErrorCode = "NOT_A_CODE";

describe("public types", () => {
  it("are checked at compile time (this file type-checks)", () => {
    expect([fromOtherVersion, fromOurVersion, upload, notAClient, wrongCode, codeOf]).toHaveLength(6);
  });

  it("let one catch clause take both kinds of s3xfer error", () => {
    const usage = new UsageError("USAGE", "bad");
    const transfer = new TransferError("TRANSFER_FAILED", "failed", { bucket: "b", key: "k" });
    for (const error of [usage, transfer]) {
      expect(error).toBeInstanceOf(S3xferError);
      expect(error).toBeInstanceOf(Error);
    }
    expect(usage.exitCode).toBe(2);
    expect(transfer.exitCode).toBe(1);
  });
});
