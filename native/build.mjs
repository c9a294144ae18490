// Builds the CRC addon in native/crc with node-gyp. Run by `npm install`/`npm ci` (this package's own install
// script) and by `npm run build:native`. It never fails the install: without a compiler or Node's headers the
// addon is simply absent and s3xfer uses its portable implementations (`s3xfer --version` says which).
// S3XFER_SKIP_NATIVE=1 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const addonDir = path.join(here, "crc");
const addonPath = path.join(addonDir, "build", "Release", "s3xfer_crc.node");
const logPath = path.join(addonDir, "build.log");

function say(message) {
  console.log(`s3xfer: ${message}`);
}

/** node-gyp as npm provides it to install scripts, else the copy bundled with the npm beside this Node. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ["node-gyp"];
}

/**
 * Node's headers for the running Node: npm's own setting when it has one, else the install prefix of this Node
 * when it ships include/node (Debian's /usr, the official tarballs), so node-gyp never tries to download them.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return existsSync(path.join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

/** Loads the fresh addon in a separate process and checks a catalogue value, so a broken build is removed. */
function addonLoads() {
  const probe = `
    const addon = require(${JSON.stringify(addonPath)});
    const ok = addon.crc64nvme(Buffer.from("123456789")) === 0xae8b14860a799888n;
    process.stdout.write(ok ? addon.acceleration : "wrong");
  `;
  const result = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
  return result.status === 0 && result.stdout !== "wrong" ? result.stdout : undefined;
}

function main() {
  if (process.env.S3XFER_SKIP_NATIVE === "1") {
    say("S3XFER_SKIP_NATIVE=1: not building the CRC addon; the portable implementations will be used");
    return;
  }
  const [command, ...prefixArgs] = nodeGypCommand();
  const args = [...prefixArgs, "rebuild", `--directory=${addonDir}`, ...nodedirArgs()];
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 180_000 });
  mkdirSync(addonDir, { recursive: true });
  writeFileSync(
    logPath,
    `$ ${[command, ...args].join(" ")}\n${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}\n`,
  );
  const acceleration = result.status === 0 && existsSync(addonPath) ? addonLoads() : undefined;
  if (acceleration) {
    say(`built the native CRC addon (${acceleration}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  rmSync(addonPath, { force: true });
  say(
    `could not build the native CRC addon, so the portable CRC implementations will be used ` +
      `(slower CRC64NVME); details in ${path.relative(process.cwd(), logPath) || logPath}`,
  );
}

try {
  main();
} catch (error) {
  say(
    `could not build the native CRC addon (${error?.message ?? error}); using the portable implementations`,
  );
}
