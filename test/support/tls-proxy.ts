import { execFile } from "node:child_process";
import { connect, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { createServer, type TLSSocket } from "node:tls";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

/** A self-signed certificate for 127.0.0.1, made by openssl in `dir` at test time (nothing is committed). */
export async function selfSignedCertificate(
  dir: string,
): Promise<{ certPath: string; cert: string; key: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { certPath, cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
}

export interface TlsProxy {
  /** https://127.0.0.1:PORT */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Terminates TLS on an ephemeral port and passes the bytes to a plain-HTTP server: the local Ceph, seen
 * through HTTPS with a certificate no system trusts. The Host header is passed as the client sent it, so
 * request signatures still match.
 */
export async function startTlsProxy(
  target: URL,
  certificate: { cert: string; key: string },
): Promise<TlsProxy> {
  const sockets = new Set<Socket>();
  const server = createServer(certificate, (client: TLSSocket) => {
    const upstream = connect(Number(target.port || 80), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  // A client that refuses the certificate closes the handshake: not an error of the proxy.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
