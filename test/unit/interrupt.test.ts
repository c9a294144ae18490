import { afterEach, describe, expect, it, vi } from "vitest";
import { exitCodeAfter, interruptSignal, receivedSignal } from "../../src/cli/interrupt.js";
import { S3xferError, TransferError, UsageError } from "../../src/errors.js";

afterEach(() => {
  vi.restoreAllMocks();
});

// One signal per process: the module remembers the first (a second one would exit at once), so this file
// sends exactly one, SIGTERM, through process.emit (which calls the listeners without a real signal).
describe("SIGTERM", () => {
  it("erases the bar first, says so without a Ctrl-C hint, aborts with 143, and maps an interrupt to 143", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const order: string[] = [];
    const interrupt = interruptSignal(() => order.push(`cleared after ${written.length} writes`));
    try {
      process.emit("SIGTERM", "SIGTERM");
    } finally {
      interrupt.dispose();
    }
    expect(order).toEqual(["cleared after 0 writes"]);
    expect(written.join("")).toBe("s3xfer: SIGTERM received: stopping cleanly\n");
    expect(receivedSignal()).toBe("SIGTERM");
    expect(interrupt.signal.aborted).toBe(true);
    expect((interrupt.signal.reason as S3xferError).exitCode).toBe(143);

    // The library reports every interrupt as 130; after SIGTERM the process exits 143.
    const interrupted = new TransferError(
      "INTERRUPTED",
      "interrupted",
      { bucket: "b", key: "k" },
      { exitCode: 130 },
    );
    expect(exitCodeAfter(interrupted, 130)).toBe(143);
    expect(exitCodeAfter(new S3xferError("ABORTED", "stopped", { exitCode: 130 }), 130)).toBe(143);
    // Other failures keep their own code, signal or not.
    expect(exitCodeAfter(new UsageError("USAGE", "bad"), 2)).toBe(2);
    expect(exitCodeAfter(new TransferError("TRANSFER_FAILED", "no", { bucket: "b", key: "k" }), 1)).toBe(1);
  });
});
