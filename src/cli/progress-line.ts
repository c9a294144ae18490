/**
 * The text of the progress bar, as a pure function of the figures and the terminal's width. Fields are whole
 * words: when the line does not fit, the least useful field goes first (parts in flight, then the part
 * count, then the bar itself, then the ETA, the rate, the percentage), so a field is never cut in the middle.
 */

export interface ProgressFigures {
  /** Bytes sent so far, a resumed transfer's finished parts included (the bar starts where it left off). */
  bytesDone: number;
  /** Null while a stream of unknown length is being read: no percentage, no ETA then. */
  totalBytes: number | null;
  /** Smoothed bytes per second sent in this run; null until there is enough to tell. */
  bytesPerSecond: number | null;
  partsDone: number;
  partCount: number | null;
  /** Parts allowed in flight at once right now (it drops while the server throttles). */
  concurrency: number;
  /** Time since the transfer started, shown for streams (which have no ETA). */
  elapsedMs: number;
}

const BAR_MIN = 10;
const BAR_MAX = 40;
const GAP = "  ";

/** Sizes in binary units with three significant digits, so the line keeps its width: "1.23 GiB", "64.2 MiB". */
export function formatSizeShort(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatSizeShort(bytesPerSecond)}/s`;
}

/** A duration with its units: "55s", "2m05s", "1h02m". */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Time left at the smoothed rate, or null while there is no rate or no total. */
export function etaSeconds(f: ProgressFigures): number | null {
  if (f.totalBytes === null || f.bytesPerSecond === null || f.bytesPerSecond <= 0) return null;
  return Math.max(0, f.totalBytes - f.bytesDone) / f.bytesPerSecond;
}

interface Field {
  text: string;
  /** Higher goes first when the line is too long. */
  drop: number;
  bar?: boolean;
  /** Joined to the field before with ", " instead of the gap (as wide), when that one is shown too. */
  continues?: boolean;
}

function fields(f: ProgressFigures): Field[] {
  const out: Field[] = [];
  const known = f.totalBytes !== null;
  if (known) {
    const total = Math.max(1, f.totalBytes!);
    // Floor, so 100 % means done; a 0-byte object is done at once.
    const percent = f.totalBytes === 0 ? 100 : Math.min(100, Math.floor((f.bytesDone / total) * 100));
    out.push({ text: "", drop: 4, bar: true });
    out.push({ text: `${percent}%`, drop: 1 });
    out.push({
      text: `${formatSizeShort(f.bytesDone)} / ${formatSizeShort(f.totalBytes!)}`,
      drop: 0,
    });
  } else {
    // A stream of unknown length: what was sent and how fast, never a made-up percentage or total.
    out.push({ text: `${formatSizeShort(f.bytesDone)} sent`, drop: 0 });
  }
  if (f.bytesPerSecond !== null) out.push({ text: formatRate(f.bytesPerSecond).padStart(10), drop: 2 });
  if (known) {
    const eta = etaSeconds(f);
    out.push({ text: `ETA ${eta === null ? "?" : formatClock(eta)}`, drop: 3 });
  } else {
    out.push({ text: `${formatClock(f.elapsedMs / 1000)} elapsed`, drop: 3 });
  }
  if (f.partCount !== 1) {
    out.push({ text: `parts ${f.partsDone}${f.partCount === null ? "" : `/${f.partCount}`}`, drop: 5 });
    out.push({ text: `${f.concurrency} in flight`, drop: 6, continues: true });
  }
  return out;
}

function widthOf(kept: readonly Field[]): number {
  return (
    kept.reduce((sum, field) => sum + (field.bar ? BAR_MIN : field.text.length), 0) +
    GAP.length * Math.max(0, kept.length - 1)
  );
}

/**
 * Columns the line leaves free at the right edge. A line that fills the last column makes some terminals
 * wrap; and Ctrl-C echoes "^C" after the bar: if that wraps to the next row, erasing the bar's row on the
 * interrupt leaves the bar behind. Three columns keep both on the bar's row.
 */
export const RIGHT_MARGIN = 3;

/** The bar line for a terminal `columns` wide, at most `columns - RIGHT_MARGIN` long. */
export function progressLine(f: ProgressFigures, columns: number): string {
  const width = Math.max(1, columns - RIGHT_MARGIN);
  let kept = fields(f);
  while (kept.length > 0 && widthOf(kept) > width) {
    const worst = kept.reduce((a, b) => (b.drop > a.drop ? b : a));
    kept = kept.filter((field) => field !== worst);
  }
  const barWidth = Math.min(BAR_MAX, BAR_MIN + width - widthOf(kept));
  return kept
    .map((field, i) => {
      const text = field.bar ? bar(f, barWidth) : field.text;
      if (i === 0) return text;
      return (field.continues && kept[i - 1]!.drop === field.drop - 1 ? ", " : GAP) + text;
    })
    .join("");
}

function bar(f: ProgressFigures, width: number): string {
  const fraction = f.totalBytes ? Math.min(1, f.bytesDone / f.totalBytes) : f.totalBytes === 0 ? 1 : 0;
  const full = Math.floor(fraction * width);
  return "█".repeat(full) + "░".repeat(width - full);
}
