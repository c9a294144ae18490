// Child process for test/integration/abort-native-crash.test.ts: one library upload({ signal }) from dist/,
// aborted once a seeded fraction of its bytes is sent (0: at its first event, while the workers load) — by
// progress, not by time, so every run is cut mid-transfer however fast or loaded the machine is. It prints one JSON line saying how the upload ended. A native module that
// kills the process on abort (as aws-crt did, exit 255 inside napi_wrap) never reaches that line.
import { clearTimeout, setTimeout } from "node:timers";
import { upload } from "../../dist/index.js";

const { bucket, key, file, abortAtFraction } = JSON.parse(process.argv[2]);
const controller = new globalThis.AbortController();
// A delay of 0 still lets the current event finish before the abort lands.
const abortSoon = () => (controller.signal.aborted ? undefined : setTimeout(() => controller.abort(), 0));
let timer;
try {
  await upload({
    source: file,
    bucket,
    key,
    concurrency: 8,
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === "start" && abortAtFraction === 0) timer = abortSoon();
      if (
        event.type === "progress" &&
        event.totalBytes &&
        event.bytesDone >= abortAtFraction * event.totalBytes
      )
        timer ??= abortSoon();
    },
  });
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
