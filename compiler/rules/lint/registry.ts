/** The one table of lint rules. Order here is documentation order; findings are sorted anyway. */
import { eventTimeField } from "./event-time-rules.js";
import { keyMissingField, keyNotScalar } from "./key-rules.js";
import { ownerMissing } from "./ownership-rules.js";
import { piiType } from "./pii-rules.js";
import type { LintRule } from "./rule.js";
import { sinkOnNonEvent, sinkTableDuplicate, sinkTableName, upsertWithoutKey } from "./sink-rules.js";
import { topicDuplicate, topicMissing, topicName } from "./topic-rules.js";
import { columnCollision, columnTypeMismatch, reservedColumn } from "./warehouse-rules.js";

export const LINT_RULES: readonly LintRule[] = [
  topicMissing,
  topicDuplicate,
  topicName,
  keyMissingField,
  keyNotScalar,
  eventTimeField,
  ownerMissing,
  piiType,
  columnTypeMismatch,
  columnCollision,
  reservedColumn,
  sinkTableName,
  sinkTableDuplicate,
  sinkOnNonEvent,
  upsertWithoutKey,
];
