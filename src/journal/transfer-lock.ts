/**
 * Only one process may run a transfer. The lock is a listening local socket named after the journal: the
 * OS closes it when its process dies, however it dies (kill -9 included), so a lock is never left stale by
 * a crash. A second process that finds it taken connects to it and learns the owner's pid, for the message.
 *
 * On Linux the socket lives in the abstract namespace (no file at all). Elsewhere it is a socket file beside
 * the journal; a file left by a dead process refuses connections, which is how it is known to be stale.
 */
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";

function socketPath(journalPath: string): string {
  const absolute = resolve(journalPath);
  if (process.platform === "linux") {
    const hash = createHash("sha256").update(absolute).digest("hex").slice(0, 40);
    return `\0s3xfer-transfer-${hash}`;
  }
  return `${absolute}.lock`;
}

/** Asks the owner of a taken lock who it is; undefined when nobody answers (a stale socket file). */
function ownerOf(path: string): Promise<number | undefined> {
  return new Promise((done) => {
    const socket = createConnection(path);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      done(undefined);
    }, 2_000);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("end", () => {
      clearTimeout(timer);
      const pid = Number((JSON.parse(text || "{}") as { pid?: unknown }).pid);
      done(Number.isInteger(pid) ? pid : undefined);
    });
    socket.on("error", () => {
      clearTimeout(timer);
      done(undefined);
    });
  });
}

function listen(path: string): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer((socket) => socket.end(`${JSON.stringify({ pid: process.pid })}\n`));
    server.once("error", fail);
    server.listen(path, () => {
      server.off("error", fail);
      // The lock must not keep a finished process alive.
      server.unref();
      done(server);
    });
  });
}

export class TransferLock {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  /**
   * Takes the lock of the transfer recorded at `journalPath`, or refuses at once (exit 2) naming the process
   * that holds it. Nothing else is touched when it refuses.
   */
  static async acquire(journalPath: string, destination: string): Promise<TransferLock> {
    const path = socketPath(journalPath);
    for (let attempt = 0; ; attempt++) {
      try {
        return new TransferLock(await listen(path), path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt > 0) throw error;
        const pid = await ownerOf(path);
        if (pid !== undefined) {
          throw new UsageError(
            "TRANSFER_RUNNING",
            `the transfer to ${destination} is being run by pid ${pid} (journal ${journalPath}): ` +
              `wait for it to finish, or stop that process first (Ctrl-C keeps it resumable)`,
          );
        }
        // A socket file nobody listens on: its process died. Take it over.
        if (!path.startsWith("\0")) await rm(path, { force: true });
      }
    }
  }

  async release(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
    if (!this.path.startsWith("\0")) await rm(this.path, { force: true });
  }
}
