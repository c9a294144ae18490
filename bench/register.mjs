// Lets `node --import ./bench/register.mjs bench/.../run.ts` run TypeScript benches without a build step.
// tsx 4 refuses the plain node:module register("tsx/esm") form, so use its own registration API.
import { register } from "tsx/esm/api";

register();
