import type { PartEvent } from "../engine/run-parts.js";
import type { TransferResult } from "./result.js";

export interface TransferProgress {
  bytesDone: number;
  /** Null while a stream of unknown length is still being read. */
  totalBytes: number | null;
  partsDone: number;
  partCount: number | null;
  /** Parts allowed in flight right now (it drops when the server throttles). */
  concurrency: number;
  bytesPerSecond: number;
  /** Parts taken from a journal instead of being sent again. */
  partsResumed?: number;
}

export type TransferEvent =
  | {
      type: "start";
      operation: "upload" | "copy";
      bucket: string;
      key: string;
      source: string;
      size: number | null;
      request: "single" | "multipart";
      partSize: number;
      partCount: number | null;
      concurrency: number;
      checksumAlgorithm: string | null;
      uploadId?: string;
      notes: string[];
    }
  | ({ type: "progress" } & TransferProgress)
  | PartEvent
  | { type: "note"; message: string }
  | { type: "complete"; result: TransferResult }
  | {
      type: "error";
      code: string;
      message: string;
      bucket?: string;
      key?: string;
      uploadId?: string;
      partNumber?: number;
    };

export interface EventOptions {
  /** Every event, in order: start, progress (throttled), part, retry, note, complete / error. */
  onEvent?: (event: TransferEvent) => void;
  /** Live progress, about every `progressIntervalMs`. */
  onProgress?: (progress: TransferProgress) => void;
  progressIntervalMs?: number;
}
