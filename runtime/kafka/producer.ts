/**
 * The evt producer: validates an event against its contract, then sends it with the contract's
 * key and the CloudEvents binary-mode headers (see DESIGN.md "On the wire").
 * INTERFACE PINNED: generated code calls `bindProducer`; the body is implemented in issue 5.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";

export interface SendResult {
  /** `ce_id` of the sent event. */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface EvtProducer {
  connect(): Promise<void>;
  /** Validates every event first; if any is invalid nothing is sent. */
  send<S extends DescMessage>(
    contract: EventContract<S>,
    events: MessageShape<S> | readonly MessageShape<S>[],
  ): Promise<SendResult[]>;
  disconnect(): Promise<void>;
}

/** A producer bound to one contract: `send` accepts only that contract's message type. */
export interface TypedProducer<S extends DescMessage> {
  readonly contract: EventContract<S>;
  send(events: MessageShape<S> | readonly MessageShape<S>[]): Promise<SendResult[]>;
}

export function bindProducer<S extends DescMessage>(
  producer: EvtProducer,
  contract: EventContract<S>,
): TypedProducer<S> {
  return { contract, send: (events) => producer.send(contract, events) };
}
