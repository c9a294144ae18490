// The file piscina loads in each worker thread. It is CommonJS on purpose: piscina first tries require() on
// its filename, and on Node 20.19+ require() of our ESM worker instantiates it synchronously; a pool torn down
// during that (a transfer failing at once) aborts the whole process in V8 ("IsGraphAsync must be used on an
// instantiated module"). This shim loads the real worker with import(), which a terminating thread can drop.
"use strict";
let worker;
module.exports = async function runPartTask(task) {
  worker ??= import("./part-worker.js");
  return (await worker).default(task);
};
