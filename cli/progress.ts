/**
 * What a person at a terminal sees while a long command works (issue 15 item 4): one stderr line
 * naming the current step, with its count and the elapsed time, overwritten in place and cleared
 * before the command prints its result. Nothing at all when stderr is not a terminal, under CI
 * (`CI` set), with `TERM=dumb`, `--quiet` or `--json`: logs, pipes and machine output stay clean.
 *
 *   const progress = createProgress({ command: "generate", quiet: flags.quiet });
 *   progress.step("compiling proto/ with buf");
 *   progress.step("applying migration", { done: 2, total: 5 });
 *   progress.done();
 */

/** The part of a stream progress needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressCount {
  readonly done: number;
  readonly total: number;
}

export interface Progress {
  /** Whether anything is drawn (a terminal, not CI, not quiet). */
  readonly enabled: boolean;
  /** The current step, drawn at once: `compiling proto/ with buf`, `applying table 3/12`. */
  step(label: string, count?: ProgressCount): void;
  /** A line that must stay (a --verbose message): printed above the progress line, or alone when disabled. */
  log(line: string): void;
  /** Clears the progress line; nothing of it remains on screen. Idempotent. */
  done(): void;
}

export interface ProgressOptions {
  /** Shown before each step: `evt generate: …`. */
  readonly command: string;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly stream?: ProgressStream;
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds between redraws of the elapsed time. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** `CI=true`, `CI=1`, `CI=yes`…: any value but empty, `0` and `false` (what GitHub, GitLab and Buildkite set). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

export function progressEnabled(stream: ProgressStream, env: NodeJS.ProcessEnv, flags: { quiet?: boolean; json?: boolean }): boolean {
  return stream.isTTY === true && !isCi(env) && env.TERM !== "dumb" && !flags.quiet && !flags.json;
}

const CLEAR_LINE = "\r\u001b[2K";

export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => performance.now());
  if (!progressEnabled(stream, env, options)) {
    return { enabled: false, step: () => undefined, log: (line) => void stream.write(`${line}\n`), done: () => undefined };
  }
  const started = now();
  let label: string | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const draw = (): void => {
    if (label === undefined) return;
    // A line longer than the terminal wraps, and `\r` would then overwrite only its last row.
    const width = Math.max(20, (stream.columns || 80) - 1); // a pty without a size reports 0
    const text = `evt ${options.command}: ${label} (${formatElapsed(now() - started)})`;
    stream.write(CLEAR_LINE + (text.length > width ? `${text.slice(0, width - 1)}…` : text));
  };
  const clear = (): void => {
    if (label !== undefined) stream.write(CLEAR_LINE);
  };

  return {
    enabled: true,
    step(next, count) {
      label = count ? `${next} ${count.done}/${count.total}` : next;
      draw();
      if (timer === undefined) {
        // Only the elapsed time changes between steps; the timer must not keep the process alive.
        timer = setInterval(draw, options.intervalMs ?? 250);
        timer.unref();
      }
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      draw();
    },
    done() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      clear();
      label = undefined;
    },
  };
}
