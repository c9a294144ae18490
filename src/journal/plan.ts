import type { TransferPlan } from "../planner/index.js";
import type { JournalPlan } from "./format.js";

/** The part plan a journal recorded, as the planner would have made it. */
export function planFromJournal(plan: JournalPlan): TransferPlan {
  const lastPartSize = plan.offsets
    ? plan.offsets[plan.partCount]! - plan.offsets[plan.partCount - 1]!
    : plan.objectSize - (plan.partCount - 1) * plan.partSize;
  return {
    kind: "multipart",
    objectSize: plan.objectSize,
    partSize: plan.partSize,
    partCount: plan.partCount,
    lastPartSize,
    maxObjectSize: plan.objectSize,
    layout: plan.layout,
    adjustments: [],
    ...(plan.offsets ? { offsets: plan.offsets } : {}),
  };
}
