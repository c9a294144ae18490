/**
 * CreateMultipartUpload without orphans. The SDK does not retry it (a retry whose first reply was lost makes
 * a second upload nobody knows of); instead, after a failure that may have reached the server, the uploads
 * of this key started since the first attempt are listed: the newest is adopted, any other aborted.
 */
import { backoffDelay, sleep } from "../engine/backoff.js";
import { classifyError, isUnreachable } from "../s3/error-class.js";
import { explainS3Error } from "../s3/error-explain.js";
import { abortUpload, createUpload, uploadsOfKeySince } from "../s3/multipart-requests.js";
import type { ObjectAttributes } from "../s3/object-attributes.js";
import type { TransferContext } from "./job-context.js";

/** Attempts at an endpoint that has never answered at all (as for parts, see run-parts). */
const UNREACHABLE_ATTEMPTS = 4;

/** How far the server's clock may be behind ours when telling which uploads were started by this attempt. */
const CLOCK_SKEW_MS = 60_000;

export async function createUploadWithoutOrphans(
  context: TransferContext,
  attributes: ObjectAttributes,
  signal: AbortSignal | undefined,
): Promise<string> {
  const firstAttemptAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await createUpload(context.target, attributes, context.algorithm, {
        client: context.createClient,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const info = classifyError(error);
      if (!info.retryable) throw error;
      const giveUp = (): never => {
        throw explainS3Error(error, context.target, `CreateMultipartUpload (after ${attempt} attempts)`);
      };
      if (isUnreachable(info)) {
        // The request never reached a server (refused, no such host): nothing can have been created, and an
        // endpoint that never answered is most likely the wrong one — give up after a few tries.
        if (attempt >= Math.min(context.retry.maxAttempts, UNREACHABLE_ATTEMPTS)) giveUp();
        await sleep(backoffDelay(attempt, context.retry.baseDelayMs, context.retry.maxDelayMs), signal);
        continue;
      }
      const adopted = await adoptStartedSince(
        context,
        firstAttemptAt,
        "created by a CreateMultipartUpload whose answer was lost",
      ).catch(() => undefined);
      if (adopted) return adopted;
      if (attempt >= context.retry.maxAttempts) giveUp();
      await sleep(backoffDelay(attempt, context.retry.baseDelayMs, context.retry.maxDelayMs), signal);
    }
  }
}

/**
 * The upload of this key that a (possibly lost) Create started at or after `since`, adopted, with any
 * other such aborted; undefined when there is none. Also how resume finds the upload of a journal whose
 * Create never got its answer recorded.
 */
export async function adoptStartedSince(
  context: TransferContext,
  since: number,
  why: string,
): Promise<string | undefined> {
  const ours = await uploadsOfKeySince(context.target, since - CLOCK_SKEW_MS);
  for (const extra of ours.slice(1)) await abortUpload(context.target, extra.uploadId);
  const newest = ours[0];
  if (!newest) return undefined;
  context.notes.push(`adopted upload ${newest.uploadId}, ${why}`);
  return newest.uploadId;
}
