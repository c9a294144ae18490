export * from "./limits.js";
export * from "./size.js";
export * from "./plan.js";
export * from "./layout.js";
