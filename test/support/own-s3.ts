// A Ceph instance of a test's own, for faults that take the server down: radosgw killed with -9 and
// restarted, or frozen with SIGSTOP and thawed. The shared instance (port 7480) is never touched: every
// signal goes through scripts/local-s3.sh, which only signals the radosgw recorded in this instance's dir.
import { TEST_STORE, localS3Env, runLocalS3Script, type LocalS3Env } from "./local-s3.js";

export interface OwnS3 {
  readonly env: LocalS3Env;
  readonly port: number;
  /** kill -9 radosgw (returns once it is gone). */
  crash(): Promise<void>;
  /** Start radosgw again on the same data; resolves once it answers. */
  restart(): Promise<void>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Stops the instance if this call started it. */
  release(): Promise<void>;
}

/**
 * The instance at S3XFER_OWN_S3_PORT (default 7900) in S3XFER_OWN_S3_DIR (default /tmp/s3xfer-chaos-s3):
 * reused when it already runs, else booted (~10 s) and stopped again by `release`.
 */
export async function ownS3(): Promise<OwnS3> {
  const port = Number(process.env.S3XFER_OWN_S3_PORT ?? 7900);
  const dir = process.env.S3XFER_OWN_S3_DIR ?? "/tmp/s3xfer-chaos-s3";
  const where = { dir, port };
  const running = await runLocalS3Script("status", [], where).then(
    () => true,
    () => false,
  );
  if (!running) await runLocalS3Script("start", [], { ...where, store: TEST_STORE });
  let frozen = false;
  const signal = (name: "KILL" | "STOP" | "CONT") => runLocalS3Script("rgw-signal", [name], where);
  return {
    env: localS3Env({ port }),
    port,
    crash: async () => {
      if (frozen) await signal("CONT");
      frozen = false;
      await signal("KILL");
    },
    restart: async () => {
      await runLocalS3Script("rgw-restart", [], where);
    },
    freeze: async () => {
      await signal("STOP");
      frozen = true;
    },
    thaw: async () => {
      await signal("CONT");
      frozen = false;
    },
    release: async () => {
      if (frozen) await signal("CONT").catch(() => undefined);
      // A test that crashed radosgw last leaves it down: bring it back for whoever reuses the instance.
      await runLocalS3Script("rgw-restart", [], where).catch(() => undefined);
      if (!running) await runLocalS3Script("stop", [], where);
    },
  };
}
