// Child process for test/integration/abort-native-crash.test.ts: one library upload({ signal }) from dist/,
// aborted after the given delay. It prints one JSON line saying how the upload ended. A native module that
// kills the process on abort (as aws-crt did, exit 255 inside napi_wrap) never reaches that line.
import { clearTimeout, setTimeout } from "node:timers";
import { upload } from "../../dist/index.js";

const { bucket, key, file, abortAfterMs } = JSON.parse(process.argv[2]);
const controller = new globalThis.AbortController();
const timer = setTimeout(() => controller.abort(), abortAfterMs);
try {
  await upload({ source: file, bucket, key, concurrency: 8, signal: controller.signal });
  console.log(JSON.stringify({ outcome: "completed" }));
} catch (error) {
  // The library reports a cancelled transfer as TransferError code ABORTED (or the signal's own AbortError).
  const aborted = controller.signal.aborted && (error?.code === "ABORTED" || error?.name === "AbortError");
  const outcome = aborted ? "aborted" : "failed";
  console.log(
    JSON.stringify({ outcome, name: error?.name, code: error?.code, message: String(error?.message) }),
  );
} finally {
  clearTimeout(timer);
}
