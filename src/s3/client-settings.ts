import { readFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { rootCertificates } from "node:tls";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { UsageError } from "../errors.js";
import { checkProfileExists } from "./shared-config.js";

/**
 * The part of an S3 client that s3xfer uses, stated structurally so that a caller's client from another
 * version of @aws-sdk/client-s3 fits: s3xfer sends its own commands through `send`, and reads region,
 * credentials, endpoint and path style from `config` to build the worker threads' clients.
 */
export interface S3ClientLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- commands of any SDK version
  send(command: any, options?: any): Promise<any>;
  config: {
    region: () => Promise<string>;
    credentials: (identityProperties?: Record<string, any>) => Promise<AwsCredentialIdentity>; // eslint-disable-line @typescript-eslint/no-explicit-any
    endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path?: string }>;
    forcePathStyle?: boolean;
  };
}

/** Something worth telling the caller that is not an error: a library does not print it, it hands it over. */
export interface S3xferWarning {
  /**
   * NODE_VERSION_SUPPORT: the AWS SDK's notice that its releases after January 2027 need Node >= 22.
   * AWS_SDK: another warning of the AWS SDK's (e.g. both a profile and AWS_ACCESS_KEY_ID are set, and it
   * uses the profile).
   */
  code: "NODE_VERSION_SUPPORT" | "AWS_SDK";
  message: string;
}

/** How to reach S3, as the library caller or the CLI says it. */
export interface ConnectionOptions {
  /**
   * The caller's own client. Its region, endpoint, path style and credentials are read from it on the main
   * thread and handed to the worker threads (a client cannot cross threads); credentials are asked of it
   * again for each part, so a refreshing provider keeps refreshing. Its TLS settings cannot be read from it:
   * give `caBundle` / `verifySsl` as well when it needs them, for the worker threads.
   */
  client?: S3ClientLike;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region?: string;
  /** An S3-compatible endpoint URL; implies path-style addressing unless `forcePathStyle` is false. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** A profile from the shared config files (CLI --profile). */
  profile?: string;
  /**
   * A PEM file of certificate authorities to trust for HTTPS (CLI --ca-bundle; default: AWS_CA_BUNDLE),
   * added to Node's own.
   */
  caBundle?: string;
  /** false: do not verify the server's TLS certificate (CLI --no-verify-ssl). Default true. */
  verifySsl?: boolean;
  /** Give up connecting after this long (default 10 s; CLI --cli-connect-timeout). */
  connectTimeoutMs?: number;
  /** Cancel and retry a request that has sent or received nothing for this long (default 120 s). */
  idleTimeoutMs?: number;
  /**
   * Warnings that are not errors (the AWS SDK's Node version notice). s3xfer never prints them: without
   * this callback they are dropped.
   */
  onWarning?: (warning: S3xferWarning) => void;
}

/** How the HTTP connections are made: plain data, so the worker threads make theirs the same way. */
export interface TransportSettings {
  connectTimeoutMs: number;
  rejectUnauthorized: boolean;
  /** PEM text of extra certificate authorities. */
  ca?: string;
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
  transport?: TransportSettings;
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

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The transport each client made here (or handed in) was given, for the worker threads to copy. */
const transports = new WeakMap<object, TransportSettings>();

/** TLS and timeout settings from the options and the environment; reads the CA bundle file once. */
export function transportSettings(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): TransportSettings {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!(Number.isFinite(connectTimeoutMs) && connectTimeoutMs > 0)) {
    throw new UsageError(
      "USAGE",
      `the connect timeout must be a positive number of ms, got ${connectTimeoutMs}`,
    );
  }
  const settings: TransportSettings = { connectTimeoutMs, rejectUnauthorized: options.verifySsl !== false };
  const caBundle = options.caBundle ?? (env.AWS_CA_BUNDLE || undefined);
  if (caBundle !== undefined) {
    const from = options.caBundle !== undefined ? "" : " (from AWS_CA_BUNDLE)";
    let text: string;
    try {
      text = readFileSync(caBundle, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        "USAGE",
        `the CA bundle ${caBundle}${from} cannot be read (${code}): give the path of a PEM file of certificates`,
      );
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) {
      throw new UsageError(
        "USAGE",
        `the CA bundle ${caBundle}${from} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`,
      );
    }
    settings.ca = text;
  }
  return settings;
}

/** An HTTPS agent for these settings, or undefined for Node's defaults. */
export function httpsAgentFor(
  transport: TransportSettings,
  agentOptions: object = {},
): HttpsAgent | undefined {
  if (transport.rejectUnauthorized && transport.ca === undefined && Object.keys(agentOptions).length === 0)
    return undefined;
  return new HttpsAgent({
    ...agentOptions,
    rejectUnauthorized: transport.rejectUnauthorized,
    // Node's `ca` replaces its built-in authorities: keep them, so the bundle adds to them (a proxy's CA).
    ...(transport.ca !== undefined ? { ca: [...rootCertificates, transport.ca] } : {}),
  });
}

/**
 * The SDK's own logger: without one, its credential chain warns on console.warn (a profile and environment
 * keys both set is nine lines on stderr). A library must not print: warnings go to the caller's onWarning,
 * the rest is dropped.
 */
function sdkLogger(onWarning: ConnectionOptions["onWarning"]): NonNullable<S3ClientConfig["logger"]> {
  const ignore = (): void => {};
  return {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (...content: unknown[]) => {
      const message = content
        .map((part) => (typeof part === "string" ? part : part instanceof Error ? part.message : ""))
        .join(" ")
        .replace(/\s*\n\s*/g, " ")
        .trim();
      if (message) onWarning?.({ code: "AWS_SDK", message });
    },
  };
}

/**
 * The SDK warns through process.emitWarning when a client is made on Node < 22. A library must not print:
 * the warning is caught while the client is constructed (the SDK emits it synchronously there) and handed
 * to the caller's onWarning, or dropped.
 */
function constructQuietly(config: S3ClientConfig, onWarning: ConnectionOptions["onWarning"]): S3Client {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.includes("NodeVersionSupportWarning")) {
      onWarning?.({
        code: "NODE_VERSION_SUPPORT",
        message: text.replace(/^NodeVersionSupportWarning:\s*/, "").replace(/\s*\n\s*/g, " "),
      });
      return;
    }
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return new S3Client(config);
  } finally {
    process.emitWarning = original;
  }
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
  const transport = transportSettings(options);
  if (options.client) {
    transports.set(options.client, transport);
    // The caller's client runs our commands: any v3 client does, whatever its version.
    return options.client as unknown as S3Client;
  }
  const endpoint = options.endpoint ?? endpointFromEnvironment();
  const httpsAgent = httpsAgentFor(transport);
  const config: S3ClientConfig = {
    ...CHECKSUM_BEHAVIOUR,
    // A custom endpoint without a region in the environment is almost always a local or on-premises store.
    region:
      options.region ??
      (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (endpoint ? "us-east-1" : undefined)),
    // The SDK's default is 3; transfers pass their retry policy's attempts (Create passes 1).
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: transport.connectTimeoutMs,
      socketTimeout: options.idleTimeoutMs ?? idleTimeoutMs,
      ...(httpsAgent ? { httpsAgent } : {}),
    }),
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = options.forcePathStyle ?? true;
  } else if (options.forcePathStyle !== undefined) {
    config.forcePathStyle = options.forcePathStyle;
  }
  if (options.credentials) config.credentials = options.credentials;
  if (options.profile) {
    checkProfileExists(options.profile, "the profile option");
    config.profile = options.profile;
  }
  config.logger = sdkLogger(options.onWarning);
  const client = constructQuietly(config, options.onWarning);
  transports.set(client, transport);
  return client;
}

/**
 * Reads what the workers need from a main-thread client. Called once per part dispatch for credentials:
 * the SDK's providers memoize and refresh shortly before expiry, so this is cheap and never hands a worker
 * credentials that are about to lapse.
 */
export async function resolveWorkerSettings(client: S3ClientLike): Promise<WorkerClientSettings> {
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
  const transport = transports.get(client);
  if (transport) settings.transport = transport;
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
