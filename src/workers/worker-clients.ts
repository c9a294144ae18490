import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  CHECKSUM_BEHAVIOUR,
  DEFAULT_CONNECT_TIMEOUT_MS,
  httpsAgentFor,
  type WorkerClientSettings,
} from "../s3/client-settings.js";

// The SDK warns about Node < 22 once per thread through process.emitWarning, which prints; the main thread
// hands that warning to the caller already. A worker's process.env is its own copy: this silences only it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

const clients = new Map<string, { identity: string; client: S3Client }>();

/**
 * This worker's S3Client for the given endpoint, kept alive across tasks (its sockets are reused). The SDK
 * retries nothing here: the coordinator owns retries, so it can back off, re-read the part and adapt
 * concurrency. A new client is made only when the credentials change (rotation, refresh).
 */
export function workerClient(settings: WorkerClientSettings, idleTimeoutMs: number): S3Client {
  const key = JSON.stringify([
    settings.region,
    settings.endpoint,
    settings.forcePathStyle,
    idleTimeoutMs,
    settings.transport,
  ]);
  const c = settings.credentials;
  const identity = `${c.accessKeyId}\0${c.sessionToken ?? ""}\0${c.expiration ?? ""}`;
  const cached = clients.get(key);
  if (cached && cached.identity === identity) return cached.client;
  cached?.client.destroy();
  const agentOptions = { keepAlive: true, maxSockets: 256 };
  const transport = settings.transport ?? {
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    rejectUnauthorized: true,
  };
  const client = new S3Client({
    ...CHECKSUM_BEHAVIOUR,
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      ...(c.expiration ? { expiration: new Date(c.expiration) } : {}),
    },
    maxAttempts: 1,
    // The SDK warns on the console about every failed streaming request; failures are ours to report.
    logger: SILENT,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: httpsAgentFor(transport, agentOptions) ?? new HttpsAgent(agentOptions),
      connectionTimeout: transport.connectTimeoutMs,
      socketTimeout: idleTimeoutMs,
    }),
  });
  clients.set(key, { identity, client });
  return client;
}
