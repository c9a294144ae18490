import { describe, expect, it } from "vitest";
import { knownSecrets, redact } from "../../src/cli/redact.js";
import { describeCauses } from "../../src/cli/report-error.js";

const KEY = Buffer.from("SSECKEY-s3xfer-secret-0123456789");

describe("redact", () => {
  const secrets = knownSecrets(
    {
      AWS_SECRET_ACCESS_KEY: "FAKESECRET+s3xfer/NotARealKey/0123456789ab",
      AWS_SESSION_TOKEN: "tok-0123456789",
    },
    ["node", "main.js", "cp", "f", "s3://b/k", "--sse-c-key", KEY.toString("base64")],
  );

  it("removes known secrets in every form a key is written in", () => {
    for (const form of [
      "FAKESECRET+s3xfer/NotARealKey/0123456789ab",
      "tok-0123456789",
      KEY.toString("base64"),
      KEY.toString("hex"),
      KEY.toString("hex").toUpperCase(),
      KEY.toString("latin1"),
    ]) {
      expect(redact(`before ${form} after`, secrets)).toBe("before [REDACTED] after");
    }
  });

  it("removes signatures and secret headers whoever printed them", () => {
    const text = [
      "authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0123abcd",
      '{"Authorization":"AWS4-HMAC-SHA256 Credential=x"}',
      "x-amz-server-side-encryption-customer-key: c2VjcmV0LWtleS1iYXNlNjQ=",
      "x-amz-copy-source-server-side-encryption-customer-key: 'c2VjcmV0LWtleS1iYXNlNjQ='",
      "x-amz-server-side-encryption-customer-key-MD5: bWQ1",
      "https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok%2F1",
      "{ secretAccessKey: 'shh', sessionToken: 'shh2' }",
    ].join("\n");
    const out = redact(text, []);
    expect(out).not.toMatch(/Credential=|0123abcd|c2VjcmV0|deadbeef|tok%2F1|shh/);
    // The MD5 of an SSE-C key is no secret (S3 returns it) and helps debugging.
    expect(out).toContain("customer-key-MD5: bWQ1");
  });

  it("leaves ordinary text alone", () => {
    const text = "uploaded 40 MiB to s3://bucket/key in 1.2 s, 3 parts of 16 MiB";
    expect(redact(text, secrets)).toBe(text);
  });
});

describe("--debug cause chains", () => {
  it("show each cause's name, message, status and response headers, never the request", () => {
    const sdk = Object.assign(new Error("We encountered an internal error."), {
      name: "InternalError",
      $fault: "server",
      $metadata: { httpStatusCode: 500, requestId: "req-1", attempts: 5 },
    });
    Object.defineProperty(sdk, "$response", {
      value: {
        statusCode: 500,
        headers: { "x-amz-request-id": "req-1" },
        body: { req: { _header: "authorization: AWS4-HMAC-SHA256 Signature=ffff" } },
      },
      enumerable: false,
    });
    const top = new Error("the upload failed", { cause: sdk });
    const text = describeCauses(top);
    expect(text).toMatch(/^caused by: Error: the upload failed/);
    expect(text).toMatch(/^caused by: InternalError: We encountered an internal error\./m);
    expect(text).toMatch(/\$fault=server status=500 requestId=req-1 attempts=5/);
    expect(text).toMatch(/response: HTTP 500 \(x-amz-request-id: req-1\)/);
    expect(text).not.toMatch(/Signature|authorization/i);
  });
});
