// The floor of an upload's client cost, measured as its own process: read the file part by part into one
// reused buffer, checksum each part with the implementation s3xfer selects, and PUT it to the sink with
// plain node:http (no SDK, no signing, keep-alive). One part at a time, so the CPU of each step is measured
// apart (process.cpuUsage around it). Plain .mjs: no TypeScript loader in the measured process.
//
//   node floor.mjs FILE URL PART_SIZE ALGORITHM|NONE     prints {"read":s,"checksum":s,"send":s,...}
import { open } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [file, url, partSizeText, algorithm] = process.argv.slice(2);
if (!file || !url || !partSizeText || !algorithm) {
  console.error("usage: floor.mjs FILE URL PART_SIZE ALGORITHM|NONE");
  process.exit(2);
}
const dist = path.resolve(process.env.S3XFER_DIST ?? "dist");
const checksums = await import(pathToFileURL(path.join(dist, "checksum/index.js")).href);
const partSize = Number(partSizeText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const buffer = Buffer.allocUnsafeSlow(partSize);
const handle = await open(file, "r");
const size = (await handle.stat()).size;
const spent = { read: 0, checksum: 0, send: 0 };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function put(body, n) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/floor-${process.pid}-${n}`,
      { method: "PUT", agent, headers: { "content-length": body.length } },
      (response) => {
        response.resume();
        response.on("end", resolve);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

for (let position = 0, n = 1; position < size; position += partSize, n++) {
  const view = buffer.subarray(0, Math.min(partSize, size - position));
  let t = cpu();
  for (let done = 0; done < view.length;) {
    const { bytesRead } = await handle.read(view, done, view.length - done, position + done);
    done += bytesRead;
  }
  spent.read += cpu() - t;
  t = cpu();
  if (algorithm !== "NONE") {
    const hasher = checksums.createHasher(algorithm);
    hasher.update(view);
    hasher.digest();
  }
  spent.checksum += cpu() - t;
  t = cpu();
  await put(view, n);
  spent.send += cpu() - t;
}
await handle.close();
agent.destroy();
const implementation = algorithm === "NONE" ? "none" : checksums.selectedImplementation(algorithm).name;
process.stdout.write(`${JSON.stringify({ ...spent, bytes: size, implementation })}\n`);
