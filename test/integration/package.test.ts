// The package as a user installs it: `npm pack`, unpacked into a project's node_modules, then imported
// from ESM and CommonJS, in JavaScript and in strict TypeScript (module NodeNext, the repo's compiler), each
// running a small upload against the local Ceph. Needs a build (npm test builds first), like the CLI tests.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestBucket, emptyAndDeleteBucket, testClient } from "../support/local-s3.js";
import { scratchDir } from "../support/objects.js";
import { downloadedSha256 } from "../support/objects.js";
import { createHash } from "node:crypto";

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const client = testClient();
let bucket: string;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let project: string;
let tarball: { filename: string; size: number; files: { path: string }[] };

/** What every consumer does with the package; `importLine` is how it gets it. */
function consumerBody(kind: string): string {
  return `
const exported = { upload, copy, resume, S3xferError, UsageError, TransferError };
for (const [name, value] of Object.entries(exported)) {
  if (typeof value !== "function") throw new Error(name + " is not exported");
}
if (!(new UsageError("USAGE", "x") instanceof S3xferError)) throw new Error("UsageError is not an S3xferError");
const warnings = [];
upload({
  bucket: process.env.TEST_BUCKET,
  key: "${kind}.txt",
  source: Buffer.from("hello from ${kind}"),
  journal: false,
  onWarning: (w) => warnings.push(w.code),
}).then(
  (result) => console.log(JSON.stringify({ etag: result.etag, size: result.size, warnings })),
  (error) => {
    console.error(error instanceof S3xferError ? error.code + ": " + error.message : error);
    process.exitCode = 1;
  },
);
`;
}

const TS_BODY = (kind: string) => `
const exported = { upload, copy, resume, S3xferError, UsageError, TransferError };
for (const [name, value] of Object.entries(exported)) {
  if (typeof value !== "function") throw new Error(name + " is not exported");
}
const warnings: S3xferWarning["code"][] = [];
const connection: ConnectionOptions = { onWarning: (w) => warnings.push(w.code) };
const options: UploadOptions = {
  ...connection,
  bucket: process.env.TEST_BUCKET ?? "",
  key: "${kind}.txt",
  source: new TextEncoder().encode("hello from ${kind}"),
  journal: false,
  onEvent: (event: TransferEvent) => {
    if (event.type === "error") {
      const code: ErrorCode = event.code;
      void code;
    }
  },
};
upload(options).then(
  (result: TransferResult) => console.log(JSON.stringify({ etag: result.etag, size: result.size, warnings })),
  (error: unknown) => {
    console.error(error instanceof S3xferError ? error.code + ": " + error.message : error);
    process.exitCode = 1;
  },
);
`;
const TS_IMPORT =
  'import { upload, copy, resume, S3xferError, UsageError, TransferError, type ConnectionOptions, type ErrorCode, type S3xferWarning, type TransferEvent, type TransferResult, type UploadOptions } from "s3xfer";';

beforeAll(async () => {
  bucket = await createTestBucket("package");
  scratch = await scratchDir();
  // The build is the test run's (npm test builds first): no scripts, so packing does not rebuild dist.
  const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch.dir], {
    cwd: REPO,
  });
  tarball = (JSON.parse(packed.stdout) as (typeof tarball)[])[0]!;
  project = join(scratch.dir, "consumer");
  const modules = join(project, "node_modules");
  await mkdir(join(modules, "s3xfer"), { recursive: true });
  await run("tar", [
    "xzf",
    join(scratch.dir, tarball.filename),
    "-C",
    join(modules, "s3xfer"),
    "--strip-components=1",
  ]);
  // The package's dependencies (and TypeScript's @types/node) from the repo, offline: as npm would install them.
  for (const entry of await readdir(join(REPO, "node_modules"))) {
    if (entry === "s3xfer" || entry.startsWith(".")) continue;
    await symlink(join(REPO, "node_modules", entry), join(modules, entry));
  }
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  await writeFile(
    join(project, "esm.mjs"),
    `import { upload, copy, resume, S3xferError, UsageError, TransferError } from "s3xfer";\n${consumerBody("esm")}`,
  );
  await writeFile(
    join(project, "cjs.cjs"),
    `const { upload, copy, resume, S3xferError, UsageError, TransferError } = require("s3xfer");\n${consumerBody("cjs")}`,
  );
  await writeFile(join(project, "ts-esm.mts"), `${TS_IMPORT}\n${TS_BODY("ts-esm")}`);
  await writeFile(join(project, "ts-cjs.cts"), `${TS_IMPORT}\n${TS_BODY("ts-cjs")}`);
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        types: ["node"],
        outDir: "out",
        // The package's own declarations are checked, not skipped; the SDK's are its business.
        skipLibCheck: false,
      },
      files: ["ts-esm.mts", "ts-cjs.cts"],
    }),
  );
}, 300_000);

afterAll(async () => {
  await emptyAndDeleteBucket(bucket);
  await scratch?.cleanup();
});

/** Runs a consumer as a user would: no warning switch set, so anything the library prints shows. */
async function runConsumer(file: string): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_BUCKET: bucket };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return run(process.execPath, [file], { cwd: project, env });
}

async function expectUploaded(kind: string, output: { stdout: string; stderr: string }): Promise<void> {
  // A library never prints: not the SDK's Node version warning, from the main thread or a worker.
  expect(output.stderr).toBe("");
  const result = JSON.parse(output.stdout) as { size: number; warnings: string[] };
  const text = `hello from ${kind}`;
  expect(result.size).toBe(text.length);
  const major = Number(process.versions.node.split(".")[0]);
  expect(result.warnings).toEqual(major < 22 ? ["NODE_VERSION_SUPPORT"] : []);
  expect((await downloadedSha256(client, bucket, `${kind}.txt`)).sha256).toBe(
    createHash("sha256").update(text).digest("hex"),
  );
}

describe("the packed package", () => {
  it("holds the build, one bundled declaration file and the licence: no source maps, no per-module types", () => {
    const paths = tarball.files.map((f) => f.path);
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/workers/part-worker-entry.cjs");
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => p.endsWith(".d.ts"))).toEqual(["dist/index.d.ts"]);
    expect(paths.filter((p) => !p.startsWith("dist/"))).toEqual(
      expect.arrayContaining(["LICENSE", "README.md", "package.json"]),
    );
  });

  it("declares only the public API", async () => {
    const types = await readFile(join(project, "node_modules", "s3xfer", "dist", "index.d.ts"), "utf8");
    for (const internal of [
      "fileJobs",
      "withUploadId",
      "copyJobs",
      "TransferContext",
      "PartPool",
      "S3Client",
    ])
      expect(types).not.toMatch(new RegExp(`\\b${internal}\\b`));
    expect(types).toMatch(/declare function upload\(/);
  });

  it("is imported from ESM and uploads", async () => {
    await expectUploaded("esm", await runConsumer("esm.mjs"));
  });

  it("is required from CommonJS and uploads", async () => {
    await expectUploaded("cjs", await runConsumer("cjs.cjs"));
  });

  it("compiles in strict TypeScript (NodeNext, ESM and CommonJS) and the output uploads", async () => {
    await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: project });
    const cjs = await readFile(join(project, "out", "ts-cjs.cjs"), "utf8");
    expect(cjs).toMatch(/require\("s3xfer"\)/);
    await expectUploaded("ts-esm", await runConsumer("out/ts-esm.mjs"));
    await expectUploaded("ts-cjs", await runConsumer("out/ts-cjs.cjs"));
  });
});
