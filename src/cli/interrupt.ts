import { S3xferError } from "../errors.js";

/**
 * Ctrl-C / SIGTERM: the first one asks the transfer to stop cleanly (it stops scheduling and aborts or
 * keeps the upload); a second one exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\ns3xfer: ${name} received: stopping (press Ctrl-C again to quit at once)\n`);
      controller.abort(new S3xferError("ABORTED", `interrupted by ${name}`, { exitCode: 130 }));
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
