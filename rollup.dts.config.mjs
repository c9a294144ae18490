// Bundles the declarations tsc emits (dist/types-internal, one file per module) into dist/index.d.ts: the
// package's types are its public exports only, not the internal modules behind them (fileJobs, contexts…).
import { dts } from "rollup-plugin-dts";

export default {
  input: "dist/types-internal/index.d.ts",
  output: { file: "dist/index.d.ts", format: "es" },
  external: [/^node:/, /^@aws-sdk\//, /^@smithy\//],
  plugins: [dts()],
};
