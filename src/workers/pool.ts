import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { PartOutcome, PartTask } from "./tasks.js";

/**
 * The compiled worker. Under vitest this module runs from its TypeScript source, where no .js worker sits
 * next to it; the tests then use the build in dist/ (npm test builds before it runs them).
 */
function workerFile(): string {
  const beside = fileURLToPath(new URL("./part-worker-entry.cjs", import.meta.url));
  if (existsSync(beside) && existsSync(fileURLToPath(new URL("./part-worker.js", import.meta.url))))
    return beside;
  const built = fileURLToPath(new URL("../../dist/workers/part-worker-entry.cjs", import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`the worker script is missing (${beside}); run "npm run build"`);
}

export interface PartPoolOptions {
  /** Parts in flight at most, across all threads. */
  concurrency: number;
  /** Worker threads; defaults to the number of cores (checksumming is the CPU work). */
  threads?: number;
}

/**
 * A piscina pool sized for part transfers: a few threads (CPU: reading and checksumming), each running
 * several parts at once (I/O: the HTTP requests), so that `concurrency` parts can be in flight.
 */
export class PartPool {
  private started: Piscina<PartTask, PartOutcome> | undefined;
  readonly threads: number;
  private readonly partsPerThread: number;

  constructor(options: PartPoolOptions) {
    this.threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), options.concurrency));
    this.partsPerThread = Math.ceil(options.concurrency / this.threads);
  }

  /**
   * The threads start with the first task, one at first and more as tasks queue up: a thread costs a Node
   * environment and the AWS SDK loaded into it (~0.1–0.2 CPU-s), which a transfer of a single request, or
   * one that fails before its first part, should not pay for every core.
   */
  private get pool(): Piscina<PartTask, PartOutcome> {
    this.started ??= new Piscina<PartTask, PartOutcome>({
      filename: workerFile(),
      minThreads: 1,
      maxThreads: this.threads,
      concurrentTasksPerWorker: this.partsPerThread,
      idleTimeout: 30_000,
    });
    return this.started;
  }

  /**
   * Runs one task. The signal is not handed to piscina: a task given a signal gets its thread to itself,
   * which would cap the parts in flight at the number of threads. Instead an abort rejects at once and
   * tears the pool down, which cancels every request in flight (the transfer is being cancelled anyway).
   */
  run(task: PartTask, options: { signal?: AbortSignal } = {}): Promise<PartOutcome> {
    const { signal } = options;
    if (this.destroying) return Promise.reject(new Error("the part pool has been destroyed"));
    if (!signal) return this.pool.run(task);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<PartOutcome>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason as Error);
        void this.destroy().catch(() => undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pool.run(task).then(
        (outcome) => {
          signal.removeEventListener("abort", onAbort);
          resolve(outcome);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error as Error);
        },
      );
    });
  }

  private destroying: Promise<void> | undefined;

  /** Stops the threads; safe to call more than once. */
  destroy(): Promise<void> {
    this.destroying ??= this.started ? this.started.destroy() : Promise.resolve();
    return this.destroying;
  }
}
