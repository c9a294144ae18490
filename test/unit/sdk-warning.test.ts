// In a file of its own: the SDK warns once per process, on the first client made, so this must be the first.
import { describe, expect, it } from "vitest";
import { createMainClient, type S3xferWarning } from "../../src/s3/client-settings.js";

describe("the AWS SDK's Node version warning", () => {
  it("goes to onWarning, never to the process's warnings (which print)", async () => {
    const printed: string[] = [];
    const onProcessWarning = (warning: Error) => printed.push(warning.message);
    process.on("warning", onProcessWarning);
    const warnings: S3xferWarning[] = [];
    const previous = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    try {
      const client = createMainClient({
        region: "us-east-1",
        credentials: { accessKeyId: "a", secretAccessKey: "b" },
        onWarning: (w) => warnings.push(w),
      });
      client.destroy();
      // process 'warning' events are delivered on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      if (previous !== undefined) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = previous;
      process.off("warning", onProcessWarning);
    }
    expect(printed.filter((m) => m.includes("NodeVersionSupportWarning"))).toEqual([]);
    // The SDK warns once per process and only below Node 22; this file runs in a fresh module graph.
    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: "NODE_VERSION_SUPPORT" });
      expect(warnings[0]!.message).toMatch(/node >=22/);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});
