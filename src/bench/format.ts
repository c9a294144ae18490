/**
 * Units and tables for benchmark output. Throughput is given both in MiB/s (what file sizes are measured
 * in) and in Gbit/s (decimal, what links are sold in: 1 Gbit/s = 10^9 bit/s ≈ 119.2 MiB/s).
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface Throughput {
  mibPerSecond: number;
  gbitPerSecond: number;
}

export function throughput(bytes: number, seconds: number): Throughput {
  if (!(seconds > 0)) return { mibPerSecond: Number.NaN, gbitPerSecond: Number.NaN };
  return { mibPerSecond: bytes / MiB / seconds, gbitPerSecond: (bytes * 8) / 1e9 / seconds };
}

/** A number with `digits` decimals, or "–" when there is no figure (NaN, undefined, null). */
export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toFixed(digits);
}

/**
 * Fewer decimals as numbers grow, so columns stay narrow and still show what matters:
 * 0.0123 → "0.012", 1.234 → "1.23", 12.34 → "12.3", 1234.5 → "1235".
 */
export function compact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return "0";
  return value.toPrecision(2);
}

/** Sizes as people write them on the command line: 8MiB, 1GiB, 4KiB, 1000B. */
export function sizeLabel(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 4, "TiB"],
    [1024 ** 3, "GiB"],
    [1024 ** 2, "MiB"],
    [1024, "KiB"],
  ];
  for (const [unit, name] of units) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${name}`;
  }
  for (const [unit, name] of units) {
    if (bytes >= unit) return `${Number((bytes / unit).toFixed(2))}${name}`;
  }
  return `${bytes}B`;
}

export interface Column {
  header: string;
  align?: "left" | "right";
}

/**
 * A table, padded so it also reads well as plain text. "markdown" gives a GitHub table with alignment
 * markers; "plain" the same without pipes, for terminals. Cells are given as text.
 */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  style: "markdown" | "plain" = "markdown",
): string {
  const widths = columns.map((column, i) =>
    Math.max(
      style === "markdown" ? 3 : 1,
      displayWidth(column.header),
      ...rows.map((row) => displayWidth(row[i] ?? "")),
    ),
  );
  const pad = (text: string, i: number) => {
    const gap = " ".repeat(widths[i]! - displayWidth(text));
    return columns[i]!.align === "right" ? gap + text : text + gap;
  };
  const line = (cells: readonly string[]) => {
    const padded = columns.map((_, i) => pad(cells[i] ?? "", i));
    return style === "markdown" ? `| ${padded.join(" | ")} |` : padded.join("  ").trimEnd();
  };
  const out = [line(columns.map((column) => column.header))];
  if (style === "markdown") {
    out.push(
      `|${columns
        .map((column, i) =>
          column.align === "right" ? `${"-".repeat(widths[i]! + 1)}:` : `:${"-".repeat(widths[i]! + 1)}`,
        )
        .join("|")}|`,
    );
  } else {
    out.push(widths.map((width) => "-".repeat(width)).join("  "));
  }
  for (const row of rows) out.push(line(row));
  return `${out.join("\n")}\n`;
}

/** Characters as a terminal shows them: astral symbols count once (no East-Asian wide text here). */
function displayWidth(text: string): number {
  return [...text].length;
}
