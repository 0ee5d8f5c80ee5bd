/**
 * Dead-letter reasons as a bounded label: the free-text reason (which names columns and values)
 * stays in the DLQ headers and logs; the metric gets one of a few classes.
 */
export const DLQ_REASONS = ["wrong_type", "missing_id", "tombstone", "undecodable", "not_null", "invalid_value", "warehouse_rejected", "handler_failed"] as const;
export type DlqReason = (typeof DLQ_REASONS)[number];

const PATTERNS: readonly [RegExp, DlqReason][] = [
  [/^ce_type .* is not the sink's event type/, "wrong_type"],
  [/no ce_id header/, "missing_id"],
  [/no value \(tombstone\)/, "tombstone"],
  [/^value is not a valid /, "undecodable"],
  [/is NOT NULL/, "not_null"],
];

/** Class of a sink's reject reason; rejects found by splitting a batch the warehouse refused fall in `warehouse_rejected`, column checks in `invalid_value`. */
export function sinkReasonClass(reason: string): DlqReason {
  for (const [re, cls] of PATTERNS) if (re.test(reason)) return cls;
  // row-mapping's column checks start with the column name ("COL: …", "COL is longer than …")
  return /^[A-Z0-9_]+[: ]/.test(reason) ? "invalid_value" : "warehouse_rejected";
}
