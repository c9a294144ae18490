import type { Argv } from "yargs";
import { UsageError } from "../errors.js";
import type { ConnectionOptions } from "../s3/client-settings.js";
import { checkEndpointUrl } from "../s3/url.js";
import { checkProfileExists } from "../s3/shared-config.js";
import { namedProfile, preferProfileOverEnvironmentKeys } from "./aws-config.js";

export interface ConnectionFlags {
  "endpoint-url"?: string;
  region?: string;
  profile?: string;
  "ca-bundle"?: string;
  /** false for --no-verify-ssl. */
  "verify-ssl"?: boolean;
  /** Seconds. */
  "cli-connect-timeout"?: number;
  /** Seconds. */
  "cli-read-timeout"?: number;
}

/** Where S3 is and who we are: the flags every command that talks to S3 takes. */
export function connectionFlags<T>(yargs: Argv<T>): Argv<T & ConnectionFlags> {
  return yargs
    .option("endpoint-url", {
      type: "string",
      describe: "S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)",
    })
    .option("region", { type: "string", describe: "AWS region (default: AWS_REGION, the profile's region)" })
    .option("profile", { type: "string", describe: "profile from ~/.aws/config and ~/.aws/credentials" })
    .option("ca-bundle", {
      type: "string",
      describe: "PEM file of certificate authorities to trust for HTTPS (default: AWS_CA_BUNDLE)",
    })
    .option("verify-ssl", {
      type: "boolean",
      describe: "--no-verify-ssl: do not verify the server's TLS certificate (unsafe; for tests)",
    })
    .option("cli-connect-timeout", {
      type: "string",
      describe: "seconds to wait for a connection (default 10)",
      coerce: (value: unknown) => parseSecondsFlag(value, "--cli-connect-timeout"),
    })
    .option("cli-read-timeout", {
      type: "string",
      describe: "seconds a request may send or receive nothing before it is retried (default 120)",
      coerce: (value: unknown) => parseSecondsFlag(value, "--cli-read-timeout"),
    }) as unknown as Argv<T & ConnectionFlags>;
}

/** A positive number of seconds (fractions allowed); aws-cli's 0 ("wait forever") is refused: a hang is worse. */
export function parseSecondsFlag(value: unknown, flag: string): number {
  const text = String(value ?? "").trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0)) {
    throw new UsageError(
      "USAGE",
      `${flag} "${text}" is not a positive number of seconds: e.g. ${flag} 30 (0, "wait forever", is not offered)`,
    );
  }
  return seconds;
}

export function connectionFromFlags(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions {
  if (flags["endpoint-url"] !== undefined) checkEndpointUrl(flags["endpoint-url"], "--endpoint-url");
  const profile = namedProfile(flags.profile, env);
  if (profile) checkProfileExists(profile.name, profile.from, env);
  if (flags.profile) preferProfileOverEnvironmentKeys(env);
  if (flags["verify-ssl"] === false && flags["ca-bundle"] !== undefined) {
    throw new UsageError(
      "USAGE",
      "--no-verify-ssl and --ca-bundle cannot be used together: --ca-bundle trusts a CA, --no-verify-ssl trusts anything",
    );
  }
  return {
    ...(flags["endpoint-url"] ? { endpoint: flags["endpoint-url"] } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags["ca-bundle"] !== undefined ? { caBundle: flags["ca-bundle"] } : {}),
    ...(flags["verify-ssl"] === false ? { verifySsl: false } : {}),
    ...(flags["cli-connect-timeout"] !== undefined
      ? { connectTimeoutMs: Math.round(flags["cli-connect-timeout"] * 1000) }
      : {}),
    ...(flags["cli-read-timeout"] !== undefined
      ? { idleTimeoutMs: Math.round(flags["cli-read-timeout"] * 1000) }
      : {}),
  };
}
