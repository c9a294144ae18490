import { S3xferError } from "../errors.js";
import { writeErr } from "./redact.js";

/** The conventional exit status after a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

type StopSignal = keyof typeof SIGNAL_EXIT;

let received: StopSignal | undefined;

/** The signal that stopped this run, if one did. */
export function receivedSignal(): StopSignal | undefined {
  return received;
}

/**
 * The exit status of a run that failed with `exitCode`: a transfer stopped by a signal exits with that
 * signal's status (the library reports every interrupt as 130, whatever stopped it).
 */
export function exitCodeAfter(error: unknown, exitCode: number): number {
  if (!received) return exitCode;
  const stopped = error instanceof S3xferError && (error.code === "INTERRUPTED" || error.code === "ABORTED");
  return stopped ? SIGNAL_EXIT[received] : exitCode;
}

/** The exit status a failure ends the run with. */
export function failureExitCode(error: unknown): number {
  return exitCodeAfter(error, error instanceof S3xferError ? error.exitCode : 1);
}

/**
 * Ctrl-C / SIGTERM: the first one asks the transfer to stop cleanly (it stops scheduling and keeps the
 * upload for resume, or aborts it); a second one exits at once. `beforeMessage` runs first, so the progress
 * bar is erased before the line that says what happens.
 */
export function interruptSignal(beforeMessage?: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: StopSignal) => {
    if (received) process.exit(SIGNAL_EXIT[received]);
    received = name;
    beforeMessage?.();
    // Only Ctrl-C can be pressed again: a service manager's SIGTERM gets no keyboard hint.
    writeErr(
      name === "SIGINT"
        ? "s3xfer: Ctrl-C: stopping cleanly (press Ctrl-C again to quit at once)\n"
        : "s3xfer: SIGTERM received: stopping cleanly\n",
    );
    controller.abort(new S3xferError("ABORTED", `interrupted by ${name}`, { exitCode: SIGNAL_EXIT[name] }));
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
