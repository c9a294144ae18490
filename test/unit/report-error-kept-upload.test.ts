import { afterEach, describe, expect, it, vi } from "vitest";
import { reportError } from "../../src/cli/report-error.js";
import { TransferError, UsageError } from "../../src/errors.js";
import { defaultJournalPath } from "../../src/journal/location.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function captured(run: () => number): { code: number; text: string } {
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const code = run();
  vi.restoreAllMocks();
  return { code, text: written.join("") };
}

describe("reportError", () => {
  it("a kept upload: the message, then the journal and the resume command on lines of their own", () => {
    const journalPath = defaultJournalPath("b", "dir/my file.tar");
    const error = new TransferError(
      "INTERRUPTED",
      `interrupted; the upload was kept and can be resumed: run "s3xfer resume s3://b/dir/my file.tar" (journal ${journalPath})`,
      { bucket: "b", key: "dir/my file.tar", uploadId: "U1" },
      { exitCode: 130, journalPath },
    );
    const { code, text } = captured(() => reportError(error, false));
    expect(code).toBe(130);
    expect(text.split("\n")).toEqual([
      "s3xfer: interrupted; the upload was kept and can be resumed (s3://b/dir/my file.tar, upload id U1)",
      `journal: ${journalPath}`,
      "to resume, run:",
      "  s3xfer resume 's3://b/dir/my file.tar'",
      "",
    ]);
  });

  it("a journal elsewhere than the default is resumed by its path", () => {
    const error = new TransferError(
      "TRANSFER_FAILED",
      "part 3 failed",
      { bucket: "b", key: "k" },
      { journalPath: "/var/lib/jobs/k.jsonl" },
    );
    const { text } = captured(() => reportError(error, false));
    expect(text).toContain("s3xfer: error: part 3 failed");
    expect(text).toContain("\n  s3xfer resume /var/lib/jobs/k.jsonl\n");
  });

  it("any other error stays one line", () => {
    const { code, text } = captured(() => reportError(new UsageError("USAGE", "bad"), false));
    expect(code).toBe(2);
    expect(text).toBe("s3xfer: error: bad\n");
  });
});
