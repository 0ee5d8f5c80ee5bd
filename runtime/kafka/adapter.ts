/**
 * The Kafka client adapter: picks a driver and hands out its ports. The producer, the processor
 * runner, the sinks and topic creation talk only to the ports (./ports.ts); a driver
 * (./drivers/kafkajs.ts, ./drivers/platformatic.ts) implements them on one client library.
 *
 * Which driver: `config.driver` (the API option, e.g. `createProducer({ kafka: { driver } })`),
 * else the `EVT_KAFKA_DRIVER` environment variable (what the test setup uses to run the same
 * integration suite on each driver), else `DEFAULT_KAFKA_DRIVER`. The CLI passes evt.yaml's
 * `kafka.driver` with the environment variable taking precedence over the file.
 *
 * Both client libraries are optional peers of @evt/runtime: the chosen one is imported when a port
 * is first used (`connect`), so a service installs only the one it runs on, and a missing one is
 * a MissingPeerError naming the install command.
 */
import { RuntimeConfigError } from "../errors.js";
import { loadOptionalPeer } from "../optional-peer.js";
import { createKafkajsDriver } from "./drivers/kafkajs.js";
import { createPlatformaticDriver } from "./drivers/platformatic.js";
import {
  KAFKA_DRIVERS, type AdminPort, type ConsumerPort, type KafkaClient, type KafkaClientConfig, type KafkaDriverName, type ProducerPort,
} from "./ports.js";

export * from "./ports.js";
export { isConnectionClass, protocolCode, translateKafkaError, unreachable } from "./drivers/classify.js";

/** The driver used when neither the options nor `EVT_KAFKA_DRIVER` name one (docs/decisions.md D81, D102). */
export const DEFAULT_KAFKA_DRIVER: KafkaDriverName = "platformatic";

/** The driver named by `value` (an option, the environment, evt.yaml); a clear error for anything else. */
export function parseKafkaDriver(value: string, where: string): KafkaDriverName {
  if ((KAFKA_DRIVERS as readonly string[]).includes(value)) return value as KafkaDriverName;
  throw new RuntimeConfigError(`${where} must be one of ${KAFKA_DRIVERS.join(", ")}, got "${value}"`, { context: { driver: value } });
}

/** The driver to use: the explicit choice, else `EVT_KAFKA_DRIVER`, else the default. */
export function resolveKafkaDriver(explicit?: string, env: NodeJS.ProcessEnv = process.env): KafkaDriverName {
  if (explicit !== undefined) return parseKafkaDriver(explicit, "kafka.driver");
  const fromEnv = env.EVT_KAFKA_DRIVER?.trim();
  if (fromEnv) return parseKafkaDriver(fromEnv, "EVT_KAFKA_DRIVER");
  return DEFAULT_KAFKA_DRIVER;
}

type DriverFactory = (config: KafkaClientConfig) => KafkaClient;

const DRIVER_FOR: Record<KafkaDriverName, string> = {
  kafkajs: "the kafkajs Kafka driver",
  platformatic: "the platformatic Kafka driver",
};

const loaded = new Map<KafkaDriverName, Promise<DriverFactory>>();

/** Imports a driver module (and with it its client library) once per process. */
function loadDriver(name: KafkaDriverName): Promise<DriverFactory> {
  let p = loaded.get(name);
  if (!p) {
    p = name === "kafkajs"
      // kafkajs is CommonJS: its API is the default export
      ? loadOptionalPeer("kafkajs", DRIVER_FOR.kafkajs, () => import("kafkajs")).then((m) => (c: KafkaClientConfig) => createKafkajsDriver(m.default, c))
      : loadOptionalPeer("@platformatic/kafka", DRIVER_FOR.platformatic, () => import("@platformatic/kafka")).then((m) => (c: KafkaClientConfig) => createPlatformaticDriver(m, c));
    // a failed load is not cached: installing the package and retrying works without a restart
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

/**
 * A Kafka client on the chosen driver. Synchronous: the driver is loaded when a port first
 * connects (or is otherwise used), so creating a client never fails on a missing package.
 */
export function createKafkaClient(config: KafkaClientConfig): KafkaClient & { readonly driver: KafkaDriverName } {
  const driver = resolveKafkaDriver(config.driver);
  let client: Promise<KafkaClient> | undefined;
  const real = (): Promise<KafkaClient> => (client ??= loadDriver(driver).then((create) => create(config)));
  return {
    driver,
    producer: (options) => lazyProducer(() => real().then((c) => c.producer(options))),
    consumer: (options) => lazyConsumer(() => real().then((c) => c.consumer(options))),
    admin: () => lazyAdmin(() => real().then((c) => c.admin())),
  };
}

/** The kafkajs driver, whatever `EVT_KAFKA_DRIVER` says (kept for callers that name kafkajs on purpose). */
export function createKafkajsClient(config: KafkaClientConfig): KafkaClient {
  return createKafkaClient({ ...config, driver: "kafkajs" });
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

function lazyProducer(make: () => Promise<ProducerPort>): ProducerPort {
  const port = once(make);
  let ready: ProducerPort | undefined;
  return {
    async connect() {
      ready = await port();
      await ready.connect();
    },
    // the hot path calls the real port directly once it is there
    send: (batch, options) => (ready ? ready.send(batch, options) : port().then((p) => p.send(batch, options))),
    async disconnect() {
      if (ready) await ready.disconnect();
    },
  };
}

function lazyConsumer(make: () => Promise<ConsumerPort>): ConsumerPort {
  const port = once(make);
  let ready: ConsumerPort | undefined;
  // listeners registered before the driver is loaded are attached when it is
  const pending: ((p: ConsumerPort) => void)[] = [];
  const whenReady = (f: (p: ConsumerPort) => void): void => {
    if (ready) f(ready);
    else pending.push(f);
  };
  const get = async (): Promise<ConsumerPort> => {
    if (!ready) {
      const p = await port();
      if (!ready) {
        ready = p;
        for (const f of pending.splice(0)) f(p);
      }
    }
    return ready;
  };
  return {
    connect: async () => (await get()).connect(),
    subscribe: async (topics, fromBeginning) => (await get()).subscribe(topics, fromBeginning),
    run: async (options) => (await get()).run(options),
    onAssignment: (listener) => whenReady((p) => p.onAssignment(listener)),
    onFatal: (listener) => whenReady((p) => p.onFatal(listener)),
    seek(topic, partition, offset) {
      if (!ready?.seek) throw new RuntimeConfigError("kafka: seek before the consumer runs, or the driver cannot seek");
      ready.seek(topic, partition, offset);
    },
    async commitOffsets(offsets) {
      const p = await get();
      if (!p.commitOffsets) throw new RuntimeConfigError("kafka: the driver cannot commit offsets explicitly");
      await p.commitOffsets(offsets);
    },
    async disconnect() {
      if (ready) await ready.disconnect();
    },
  };
}

function lazyAdmin(make: () => Promise<AdminPort>): AdminPort {
  const port = once(make);
  const call = <K extends keyof AdminPort>(k: K) =>
    (async (...args: unknown[]) => {
      const p = await port();
      const f = p[k] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (!f) throw new RuntimeConfigError(`kafka: the driver has no admin ${String(k)}`);
      return f.apply(p, args);
    }) as NonNullable<AdminPort[K]>;
  let used = false;
  return {
    connect: async () => {
      used = true;
      await (await port()).connect();
    },
    createTopics: call("createTopics"),
    listTopics: call("listTopics"),
    partitionCount: call("partitionCount"),
    deleteTopics: call("deleteTopics"),
    committedOffsets: call("committedOffsets"),
    describeTopic: call("describeTopic"),
    endOffsets: call("endOffsets"),
    offsetsAt: call("offsetsAt"),
    async disconnect() {
      if (used) await (await port()).disconnect();
    },
  };
}
