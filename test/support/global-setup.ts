// vitest globalSetup for the integration project: makes sure the local Ceph RADOS Gateway is up
// and points the AWS environment of the test workers at it. The server is deliberately left running
// afterwards, so the next run (or another engineer's) starts in milliseconds instead of seconds;
// `npm run s3:stop` stops it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_STORE, ensureLocalS3, localS3Env } from "./local-s3.js";

export default async function setup(): Promise<() => Promise<void>> {
  await ensureLocalS3({ store: TEST_STORE });
  const env = localS3Env();
  // Set in this (main) process before the workers start; they inherit it.
  process.env.AWS_ENDPOINT_URL = env.endpoint;
  process.env.AWS_ACCESS_KEY_ID = env.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.secretAccessKey;
  process.env.AWS_REGION = env.region;
  process.env.AWS_DEFAULT_REGION = env.region;
  process.env.S3XFER_TEST_KMS_KEY_ID = env.kmsKeyId;
  // Credentials of a real account in the developer's shell must not leak into the test client.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // Transfers write journals by default; the tests' go to a directory of their own, not the user's state.
  const state = await mkdtemp(join(tmpdir(), "s3xfer-test-state-"));
  process.env.XDG_STATE_HOME = state;
  return () => rm(state, { recursive: true, force: true });
}
