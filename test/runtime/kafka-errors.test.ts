/** kafkajs errors → the runtime taxonomy: a broker that cannot be reached stays retriable (issue 10.5). */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { isConnectionClass, protocolCode, translateKafkaError } from "../../runtime/kafka/adapter.js";

describe("translateKafkaError", () => {
  it("keeps a connection failure retriable even after kafkajs gave up on it (KafkaJSNumberOfRetriesExceeded)", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const conn = new kafkajs.KafkaJSConnectionError(refused as never, { broker: "127.0.0.1:1", code: "ECONNREFUSED" } as never);
    const gaveUp = new kafkajs.KafkaJSNumberOfRetriesExceeded(conn, { retryCount: 5, retryTime: 1000 });
    expect(gaveUp.retriable).toBe(false);
    const e = translateKafkaError(gaveUp);
    expect(e.retriable).toBe(true);
    expect(e.context.connection).toBe(true);
    expect(isConnectionClass(new kafkajs.KafkaJSRequestTimeoutError("timed out"))).toBe(true);
  });

  it("leaves a non-retriable protocol error non-retriable and exposes its type", () => {
    const tooLarge = new kafkajs.KafkaJSProtocolError({ type: "MESSAGE_TOO_LARGE", code: 10, retriable: false, message: "The request included a message larger than the max message size the server will accept" } as never);
    const e = translateKafkaError(tooLarge);
    expect(e.retriable).toBe(false);
    expect(e.context.code).toBe("MESSAGE_TOO_LARGE");
    expect(protocolCode(e)).toBe("MESSAGE_TOO_LARGE");
  });
});
