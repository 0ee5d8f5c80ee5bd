/**
 * Driver selection and the error translation of both drivers (issue 16.2): the API option wins
 * over EVT_KAFKA_DRIVER, which wins over the default; a bad name is one clear error; the chosen
 * client library is imported only when a port is used; platformatic's error shapes map onto the
 * same taxonomy as kafkajs's.
 */
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_KAFKA_DRIVER, createKafkaClient, isConnectionClass, protocolCode, resolveKafkaDriver, translateKafkaError, unreachable,
} from "../../runtime/kafka/adapter.js";
import { isRuntimeConfigError, isTopicError } from "../../runtime/errors.js";
import { kafkaDriverOption } from "../../cli/kafka-driver.js";
import { parseConfig } from "../../compiler/config/index.js";

describe("choosing the Kafka driver", () => {
  it("takes the explicit option, else EVT_KAFKA_DRIVER, else the default", () => {
    expect(resolveKafkaDriver("platformatic", { EVT_KAFKA_DRIVER: "kafkajs" })).toBe("platformatic");
    expect(resolveKafkaDriver(undefined, { EVT_KAFKA_DRIVER: "platformatic" })).toBe("platformatic");
    expect(resolveKafkaDriver(undefined, { EVT_KAFKA_DRIVER: " kafkajs " })).toBe("kafkajs");
    expect(resolveKafkaDriver(undefined, {})).toBe(DEFAULT_KAFKA_DRIVER);
    expect(resolveKafkaDriver(undefined, { EVT_KAFKA_DRIVER: "" })).toBe(DEFAULT_KAFKA_DRIVER);
  });

  it("refuses an unknown driver in one line naming where it came from", () => {
    const fromEnv = (() => { try { resolveKafkaDriver(undefined, { EVT_KAFKA_DRIVER: "rdkafka" }); } catch (e) { return e; } })();
    expect(isRuntimeConfigError(fromEnv)).toBe(true);
    expect((fromEnv as Error).message).toBe('EVT_KAFKA_DRIVER must be one of kafkajs, platformatic, got "rdkafka"');
    expect(() => createKafkaClient({ brokers: ["127.0.0.1:1"], driver: "nope" as never })).toThrow('kafka.driver must be one of kafkajs, platformatic, got "nope"');
  });

  it("the CLI lets EVT_KAFKA_DRIVER override evt.yaml's kafka.driver", () => {
    const config = parseConfig("kafka:\n  driver: platformatic\n", "evt.yaml", "/repo");
    expect(kafkaDriverOption(config, {})).toEqual({ driver: "platformatic" });
    expect(kafkaDriverOption(config, { EVT_KAFKA_DRIVER: "kafkajs" })).toEqual({});
    expect(kafkaDriverOption(parseConfig("out: g\n", "evt.yaml", "/repo"), {})).toEqual({});
  });

  it("creates clients without touching the network or the library; a port names its driver's failure on connect", async () => {
    for (const driver of ["kafkajs", "platformatic"] as const) {
      // no connection retries: the translation is under test, not the libraries' back-off (~8 s on kafkajs)
      const client = createKafkaClient({
        brokers: ["127.0.0.1:1"], driver, connectionTimeoutMs: 200, logLevel: "nothing",
        kafkajs: { retry: { retries: 0 } }, platformatic: { retries: 0 },
      });
      expect(client.driver).toBe(driver);
      const admin = client.admin();
      const e = await admin.connect().then(() => undefined, (x: unknown) => x as Error & { retriable?: boolean });
      expect(e?.name).toBe("KafkaClientError");
      expect(e?.message).toMatch(/^kafka: cannot reach the brokers 127\.0\.0\.1:1/);
      expect(e?.retriable).toBe(true);
      await admin.disconnect();
    }
  }, 30_000);
});

describe("translateKafkaError on @platformatic/kafka errors", () => {
  it("keeps connection-class failures retriable, also inside the aggregate of a retried operation", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const net = new NetworkError("Connection to 127.0.0.1:1 failed.", { cause: refused });
    const gaveUp = new MultipleErrors("metadata failed 3 times.", [net, net, net]);
    const e = translateKafkaError(gaveUp);
    expect(e.name).toBe("KafkaClientError");
    expect(e.retriable).toBe(true);
    expect(e.context.connection).toBe(true);
    expect(e.message).toBe("kafka: metadata failed 3 times.: Connection to 127.0.0.1:1 failed.");
    expect(isConnectionClass(new TimeoutError("Request timed out"))).toBe(true);
    expect(unreachable(gaveUp, ["127.0.0.1:1"]).message).toBe("kafka: cannot reach the brokers 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1");
  });

  it("leaves a non-retriable protocol error non-retriable and exposes its id", () => {
    const tooLarge = new ProtocolError("MESSAGE_TOO_LARGE");
    const e = translateKafkaError(new MultipleErrors("Producing messages failed.", [tooLarge]));
    expect(e.retriable).toBe(false);
    expect(e.context.code).toBe("MESSAGE_TOO_LARGE");
    expect(protocolCode(e)).toBe("MESSAGE_TOO_LARGE");
  });

  it("names an unknown topic as a TopicError", () => {
    const e = translateKafkaError(new ProtocolError("UNKNOWN_TOPIC_OR_PARTITION"), { topic: "t.x" });
    expect(isTopicError(e)).toBe(true);
    expect(e.message).toMatch(/^topic t\.x does not exist/);
  });

  it("a leadership change is retriable (connection class)", () => {
    const e = translateKafkaError(new ProtocolError("NOT_LEADER_OR_FOLLOWER"));
    expect(e.retriable).toBe(true);
  });
});
