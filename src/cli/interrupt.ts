import { S3xferError } from "../errors.js";

/**
 * Ctrl-C / SIGTERM: the first one asks the transfer to stop cleanly: it starts no more parts, gives the
 * running ones a few seconds to finish, cancels what is still in flight (a hung server cannot hold it), and
 * keeps the upload for resume (or aborts it without a journal). A second one exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(
        `\ns3xfer: ${name} received: stopping within seconds (press Ctrl-C again to quit at once)\n`,
      );
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
