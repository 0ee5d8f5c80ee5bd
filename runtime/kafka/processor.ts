/**
 * Processor definitions: a typed handler bound to one contract. The runner (`startRunner`)
 * consumes the contract's topic, decodes by `ce_type`, validates and calls the handler.
 * Generated processor factories call `defineProcessor`: its signature is public API.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { EventContract, EventMetadata } from "../contract.js";

export type EventHandler<S extends DescMessage> = (
  event: MessageShape<S>,
  meta: EventMetadata,
) => Promise<void> | void;

export interface ProcessorOptions {
  /** Name used in logs and metrics; defaults to the contract type. */
  readonly name?: string;
  /** Attempts after the first failure before the event goes to `<topic>.dlq` (default 3). */
  readonly maxRetries?: number;
  /** First backoff in ms, doubled per retry with jitter (default 200). */
  readonly initialBackoffMs?: number;
}

export interface ProcessorDefinition<S extends DescMessage = DescMessage> {
  readonly contract: EventContract<S>;
  readonly handler: EventHandler<S>;
  readonly options: ProcessorOptions;
}

export function defineProcessor<S extends DescMessage>(
  contract: EventContract<S>,
  handler: EventHandler<S>,
  options: ProcessorOptions = {},
): ProcessorDefinition<S> {
  return { contract, handler, options };
}
