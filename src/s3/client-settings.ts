import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** How to reach S3, as the library caller or the CLI says it. */
export interface ConnectionOptions {
  /**
   * The caller's own client. Its region, endpoint, path style and credentials are read from it on the main
   * thread and handed to the worker threads (an S3Client cannot cross threads); credentials are asked of it
   * again for each part, so a refreshing provider keeps refreshing.
   */
  client?: S3Client;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region?: string;
  /** An S3-compatible endpoint URL; implies path-style addressing unless `forcePathStyle` is false. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** A profile from the shared config files (CLI --profile). */
  profile?: string;
}

/** Everything a worker thread needs to build its own client: plain data, cloneable across threads. */
export interface WorkerClientSettings {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    /** Epoch milliseconds. */
    expiration?: number;
  };
}

/**
 * Checksums are ours: we send precomputed `x-amz-checksum-*` headers. The SDK's own defaults (since 3.729)
 * switch stream bodies to aws-chunked with a trailer, which S3-compatible servers such as Ceph refuse (411).
 */
export const CHECKSUM_BEHAVIOUR = {
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
} as const satisfies Partial<S3ClientConfig>;

export function endpointFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The client used on the main thread for the small requests (create, complete, head, abort, list, and a
 * single CopyObject). Without timeouts a server that accepts a connection and never answers would hang the
 * transfer forever: connecting may take 10 s, a silent request `idleTimeoutMs`.
 */
export function createMainClient(
  options: ConnectionOptions,
  settings: { idleTimeoutMs?: number; maxAttempts?: number } = {},
): S3Client {
  const idleTimeoutMs = settings.idleTimeoutMs ?? 120_000;
  if (options.client) return options.client;
  const endpoint = options.endpoint ?? endpointFromEnvironment();
  const config: S3ClientConfig = {
    ...CHECKSUM_BEHAVIOUR,
    // A custom endpoint without a region in the environment is almost always a local or on-premises store.
    region:
      options.region ??
      (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (endpoint ? "us-east-1" : undefined)),
    // The SDK's default is 3; transfers pass their retry policy's attempts (Create passes 1).
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 10_000, socketTimeout: idleTimeoutMs }),
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = options.forcePathStyle ?? true;
  } else if (options.forcePathStyle !== undefined) {
    config.forcePathStyle = options.forcePathStyle;
  }
  if (options.credentials) config.credentials = options.credentials;
  if (options.profile) config.profile = options.profile;
  return new S3Client(config);
}

/**
 * Reads what the workers need from a main-thread client. Called once per part dispatch for credentials:
 * the SDK's providers memoize and refresh shortly before expiry, so this is cheap and never hands a worker
 * credentials that are about to lapse.
 */
export async function resolveWorkerSettings(client: S3Client): Promise<WorkerClientSettings> {
  const config = client.config;
  const [region, credentials, endpoint] = await Promise.all([
    config.region(),
    config.credentials(),
    config.endpoint ? config.endpoint() : Promise.resolve(undefined),
  ]);
  const settings: WorkerClientSettings = {
    region,
    forcePathStyle: config.forcePathStyle ?? false,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    },
  };
  if (credentials.sessionToken) settings.credentials.sessionToken = credentials.sessionToken;
  if (credentials.expiration) settings.credentials.expiration = credentials.expiration.getTime();
  if (endpoint) settings.endpoint = endpointToUrl(endpoint);
  return settings;
}

function endpointToUrl(endpoint: {
  protocol: string;
  hostname: string;
  port?: number;
  path?: string;
}): string {
  const protocol = endpoint.protocol.endsWith(":") ? endpoint.protocol : `${endpoint.protocol}:`;
  const port = endpoint.port ? `:${endpoint.port}` : "";
  const path = endpoint.path && endpoint.path !== "/" ? endpoint.path : "";
  return `${protocol}//${endpoint.hostname}${port}${path}`;
}
