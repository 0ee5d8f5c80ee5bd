/** What `evt flink run` and `evt flink plan` share (not a command: oclif loads every file under commands/): the NAME argument, topic overrides, planning. */
import path from "node:path";
import { Args, Flags } from "@oclif/core";
import type { EvtConfig } from "../compiler/config/index.js";
import { ConfigError } from "../compiler/errors.js";
import type { PlannedProcessor } from "../compiler/processors/project.js";

export const processorArg = { name: Args.string({ required: true, description: "Processor name: processors/<NAME>.yaml." }) };

export const plannerFlags = {
  topic: Flags.string({
    multiple: true,
    summary: "Use TOPIC for a contract instead of its own topic (CONTRACT=TOPIC, repeatable): staging, tests.",
    helpValue: "CONTRACT=TOPIC",
  }),
  brokers: Flags.string({ summary: "Kafka bootstrap brokers, comma-separated (default: evt.yaml kafka.brokers).", helpValue: "HOST:PORT,…" }),
};

export function topicOverrides(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const m = /^([A-Za-z_][\w.]*)=([\w.-]+)$/.exec(v);
    if (!m) throw new ConfigError(`--topic ${v}: expected CONTRACT=TOPIC, e.g. clickstream.v1.PageViewed=staging.page_viewed`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function display(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** Plans the processor (lint included; a finding is an input error with its position). */
export async function planNamed(config: EvtConfig, name: string, flags: { topic?: string[]; brokers?: string }): Promise<PlannedProcessor> {
  const [{ loadCatalog }, { planProcessor }] = await Promise.all([
    import("../compiler/model/build-catalog.js"),
    import("../compiler/processors/project.js"),
  ]);
  const root = display(config.protoRoot) || ".";
  const { catalog } = await loadCatalog(root, root);
  return planProcessor(config, catalog, name, {
    topics: topicOverrides(flags.topic),
    ...(flags.brokers ? { bootstrapServers: flags.brokers } : {}),
  }, display);
}
