// A nightly backup job as a library user writes it (test/integration/nightly-job.test.ts): one upload() from
// the built package with onUnfinished: "resume", so a night killed midway is finished by the next night.
// It prints one JSON line per finished part (the test kills it after a seeded number of them) and one last
// line with the outcome.
import { upload } from "../../dist/index.js";

const { bucket, key, file, partSize } = JSON.parse(process.argv[2]);
try {
  const result = await upload({
    source: file,
    bucket,
    key,
    partSize,
    concurrency: 2,
    onUnfinished: "resume",
    onEvent: (event) => {
      if (event.type === "part") console.log(JSON.stringify({ part: event.partNumber }));
    },
  });
  console.log(JSON.stringify({ outcome: "completed", partsResumed: result.partsResumed, etag: result.etag }));
} catch (error) {
  console.log(
    JSON.stringify({
      outcome: "failed",
      code: error?.code,
      message: String(error?.message),
      journalPath: error?.journalPath,
    }),
  );
  process.exitCode = 1;
}
