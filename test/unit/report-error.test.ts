// How the CLI reports what went wrong: every expected error — an S3xferError, a system error (full disk,
// read-only filesystem, permission), an unwrapped S3 answer — is one line on stderr without a stack; only a
// real bug prints its stack, with a request to report it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TransferError, UsageError } from "../../src/errors.js";
import { describeSystemError, reportError } from "../../src/cli/report-error.js";
import { partsText } from "../../src/cli/progress-display.js";

let stderr: string;
beforeEach(() => {
  stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
    errno: -1,
  });
}

function expectOneLine(): void {
  expect(stderr, "no stack trace").not.toMatch(/^\s+at /m);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(/^s3xfer: error: \S/);
}

describe("reportError", () => {
  it("an S3xferError: one line, its exit code", () => {
    expect(reportError(new UsageError("USAGE", "bad flag: fix it"), false)).toBe(2);
    expectOneLine();
    expect(stderr).toBe("s3xfer: error: bad flag: fix it\n");
  });

  it("a multi-line message stays on one line", () => {
    const error = new TransferError("TRANSFER_FAILED", "first\nsecond", { bucket: "b", key: "k" });
    expect(reportError(error, false)).toBe(1);
    expectOneLine();
  });

  it.each([
    [
      "ENOSPC",
      "write",
      /^s3xfer: error: no space left on the device on \/j\/x\.jsonl \(ENOSPC, write\): free some space/,
    ],
    ["EDQUOT", "write", /disk quota is exhausted on \/j\/x\.jsonl \(EDQUOT, write\)/],
    [
      "EROFS",
      "open",
      /the filesystem is read-only on \/j\/x\.jsonl \(EROFS, open\): use a writable location/,
    ],
    ["EACCES", "open", /permission denied on \/j\/x\.jsonl \(EACCES, open\): check its permissions/],
    ["EPERM", "mkdir", /operation not permitted on \/j\/x\.jsonl \(EPERM, mkdir\)/],
    ["EIO", "read", /an I\/O error on the device on \/j\/x\.jsonl \(EIO, read\): check the disk/],
    ["EMFILE", "open", /too many open files .*ulimit -n/],
    ["EPIPE", "write", /the output was closed before s3xfer finished writing/],
  ])("a system error %s: one line with the path and the fix, exit 1", (code, syscall, line) => {
    expect(reportError(systemError(code, syscall, "/j/x.jsonl"), false)).toBe(1);
    expectOneLine();
    expect(stderr).toMatch(line);
  });

  it("a network error that reached the CLI unwrapped: one line", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
      syscall: "connect",
    });
    expect(reportError(error, false)).toBe(1);
    expectOneLine();
    expect(stderr).toMatch(/cannot reach the S3 endpoint \(ECONNREFUSED, connect\): check --endpoint-url/);
  });

  it("an untrusted certificate that reached the CLI unwrapped: one line with the fix", () => {
    expect(reportError(new Error("self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)"), false)).toBe(1);
    expectOneLine();
    expect(stderr).toMatch(/--ca-bundle/);
  });

  it("a system error found in the cause chain", () => {
    const wrapped = new Error("journal write failed", { cause: systemError("ENOSPC", "write", "/j/x") });
    expect(describeSystemError(wrapped)).toMatch(/no space left on the device on \/j\/x/);
    expect(reportError(wrapped, false)).toBe(1);
    expectOneLine();
  });

  it("an S3 answer the library did not wrap: one line", () => {
    const error = Object.assign(new Error("The specified bucket does not exist"), {
      name: "NoSuchBucket",
      $metadata: { httpStatusCode: 404 },
    });
    expect(reportError(error, false)).toBe(1);
    expectOneLine();
    expect(stderr).toMatch(/S3 answered NoSuchBucket \(HTTP 404\): The specified bucket does not exist/);
  });

  it("--debug adds the details to an expected error", () => {
    reportError(systemError("ENOSPC", "write", "/j/x"), true);
    expect(stderr.split("\n")[0]).toMatch(/^s3xfer: error: no space left/);
    expect(stderr).toMatch(/code=ENOSPC/);
  });

  it("a real bug: its stack and a request to report it", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'etag')");
    expect(reportError(bug, false)).toBe(1);
    expect(stderr).toMatch(/^s3xfer: internal error: TypeError: Cannot read properties of undefined/);
    expect(stderr).toMatch(/^\s+at /m);
    expect(stderr).toMatch(/this is a bug in s3xfer, not something you did: please report it/);
  });

  it("an unknown system error code is still a bug to report", () => {
    expect(reportError(systemError("EWEIRD", "open", "/x"), false)).toBe(1);
    expect(stderr).toMatch(/internal error/);
  });
});

describe("the summary's parts", () => {
  it("one part is described by its real size, not the planned part size", () => {
    expect(partsText({ request: "multipart", parts: 1, partSize: 16 * 1024 * 1024, size: 100 })).toBe(
      "1 part of 100 B",
    );
  });

  it("one request, and several parts, as before", () => {
    expect(partsText({ request: "single", parts: 1, partSize: 100, size: 100 })).toBe("1 request");
    expect(partsText({ request: "multipart", parts: 3, partSize: 8 * 1024 * 1024, size: 20e6 })).toBe(
      "3 parts of 8 MiB",
    );
  });
});
