import { UsageError } from "../errors.js";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "7d", "12h", "30m", "90s", "2w" (or a sum like "1d12h") into milliseconds. */
export function parseDuration(text: string, flag = "duration"): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  const joined = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || joined !== text.trim()) {
    throw new UsageError("USAGE", `${flag} "${text}" is not a duration: use e.g. 7d, 12h, 30m, 90s or 1d12h`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
