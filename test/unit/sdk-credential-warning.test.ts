// In a file of its own: the SDK's credential chain warns once per process.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../src/errors.js";
import { createMainClient, type S3xferWarning } from "../../src/s3/client-settings.js";

const saved = { ...process.env };

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), "s3xfer-profile-"));
  writeFileSync(join(dir, "config"), "[profile nightly]\nregion = eu-west-1\n");
  writeFileSync(
    join(dir, "credentials"),
    "[nightly]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n",
  );
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  process.env.AWS_ACCESS_KEY_ID = "AKIDENVIRONMENT";
  process.env.AWS_SECRET_ACCESS_KEY = "secret";
});

afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

describe("a library caller's profile", () => {
  it("that does not exist is refused before any request, naming the files read", () => {
    expect(() => createMainClient({ profile: "nosuch" })).toThrow(UsageError);
    expect(() => createMainClient({ profile: "nosuch" })).toThrow(
      /the profile "nosuch" \(from the profile option\) is not in .*config or .*credentials/,
    );
  });

  it("beside environment keys: the SDK's warning goes to onWarning, never to the console", async () => {
    const consoleWarn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const warnings: S3xferWarning[] = [];
    const client = createMainClient({ profile: "nightly", onWarning: (w) => warnings.push(w) });
    try {
      const credentials = await client.config.credentials();
      expect(credentials.accessKeyId).toBe("AKIDPROFILE");
    } finally {
      client.destroy();
    }
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(warnings.filter((w) => w.code === "AWS_SDK").map((w) => w.message)).toEqual([
      expect.stringMatching(/Multiple credential sources detected/),
    ]);
  });
});
