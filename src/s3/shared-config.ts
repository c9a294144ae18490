import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";

/**
 * The shared AWS config files, read the way aws-cli reads them: `[default]` / `[profile NAME]` sections in
 * ~/.aws/config (AWS_CONFIG_FILE), `[NAME]` in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), and nested
 * blocks such as `s3 =` followed by indented `key = value` lines.
 */
export type IniSection = Record<string, string | Record<string, string>>;

/** Parses INI text into sections; a key whose value is empty and followed by indented lines is a block. */
export function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let section: IniSection | undefined;
  let block: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = {};
      sections.set(header[1]!.trim(), section);
      block = undefined;
      continue;
    }
    const pair = /^(\s*)([^=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!pair || !section) continue;
    const [, indent, key, value] = pair as unknown as [string, string, string, string];
    if (indent.length > 0 && block) {
      block[key] = value;
    } else if (value === "") {
      block = {};
      section[key] = block;
    } else {
      block = undefined;
      section[key] = value;
    }
  }
  return sections;
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(homedir(), ".aws", "config");
}

export function credentialsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), ".aws", "credentials");
}

function readIni(path: string): Map<string, IniSection> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return new Map();
  }
  return parseIni(text);
}

/** The profile's section of ~/.aws/config: `[default]` or `[profile NAME]` (either spelling for default). */
export function configSection(config: Map<string, IniSection>, profile: string): IniSection | undefined {
  return config.get(`profile ${profile}`) ?? (profile === "default" ? config.get("default") : undefined);
}

/** Whether a profile is defined in either shared file. */
export function profileExists(profile: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    configSection(readIni(configFilePath(env)), profile) !== undefined ||
    readIni(credentialsFilePath(env)).has(profile)
  );
}

/**
 * Refuses a profile that neither shared file defines, before anything is sent: the SDK would only say that no
 * credentials were found, hiding the typo. `from` says who named it (--profile, AWS_PROFILE, the option).
 */
export function checkProfileExists(
  profile: string,
  from: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (profileExists(profile, env)) return;
  throw new UsageError(
    "USAGE",
    `the profile "${profile}" (from ${from}) is not in ${configFilePath(env)} or ${credentialsFilePath(env)}: check its name (aws configure list-profiles)`,
  );
}

/** The `s3 =` block of the profile's config section, or {} (no file, no profile, no block). */
export function s3ConfigBlock(profile: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const block = configSection(readIni(configFilePath(env)), profile)?.s3;
  return typeof block === "object" ? block : {};
}
