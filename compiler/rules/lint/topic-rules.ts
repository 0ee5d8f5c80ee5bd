/** Topic rules: every event has a topic, topics are unique and follow `domain.name[.vN]`. */
import type { LintRule } from "./rule.js";

/** Lower-case `domain.name` with an optional `.vN` version suffix. */
export const TOPIC_PATTERN = /^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*(\.v[0-9]+)?$/;
/** Kafka's topic length limit. */
const MAX_TOPIC_LENGTH = 249;

export const topicMissing: LintRule = {
  id: "EVT_TOPIC_MISSING",
  category: "TOPIC",
  severity: "error",
  doc: "Checks that every (evt.v1.event) sets a topic.",
  check: (catalog) =>
    catalog.events
      .filter((e) => e.topic.trim() === "")
      .map((e) => ({ position: e.optionPosition, element: e.fullName, message: `event ${e.fullName} has no topic` })),
};

export const topicDuplicate: LintRule = {
  id: "EVT_TOPIC_DUPLICATE",
  category: "TOPIC",
  severity: "error",
  doc: "Checks that no two events publish to the same topic.",
  check: (catalog) => {
    const first = new Map<string, string>();
    const hits = [];
    for (const e of catalog.events) {
      if (e.topic === "") continue;
      const owner = first.get(e.topic);
      if (owner === undefined) first.set(e.topic, e.fullName);
      else hits.push({ position: e.optionPosition, element: e.fullName, message: `topic "${e.topic}" of ${e.fullName} is already used by ${owner}` });
    }
    return hits;
  },
};

export const topicName: LintRule = {
  id: "EVT_TOPIC_NAME",
  category: "TOPIC",
  severity: "error",
  doc: "Checks that topics are lower-case domain.name[.vN], at most 249 characters and not ending in .dlq.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      if (e.topic === "") return [];
      const at = { position: e.optionPosition, element: e.fullName };
      if (!TOPIC_PATTERN.test(e.topic)) {
        return [{ ...at, message: `topic "${e.topic}" of ${e.fullName} is not lower-case domain.name[.vN]` }];
      }
      if (e.topic.length > MAX_TOPIC_LENGTH) return [{ ...at, message: `topic "${e.topic}" is longer than ${MAX_TOPIC_LENGTH} characters` }];
      if (e.topic.endsWith(".dlq")) return [{ ...at, message: `topic "${e.topic}" ends in .dlq, which is reserved for dead-letter topics` }];
      return [];
    }),
};
