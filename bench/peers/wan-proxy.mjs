// A WAN in user space, for the peer bench: a TCP proxy on 127.0.0.1 that forwards to the local S3 server
// with a fixed one-way delay in each direction and a shared bandwidth limit per direction, like a long link.
// (The kernel of the bench machine may lack sch_netem, so `tc qdisc … netem` in a namespace is not always
// possible; this works anywhere and touches nothing but its own sockets on loopback.)
//
//   node wan-proxy.mjs LISTEN_PORT TARGET_PORT RTT_MS RATE_MBIT
//
// Model: a chunk leaves after the link has serialized the chunks before it (bytes / rate), then arrives
// RTT/2 later. A new connection waits one RTT before data flows (the TCP handshake). Reading from a socket
// pauses while more than a bandwidth-delay product (at least 4 MiB) is queued in that direction, so the
// proxy's memory stays bounded and senders feel back-pressure as they would on a real link.
// Prints "listening PORT" when ready; stops on SIGTERM/SIGINT.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";

const [listenPort, targetPort, rttMs, rateMbit] = process.argv.slice(2).map(Number);
if (![listenPort, targetPort, rttMs, rateMbit].every((n) => Number.isFinite(n) && n >= 0)) {
  console.error("usage: wan-proxy.mjs LISTEN_PORT TARGET_PORT RTT_MS RATE_MBIT");
  process.exit(2);
}
const oneWayMs = rttMs / 2;
const bytesPerMs = rateMbit > 0 ? (rateMbit * 1e6) / 8 / 1000 : Infinity;
const queueLimit = Math.max(4 * 1024 * 1024, bytesPerMs * rttMs * 2);

/** One direction of the link, shared by every connection: when it is next free to send. */
function link() {
  return { freeAt: 0 };
}
const upstream = link();
const downstream = link();

/**
 * Forwards one direction of one connection. Chunks wait in a FIFO and one timer releases them in order when
 * due — one timer per chunk would not do: timers of different durations may fire out of order, and a
 * reordered TCP stream is a corrupted one.
 */
function forward(from, to, direction) {
  const queue = [];
  let queued = 0;
  let timer = null;
  let ended = false;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].arrival <= now) {
      const { chunk } = queue.shift();
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (queued <= queueLimit / 2 && from.isPaused() && !from.destroyed) from.resume();
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].arrival - now));
    else if (ended && !to.destroyed) to.end();
  };
  from.on("data", (chunk) => {
    const now = performance.now();
    const start = Math.max(now, direction.freeAt);
    direction.freeAt = start + chunk.length / bytesPerMs;
    queue.push({ chunk, arrival: direction.freeAt + oneWayMs });
    queued += chunk.length;
    if (queued > queueLimit) from.pause();
    timer ??= setTimeout(pump, Math.max(0, queue[0].arrival - now));
  });
  from.on("end", () => {
    ended = true;
    timer ??= setTimeout(pump, 0);
  });
}

const server = net.createServer({ pauseOnConnect: true }, (client) => {
  // Paused explicitly: a 'data' listener would otherwise start the flow before the handshake delay.
  client.pause();
  const target = net.connect({ host: "127.0.0.1", port: targetPort });
  const close = () => {
    client.destroy();
    target.destroy();
  };
  client.on("error", close);
  target.on("error", close);
  client.on("close", () => setTimeout(() => target.destroy(), oneWayMs));
  target.on("close", () => setTimeout(() => client.destroy(), oneWayMs));
  client.setNoDelay(true);
  target.setNoDelay(true);
  forward(client, target, upstream);
  forward(target, client, downstream);
  target.once("connect", () => setTimeout(() => client.resume(), rttMs));
});
server.listen(listenPort, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
