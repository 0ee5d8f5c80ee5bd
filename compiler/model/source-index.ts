/**
 * Source positions of descriptors (compiler/model's only reader of source info): one walk over
 * each FileDescriptorProto assigns every descriptor its source path key ("4.0.2.1"); the
 * locations (compiler/load/source-info.ts) are indexed by the same keys. Besides element
 * positions it answers where a token inside an element is (a field's name, type, `default` or
 * `json_name` option, an enum value's number…), which compatibility findings point at.
 * (protoplugin's getComments searches all locations per call: quadratic on large catalogs.)
 */
import path from "node:path";
import type { DescEnum, DescEnumValue, DescExtension, DescField, DescFile, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import type { DescriptorProto, EnumDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import type { SourceLocation, SourceLocations } from "../load/source-info.js";
import type { SourcePosition, Tokens } from "./catalog.js";

export function fileName(file: DescFile): string {
  return file.proto.name ?? `${file.name}.proto`;
}

export type Located = DescMessage | DescField | DescExtension | DescEnum | DescEnumValue | DescService | DescMethod;

export class SourceIndex {
  private readonly keys = new WeakMap<object, string>();
  private readonly byFile = new Map<string, { readonly display: string; readonly locations: SourceLocations; proto?: FileDescriptorProto }>();

  constructor(
    /** The files' descriptors (the objects DescFile.proto holds), in the order of `locations`. */
    files: readonly FileDescriptorProto[],
    locations: readonly SourceLocations[],
    private readonly displayRoot: string,
  ) {
    files.forEach((f, i) => {
      const name = f.name ?? "";
      this.byFile.set(name, { display: this.displayOf(name), locations: locations[i] ?? new Map(), proto: f });
    });
  }

  keyOf(desc: Located): string {
    const key = this.keys.get(desc.proto);
    if (key !== undefined) return key;
    // a file's descriptors get their keys when one of them is first asked for (most never are)
    const entry = this.byFile.get(fileName(fileOf(desc)));
    if (!entry?.proto) return "";
    this.walkFile(entry.proto);
    entry.proto = undefined;
    return this.keys.get(desc.proto) ?? "";
  }

  private walkFile(f: FileDescriptorProto): void {
    f.messageType.forEach((m, i) => this.walkMessage(m, `4.${i}`));
    f.enumType.forEach((e, i) => this.walkEnum(e, `5.${i}`));
    f.extension.forEach((x, i) => this.keys.set(x, `7.${i}`));
    f.service.forEach((svc, i) => {
      this.keys.set(svc, `6.${i}`);
      svc.method.forEach((m, j) => this.keys.set(m, `6.${i}.2.${j}`));
    });
  }

  of(desc: Located): SourcePosition {
    const file = fileOf(desc);
    return this.at(file, this.keyOf(desc)) ?? this.fileStart(file);
  }

  commentOf(desc: Located): string {
    return this.location(fileOf(desc), this.keyOf(desc))?.comment ?? "";
  }

  fileStart(file: DescFile): SourcePosition {
    return { file: this.display(file), line: 1, column: 1 };
  }

  /** Where the token at `sub` (a source path below the element, e.g. "1" = its name) is. */
  token(desc: Located, sub: string): SourcePosition | undefined {
    return this.at(fileOf(desc), `${this.keyOf(desc)}.${sub}`);
  }

  at(file: DescFile, key: string): SourcePosition | undefined {
    const loc = this.location(file, key);
    return loc && { file: this.display(file), line: loc.line, column: loc.column };
  }

  private location(file: DescFile, key: string): SourceLocation | undefined {
    return this.byFile.get(fileName(file))?.locations.get(key);
  }

  private display(file: DescFile): string {
    const name = fileName(file);
    return this.byFile.get(name)?.display ?? this.displayOf(name);
  }

  private displayOf(name: string): string {
    return this.displayRoot ? path.join(this.displayRoot, name) : name;
  }

  private walkMessage(m: DescriptorProto, p: string): void {
    this.keys.set(m, p);
    m.extension.forEach((x, i) => this.keys.set(x, `${p}.6.${i}`));
    m.field.forEach((f, i) => this.keys.set(f, `${p}.2.${i}`));
    m.nestedType.forEach((n, i) => this.walkMessage(n, `${p}.3.${i}`));
    m.enumType.forEach((e, i) => this.walkEnum(e, `${p}.4.${i}`));
  }

  private walkEnum(e: EnumDescriptorProto, p: string): void {
    this.keys.set(e, p);
    e.value.forEach((v, i) => this.keys.set(v, `${p}.2.${i}`));
  }
}

function fileOf(desc: Located): DescFile {
  switch (desc.kind) {
    case "field":
      return desc.parent.file;
    case "enum_value":
    case "rpc":
      return desc.parent.file;
    default:
      return desc.file;
  }
}


/** `model` with `tokens` attached as a non-enumerable property (kept out of catalog.json). */
export function withTokens<T extends object>(model: T, tokens: Tokens): T {
  Object.defineProperty(model, "tokens", { value: presentTokens(tokens), enumerable: false });
  return model;
}

function presentTokens(tokens: Tokens): Tokens {
  return Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== undefined)) as Tokens;
}

/** Token positions of an element kind (a module-level function, so models share it). */
export type TokensOf<D extends Located> = (positions: SourceIndex, desc: D) => Tokens;

/** What a model's source properties are read from, and what was read (non-enumerable, per model). */
interface SourceHandle {
  readonly positions: SourceIndex;
  readonly desc: Located;
  readonly tokensOf: TokensOf<Located>;
  position?: SourcePosition;
  comment?: string;
  tokens?: Tokens;
}

const SOURCE = Symbol("evt.source");

const handleOf = (model: object): SourceHandle => (model as { [SOURCE]: SourceHandle })[SOURCE];

// One descriptor (and getter) per property for every model: per-model closures cost a third of
// what laziness saved, and three defineProperty calls measured ~1.7x faster than defineProperties.
const POSITION: PropertyDescriptor = { enumerable: true, configurable: true, get(this: object) { const h = handleOf(this); return (h.position ??= h.positions.of(h.desc)); } };
const COMMENT: PropertyDescriptor = { enumerable: true, configurable: true, get(this: object) { const h = handleOf(this); return (h.comment ??= h.positions.commentOf(h.desc)); } };
const TOKENS: PropertyDescriptor = { enumerable: false, configurable: true, get(this: object) { const h = handleOf(this); return (h.tokens ??= presentTokens(h.tokensOf(h.positions, h.desc))); } };

/**
 * `model` with `position` and `comment` (enumerable) and `tokens` (not) read from the source info
 * when first read, then kept: check-compat models a whole baseline and reads the positions of
 * the few elements a finding names (issue 11: a third of a baseline's modelling was positions
 * and comments nobody read).
 */
export function withSource<T extends { readonly position: SourcePosition; readonly comment: string }, D extends Located>(
  model: Omit<T, "position" | "comment" | "tokens">,
  positions: SourceIndex,
  desc: D,
  tokensOf: TokensOf<D>,
): T {
  const handle: SourceHandle = { positions, desc, tokensOf: tokensOf as TokensOf<Located> };
  Object.defineProperty(model, SOURCE, { value: handle });
  Object.defineProperty(model, "position", POSITION);
  Object.defineProperty(model, "comment", COMMENT);
  Object.defineProperty(model, "tokens", TOKENS);
  return model as T;
}

/** Defines `target[key]` as `compute()`, computed when first read and then a plain (read-only) property. */
export function lazyProperty(target: object, key: string, compute: () => unknown, enumerable = true): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable,
    get() {
      const value = compute();
      Object.defineProperty(target, key, { value, enumerable, configurable: true, writable: false });
      return value;
    },
  });
}
