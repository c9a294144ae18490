import { UsageError } from "../errors.js";
import { parseSize } from "../planner/size.js";

/**
 * Defaults for `cp` from outside the command line, in aws-cli's order: a flag beats the environment
 * (S3XFER_*), which beats the profile's `s3` block in ~/.aws/config, which beats s3xfer's own default.
 */
export interface TransferDefaults {
  concurrency?: number;
  partSize?: number;
  multipartThreshold?: number;
  maxAttempts?: number;
  checksumAlgorithm?: string;
}

/** Each setting's environment variable, named after its flag. */
export const ENVIRONMENT_DEFAULTS = {
  concurrency: "S3XFER_CONCURRENCY",
  partSize: "S3XFER_PART_SIZE",
  multipartThreshold: "S3XFER_MULTIPART_THRESHOLD",
  maxAttempts: "S3XFER_MAX_ATTEMPTS",
  checksumAlgorithm: "S3XFER_CHECKSUM_ALGORITHM",
} as const satisfies Record<keyof TransferDefaults, string>;

/**
 * The ~/.aws/config `s3` settings that mean the same for s3xfer. max_bandwidth is not honoured (s3xfer has
 * no bandwidth limit yet); the others (use_accelerate_endpoint, addressing_style, …) are not read.
 */
export const AWS_CONFIG_DEFAULTS = {
  concurrency: "max_concurrent_requests",
  partSize: "multipart_chunksize",
  multipartThreshold: "multipart_threshold",
} as const satisfies Partial<Record<keyof TransferDefaults, string>>;

type Parser = (text: string, where: string) => number | string;

const PARSERS: Record<keyof TransferDefaults, Parser> = {
  concurrency: (text, where) => wholeNumber(text, where),
  partSize: (text, where) => parseSize(text, where),
  multipartThreshold: (text, where) => parseSize(text, where),
  maxAttempts: (text, where) => wholeNumber(text, where),
  checksumAlgorithm: (text) => text.trim(),
};

/** aws-cli reads config sizes with 1024-based units: 16MB is 16 MiB there, and so here. */
export function awsConfigSize(text: string, where: string): number {
  const match = /^\s*(\d+)\s*(kb|mb|gb|tb|kib|mib|gib|tib)?\s*$/i.exec(text);
  if (!match) {
    throw new UsageError(
      "INVALID_SIZE",
      `${where} "${text}" is not a size: use bytes or a number with KB, MB, GB or TB (1024-based, as aws-cli)`,
    );
  }
  const power = { k: 1, m: 2, g: 3, t: 4 }[(match[2] ?? " ")[0]!.toLowerCase()] ?? 0;
  return Number(match[1]) * 1024 ** power;
}

function wholeNumber(text: string, where: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError("USAGE", `${where} "${text}" is not a whole number`);
  return Number(text);
}

/**
 * The defaults that apply where no flag was given. `flags` holds what the command line set (undefined for
 * unset); `s3Config` is the profile's `s3` block.
 */
export function transferDefaults(
  flags: TransferDefaults,
  env: NodeJS.ProcessEnv,
  s3Config: Record<string, string>,
  profile: string,
): TransferDefaults {
  const out: TransferDefaults = {};
  for (const key of Object.keys(PARSERS) as (keyof TransferDefaults)[]) {
    if (flags[key] !== undefined) continue;
    const envName = ENVIRONMENT_DEFAULTS[key];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== "") {
      Object.assign(out, { [key]: PARSERS[key](fromEnv, envName) });
      continue;
    }
    const configName = (AWS_CONFIG_DEFAULTS as Partial<Record<keyof TransferDefaults, string>>)[key];
    const fromConfig = configName !== undefined ? s3Config[configName] : undefined;
    if (fromConfig !== undefined && fromConfig !== "") {
      const where = `${configName} in the s3 settings of profile ${profile} (~/.aws/config)`;
      const value = key === "concurrency" ? wholeNumber(fromConfig, where) : awsConfigSize(fromConfig, where);
      Object.assign(out, { [key]: value });
    }
  }
  return out;
}
