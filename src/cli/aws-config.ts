/**
 * Which profile the CLI was told to use, and the CLI's rule when a profile and environment keys are both set.
 * Reading the shared files themselves is the library's (src/s3/shared-config.ts).
 */
/** The profile named by --profile or AWS_PROFILE, and which of them named it; undefined for the default. */
export function namedProfile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { name: string; from: string } | undefined {
  if (flag) return { name: flag, from: "--profile" };
  if (env.AWS_PROFILE) return { name: env.AWS_PROFILE, from: "AWS_PROFILE" };
  return undefined;
}

/**
 * An explicit --profile wins over AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as in aws-cli (command-line
 * options come first). The SDK already uses the profile, but with both present it prints a nine-line warning
 * on stderr, in the middle of the output; dropping the variables for this process keeps the same choice
 * without it. A profile from AWS_PROFILE is left alone: both then come from the environment, and the SDK's
 * warning is about exactly that.
 */
export function preferProfileOverEnvironmentKeys(env: NodeJS.ProcessEnv = process.env): void {
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_SESSION_TOKEN;
}
