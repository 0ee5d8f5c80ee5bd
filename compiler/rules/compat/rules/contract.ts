/** Contract rules: what consumers, partitioning and governance rely on beyond the payload bytes. */
import type { PiiClass } from "../../../model/catalog.js";
import { deletionPosition, fieldDescription } from "../describe.js";
import { defineRule, type Violation } from "../types.js";

export const EVENT_NO_DELETE = defineRule({
  id: "EVENT_NO_DELETE",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that an event contract is not deleted (its message removed or its (evt.v1.event) option dropped).",
  subject: "event",
  check(p, ctx): Violation[] {
    if (!p.before || p.after) return [];
    const survivor = ctx.after.messages[p.name];
    return [{
      message: survivor
        ? `Event "${p.name}" (topic "${p.before.topic}") was deleted: message "${survivor.name}" no longer has the (evt.v1.event) option`
        : `Event "${p.name}" (topic "${p.before.topic}") was deleted`,
      at: survivor ? survivor.position : deletionPosition(ctx.after, p.name, p.before.file, p.before.message.position),
      element: p.name,
    }];
  },
});

export const EVENT_SAME_TOPIC = defineRule({
  id: "EVENT_SAME_TOPIC",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that an event keeps its Kafka topic (consumers subscribe by topic).",
  subject: "event",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.topic === p.after.topic) return [];
    return [{ message: `Event "${p.name}" changed topic from "${p.before.topic}" to "${p.after.topic}"`, at: p.after.optionPosition, element: p.name }];
  },
});

const keyText = (k: readonly string[] | undefined): string => (k && k.length > 0 ? k.join(".") : "(null key)");

export const EVENT_SAME_KEY = defineRule({
  id: "EVENT_SAME_KEY",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that an event keeps its key field (partitioning and per-key ordering depend on it).",
  subject: "event",
  check(p): Violation[] {
    if (!p.before || !p.after) return [];
    const b = keyText(p.before.key);
    const a = keyText(p.after.key);
    if (a === b) return [];
    return [{ message: `Event "${p.name}" changed key from "${b}" to "${a}"`, at: p.after.optionPosition, element: p.name }];
  },
});

export const EVENT_OWNER_NO_DELETE = defineRule({
  id: "EVENT_OWNER_NO_DELETE",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that an event that had an owner keeps one.",
  subject: "event",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.owner === "" || p.after.owner !== "") return [];
    return [{ message: `Event "${p.name}" had its owner "${p.before.owner}" removed`, at: p.after.optionPosition, element: p.name }];
  },
});

export const EVENT_SAME_PARTITIONS = defineRule({
  id: "EVENT_SAME_PARTITIONS",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that an event keeps its topic's partition count (a key's partition, and so its ordering, depends on it).",
  subject: "event",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.partitions === p.after.partitions) return [];
    return [{
      message: `Event "${p.name}" changed partitions from ${p.before.partitions} to ${p.after.partitions}: ` +
        `keys move to other partitions, so per-key ordering breaks for events in flight; the existing topic "${p.after.topic}" keeps ${p.before.partitions} until it is migrated`,
      at: p.after.optionPosition,
      element: p.name,
    }];
  },
});

const PII_RANK: Record<PiiClass, number> = { none: 0, personal: 1, sensitive: 2 };

export const FIELD_PII_NO_LOWER = defineRule({
  id: "FIELD_PII_NO_LOWER",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that a field's PII classification is not lowered (downstream masking and retention follow it).",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after || PII_RANK[p.after.pii] >= PII_RANK[p.before.pii]) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} lowered its PII classification from "${p.before.pii}" to "${p.after.pii}"`,
      at: p.after.position,
      element: `${p.message.name}.${p.after.name}`,
    }];
  },
});

export const FIELD_REQUIRED_NO_ADD = defineRule({
  id: "FIELD_REQUIRED_NO_ADD",
  layer: "contract",
  category: "CONTRACT",
  doc: "Checks that `required` is not added to an existing field (producers that leave it unset start failing).",
  subject: "field",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.required || !p.after.required) return [];
    return [{
      message: `${fieldDescription(p.after, p.message.name)} became required`,
      at: p.after.position,
      element: `${p.message.name}.${p.after.name}`,
    }];
  },
});

export const CONTRACT_RULES = [
  EVENT_NO_DELETE,
  EVENT_OWNER_NO_DELETE,
  EVENT_SAME_KEY,
  EVENT_SAME_PARTITIONS,
  EVENT_SAME_TOPIC,
  FIELD_PII_NO_LOWER,
  FIELD_REQUIRED_NO_ADD,
] as const;
