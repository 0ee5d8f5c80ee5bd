/** The one table of lint rules. Order here is documentation order; findings are sorted anyway. */
import { ingestSensitive, ingestSourceName, ingestSourcesWithoutPublic } from "./ingest-rules.js";
import { keyMayBeUnset, keyMissingField, keyNotScalar, keyPiiRule } from "./key-rules.js";
import { eventTimeField } from "./event-time-rules.js";
import { ownerMissing } from "./ownership-rules.js";
import { piiType } from "./pii-rules.js";
import type { LintRule } from "./rule.js";
import { sloRange, sloWithoutSink } from "./slo-rules.js";
import { sinkClusterColumn, sinkOnNonEvent, sinkTableDuplicate, sinkTableName, upsertWithoutKey } from "./sink-rules.js";
import { topicDuplicate, topicMissing, topicName } from "./topic-rules.js";
import { columnCollision, columnTypeMismatch, reservedColumn } from "./warehouse-rules.js";

export const LINT_RULES: readonly LintRule[] = [
  topicMissing,
  topicDuplicate,
  topicName,
  keyMissingField,
  keyNotScalar,
  keyMayBeUnset,
  keyPiiRule,
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
  ingestSensitive,
  ingestSourceName,
  ingestSourcesWithoutPublic,
  sinkClusterColumn,
  sloRange,
  sloWithoutSink,
];
