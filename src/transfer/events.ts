import type { PartEvent } from "../engine/run-parts.js";
import type { ErrorCode } from "../errors.js";
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

/** Bumped when a field changes meaning or goes away (adding a field or an event type does not bump it). */
export const EVENT_SCHEMA_VERSION = 1;

/** Fields every event carries, stamped when it is emitted. */
export interface EventStamp {
  /** The event schema's version (docs/json-events.md). */
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  /** When the event was emitted, ISO 8601 in UTC with milliseconds. */
  time: string;
}

/** An event as the transfer builds it, before it is stamped. */
export type TransferEventData =
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
      code: ErrorCode;
      message: string;
      bucket?: string;
      key?: string;
      uploadId?: string;
      partNumber?: number;
      /** The journal that resumes the transfer, when the upload was kept on the server. */
      journalPath?: string;
    };

/** What listeners receive: every event carries the schema version and its time. */
export type TransferEvent = TransferEventData & EventStamp;

export interface EventOptions {
  /** Every event, in order: start, progress (throttled), part, retry, note, complete / error. */
  onEvent?: (event: TransferEvent) => void;
  /** Live progress, about every `progressIntervalMs`. */
  onProgress?: (progress: TransferProgress) => void;
  progressIntervalMs?: number;
}
