import { parseSize, SIZE_RULE } from "../planner/size.js";

/** A yargs option that takes sizes like 8MiB, 64M, 1.5GiB or plain bytes; its help states the unit rule. */
export function sizeOption(flag: string, describe: string) {
  return {
    type: "string" as const,
    describe: `${describe} (${SIZE_RULE})`,
    coerce: (value: string | number) => parseSize(String(value), flag),
  } as unknown as { type: "number"; describe: string };
}
