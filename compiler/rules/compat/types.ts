/**
 * Shapes shared by the compatibility checker: the element pairs a rule compares, what a rule
 * returns (a violation, before mode filtering), and the rule record itself. A rule is data —
 * `{ id, layer, category, doc, subject, check }` — registered once in `registry.ts`; pairing of
 * before/after elements happens once in `pairing.ts`, so a rule only compares two elements.
 */
import type {
  Catalog,
  EnumModel,
  EventModel,
  FieldModel,
  FileModel,
  MessageModel,
  ServiceModel,
  SinkModel,
  SourcePosition,
} from "../../model/catalog.js";
import type { Severity } from "../../report/index.js";

/** backward: new readers read data written with the previous version; forward: old readers read new data. */
export type Direction = "backward" | "forward";
export const DIRECTIONS: readonly Direction[] = ["backward", "forward"];

export type CompatLayer = "wire" | "contract" | "warehouse";

/** The two trees being compared. */
export interface Versions {
  readonly before: Catalog;
  readonly after: Catalog;
}

export interface FilePair {
  readonly name: string;
  readonly before?: FileModel;
  readonly after?: FileModel;
}

export interface MessagePair {
  readonly name: string;
  readonly before?: MessageModel;
  readonly after?: MessageModel;
}

/**
 * Fields of a message present on both sides, paired by number; or extensions present on both
 * sides, paired by extendee (`message`) and number (`extension` set).
 */
export interface FieldPair {
  readonly message: { readonly name: string; readonly before: MessageModel; readonly after: MessageModel };
  readonly number: number;
  readonly before?: FieldModel;
  readonly after?: FieldModel;
  readonly extension?: true;
}

export interface EnumPair {
  readonly name: string;
  readonly before?: EnumModel;
  readonly after?: EnumModel;
}

export type EnumValue = EnumModel["values"][number];

/** Values of an enum present on both sides, paired by number (aliases: several names per number). */
export interface EnumValuePair {
  readonly enum: { readonly name: string; readonly before: EnumModel; readonly after: EnumModel };
  readonly number: number;
  readonly before: readonly EnumValue[];
  readonly after: readonly EnumValue[];
}

export interface EventPair {
  readonly name: string;
  readonly before?: EventModel;
  readonly after?: EventModel;
}

/** Sinks of an event present on both sides, paired by table. */
export interface SinkPair {
  readonly event: { readonly name: string; readonly before: EventModel; readonly after: EventModel };
  readonly table: string;
  readonly before?: SinkModel;
  readonly after?: SinkModel;
}

export interface ServicePair {
  readonly name: string;
  readonly before?: ServiceModel;
  readonly after?: ServiceModel;
}

export type Method = ServiceModel["methods"][number];

/** Methods of a service present on both sides, paired by name. */
export interface MethodPair {
  readonly service: { readonly name: string; readonly before: ServiceModel; readonly after: ServiceModel };
  readonly name: string;
  readonly before?: Method;
  readonly after?: Method;
}

export interface PairBySubject {
  file: FilePair;
  message: MessagePair;
  field: FieldPair;
  enum: EnumPair;
  enumValue: EnumValuePair;
  event: EventPair;
  sink: SinkPair;
  service: ServicePair;
  method: MethodPair;
}
export type Subject = keyof PairBySubject;

/**
 * What a rule reports, before the engine applies the element's compatibility mode.
 * `message` is the past-tense sentence without a final period; when `directions` is given the
 * change only breaks readers in those directions, and the engine appends the detail of each
 * direction the mode checks (and drops the violation when the mode checks none of them).
 * Without `directions`, the change is reported in every mode but NONE.
 */
export interface Violation {
  readonly message: string;
  readonly at: SourcePosition;
  readonly element: string;
  readonly directions?: Partial<Readonly<Record<Direction, string>>>;
  /** Overrides the rule's severity (e.g. an advisory warning). */
  readonly severity?: Severity;
}

/** Read-only context a rule may consult: both catalogs and the migrations already written. */
export interface RuleContext extends Versions {
  /** Statements of the committed migrations, normalised (warehouse rules pass when theirs exists). */
  readonly migrations: ReadonlySet<string>;
  /** `warehouse.schemaPrefix` of evt.yaml (sink table names in migrations carry it). */
  readonly schemaPrefix: string;
}

export interface CompatRule<S extends Subject = Subject> {
  /** SCREAMING_SNAKE, stable: used in output and in evt-approvals.yaml. */
  readonly id: string;
  readonly layer: CompatLayer;
  /** buf's category for wire rules (WIRE, WIRE_JSON); CONTRACT or WAREHOUSE otherwise. */
  readonly category: string;
  /** One sentence: "Checks that …". */
  readonly doc: string;
  readonly subject: S;
  readonly severity?: Severity;
  check(pair: PairBySubject[S], ctx: RuleContext): readonly Violation[];
}

export type AnyCompatRule = { [S in Subject]: CompatRule<S> }[Subject];

/** Identity helper that keeps the pair type of `check` inferred from `subject`. */
export function defineRule<S extends Subject>(rule: CompatRule<S>): CompatRule<S> {
  return rule;
}
