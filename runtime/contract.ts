/**
 * What a generated contract module hands to the runtime: the event's schema plus the contract
 * facts the producer, the processor runner and the sinks need. Generated code calls
 * `defineEvent(...)`; nothing here depends on the compiler.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

export type CompatibilityMode =
  | "BACKWARD" | "FORWARD" | "FULL" | "NONE"
  | "BACKWARD_TRANSITIVE" | "FORWARD_TRANSITIVE" | "FULL_TRANSITIVE";
export type SinkMode = "APPEND" | "UPSERT";

export interface EventContract<S extends DescMessage = DescMessage> {
  /** Fully qualified message name; the CloudEvents `ce_type`. */
  readonly type: string;
  readonly topic: string;
  /** protobuf-es message schema (the `…Schema` export of the generated `_pb` module). */
  readonly schema: S;
  /** Key field path as proto field names; absent → null Kafka key. */
  readonly keyPath?: readonly string[];
  /** Generated key extractor (fast path for `keyPath`); returns null/undefined for an unset key. */
  readonly keyOf?: (event: MessageShape<S>) => string | number | bigint | boolean | null | undefined;
  /** Paths (proto field names) that must be set before the producer sends. */
  readonly requiredPaths: readonly (readonly string[])[];
  /** Descriptor fingerprint; the `evt_schema` header. */
  readonly fingerprint: string;
  readonly owner: string;
  readonly compatibility: CompatibilityMode;
  /** Warehouse tables (`SCHEMA.TABLE`) fed by this event, with their mode. */
  readonly sinks: readonly { readonly table: string; readonly mode: SinkMode }[];
  /** Topic settings used only by explicit topic creation (`evt topics create`). */
  readonly partitions: number;
  readonly retentionHours: number;
}

/** The decoded message type of a contract. */
export type EventOf<C> = C extends EventContract<infer S> ? MessageShape<S> : never;

/** Identity helper that keeps the schema's type parameter in generated code. */
export function defineEvent<S extends DescMessage>(contract: EventContract<S>): EventContract<S> {
  return Object.freeze(contract);
}

/** Metadata delivered with every consumed event (from the CloudEvents headers and Kafka). */
export interface EventMetadata {
  /** `ce_id`: UUIDv7 set by the producer; the dedupe key downstream. */
  readonly id: string;
  /** `ce_time`. */
  readonly time: Date;
  /** `ce_source`: producer name. */
  readonly source: string;
  /** `ce_type`. */
  readonly type: string;
  /** `evt_schema`: fingerprint of the writer's descriptor. */
  readonly schemaFingerprint: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (int64). */
  readonly offset: string;
  /** Kafka key as UTF-8, or null. */
  readonly key: string | null;
}
