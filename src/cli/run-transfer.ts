/**
 * What every transfer command (cp, resume; upload, copy, download) does around the transfer itself: the
 * progress display, Ctrl-C/SIGTERM, the failure printed once (with the resume command where there is one),
 * and the screen left clean. The command gives the transfer to run and prints its result.
 */
import type { TransferEvent } from "../transfer/events.js";
import { failureExitCode, interruptSignal } from "./interrupt.js";
import { ProgressDisplay, outputMode, type OutputMode } from "./progress-display.js";

export interface TransferControls {
  /** Aborts on Ctrl-C / SIGTERM (a transfer given keepForResume then stops and keeps its upload). */
  signal: AbortSignal;
  onEvent: (event: TransferEvent) => void;
}

export interface TransferRun<R> {
  result: R;
  display: ProgressDisplay;
  mode: OutputMode;
}

export async function runTransfer<R>(
  flags: { json: boolean; quiet: boolean; progress: boolean },
  transfer: (controls: TransferControls) => Promise<R>,
): Promise<TransferRun<R>> {
  const mode = outputMode(flags);
  const display = new ProgressDisplay(mode);
  const interrupt = interruptSignal(() => display.interrupted());
  try {
    const result = await transfer({ signal: interrupt.signal, onEvent: display.onEvent });
    return { result, display, mode };
  } catch (error) {
    display.finish();
    display.printFailure(error, failureExitCode(error));
    throw error;
  } finally {
    display.finish();
    interrupt.dispose();
  }
}
