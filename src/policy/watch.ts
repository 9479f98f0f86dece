import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { ToolgateError } from "../errors.ts";
import { readBundle } from "./bundle.ts";
import { compileBundle, FRAMEWORK_DIR } from "./compile.ts";
import { CONFIG_FILE } from "./config.ts";
import type { NamedTool } from "./declared-tools.ts";
import { PolicyEngine } from "./engine.ts";
import { BundleLoadError, describeThrown, formatDiagnostic, PolicyBuildError, type PolicyDiagnostic } from "./errors.ts";

/**
 * What a watcher drives: the Gate satisfies it. `use()` must swap the whole
 * revision in one assignment, so that an evaluation runs entirely on one revision.
 */
export interface ReloadTarget {
  readonly revision: string;
  use(engine: PolicyEngine): void;
}

/** Where revisions come from: a policy directory compiled with opa, or a bundle built elsewhere (CI). */
export type PolicySource =
  | {
      /** The user's policy directory: *.rego and toolgate.yaml. */
      regoDir: string;
      /** Where each build writes its bundle (default: a private temp dir, removed on close). */
      out?: string;
      capabilities?: string;
      /** Also watch the framework Rego shipped with toolgate (default true). */
      watchFramework?: boolean;
      /** Tool declarations toolgate.yaml's tool names are checked against (compileBundle's `tools`). */
      tools?: string | readonly NamedTool[];
    }
  | {
      /** A prebuilt bundle.tar.gz; read only once its size and mtime hold still. */
      bundle: string;
    };

export interface WatchOptions {
  /** Quiet time after the last file event before a rebuild starts (default 150 ms). */
  debounceMs?: number;
  /**
   * How long every input must hold still before it is built (Rego, toolgate.yaml,
   * tools.json, data files) or, in bundle mode, read (default 1000 ms). A save
   * that pauses for less than this between two halves is never built half-way.
   */
  settleMs?: number;
  /** Where reloads and failures are logged (default: one line each on stderr); false for silence. */
  logger?: ReloadLogger | false;
}

export interface ReloadLogger {
  info(message: string): void;
  error(message: string): void;
}

export type ReloadTrigger = "explicit" | "watch";

export interface ReloadedEvent {
  /** The revision that served before ("" when none did). */
  from: string;
  to: string;
  /** opa build (or bundle read) time; waiting for the inputs to settle is not counted. */
  buildMs: number;
  /** WASM compile + instantiate time. */
  loadMs: number;
  trigger: ReloadTrigger;
  /** The files whose changes led to this reload (watch trigger). */
  changed: string[];
  /** The build's warnings (compileBundle's): the policy serves, but denies what may be expected to run. */
  warnings: PolicyDiagnostic[];
}

export interface ReloadFailedEvent {
  /** PolicyBuildError (located diagnostics), BundleLoadError, or another ToolgateError. */
  error: ToolgateError;
  /** Located when opa or the toolgate.yaml validator could locate them: file:line:col. */
  diagnostics: PolicyDiagnostic[];
  /** The revision still serving ("" when none). */
  serving: string;
  buildMs: number;
  trigger: ReloadTrigger;
  changed: string[];
}

export interface ReloadUnchangedEvent {
  /** A rebuild gave the revision already serving (same content); nothing was swapped. */
  revision: string;
  buildMs: number;
  trigger: ReloadTrigger;
  changed: string[];
  warnings: PolicyDiagnostic[];
}

export type ReloadOutcome =
  | ({ status: "reloaded" } & ReloadedEvent)
  | ({ status: "failed" } & ReloadFailedEvent)
  | ({ status: "unchanged" } & ReloadUnchangedEvent);

export interface PolicyWatcherEvents {
  reloaded: [ReloadedEvent];
  reload_failed: [ReloadFailedEvent];
  unchanged: [ReloadUnchangedEvent];
  /** A watched file changed (before the debounce). */
  change: [{ event: string; path: string }];
  /** The file watcher itself failed (not a policy error). */
  watch_error: [Error];
}

const stderrLogger: ReloadLogger = {
  info: (message) => process.stderr.write(`toolgate: ${message}\n`),
  error: (message) => process.stderr.write(`toolgate: ${message}\n`),
};

const silentLogger: ReloadLogger = { info: () => {}, error: () => {} };

/** A build whose inputs changed while it ran: not swapped; the debounced rebuild follows. */
const SUPERSEDED = Symbol("superseded");

function asToolgateError(err: unknown): ToolgateError {
  if (err instanceof ToolgateError) return err;
  return new ToolgateError("reload_failed", describeThrown(err), { cause: err });
}

function diagnosticsOf(error: ToolgateError): PolicyDiagnostic[] {
  if (error instanceof PolicyBuildError) return error.diagnostics;
  return [{ code: error.code, message: error.message }];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function hasPolicyFiles(dir: string): Promise<{ config: boolean; rego: boolean }> {
  const found = { config: existsSync(path.join(dir, CONFIG_FILE)), rego: false };
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (found.rego) return;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && entry.name !== "node_modules") await walk(path.join(current, entry.name));
      } else if (entry.name.endsWith(".rego") && !entry.name.endsWith("_test.rego")) {
        found.rego = true;
      }
    }
  };
  await walk(dir);
  return found;
}

/**
 * Watches a policy (Rego directory or prebuilt bundle), rebuilds it with the
 * real opa on change, and swaps the new revision into its target.
 *
 * - Bursts of file events are debounced; one build runs at a time and changes
 *   during a build queue exactly one more.
 * - A build starts only once every input has held still for settleMs, and one
 *   whose inputs changed while it ran is discarded (a half-written file that
 *   happened to compile never serves); the rebuild that follows decides.
 * - Anything that fails (opa errors, capabilities, toolgate.yaml, a corrupt
 *   bundle, the policy being deleted) leaves the previous revision serving and
 *   is reported through `reload_failed` and the logger.
 */
export class PolicyWatcher extends EventEmitter<PolicyWatcherEvents> {
  readonly source: PolicySource;
  private readonly target: ReloadTarget;
  private readonly debounceMs: number;
  private readonly settleMs: number;
  private readonly logger: ReloadLogger;

  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped on every relevant file event; a build compares it before swapping. */
  private changeSeq = 0;
  private changedPaths = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReloadOutcome | typeof SUPERSEDED> | undefined;
  private inFlight = 0;
  private tempDir: string | undefined;
  private lastGoodHadConfig = false;
  private isClosed = false;

  constructor(target: ReloadTarget, source: PolicySource, options: WatchOptions = {}) {
    super();
    this.target = target;
    this.source = source;
    this.debounceMs = options.debounceMs ?? 150;
    this.settleMs = options.settleMs ?? 1000;
    this.logger = options.logger === false ? silentLogger : (options.logger ?? stderrLogger);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The paths being watched. */
  get watchedPaths(): string[] {
    if ("bundle" in this.source) return [path.resolve(this.source.bundle)];
    const paths = [path.resolve(this.source.regoDir)];
    if (this.source.watchFramework ?? true) paths.push(FRAMEWORK_DIR);
    return paths;
  }

  /** Starts watching; resolves once the file watcher is ready (later writes are seen). Builds nothing by itself. */
  async start(): Promise<void> {
    if (this.isClosed) throw new ToolgateError("watcher_closed", "the policy watcher is closed");
    if (this.watcher) return;
    const bundleMode = "bundle" in this.source;
    const watcher = watch(this.watchedPaths, {
      ignoreInitial: true,
      persistent: true,
      // Rego mode: the sources opa compiles plus data/config files; editors' temp files are ignored.
      ignored: bundleMode
        ? undefined
        : (file: string, stats?: { isFile(): boolean }) => {
            const base = path.basename(file);
            if (base === "node_modules" || (base.startsWith(".") && file !== this.watchedPaths[0])) return true;
            if (!stats?.isFile()) return false;
            return !/\.(rego|ya?ml|json)$/.test(base);
          },
    });
    this.watcher = watcher;
    watcher.on("all", (event, file) => this.onFileEvent(event, file));
    watcher.on("error", (err) => {
      const error = err instanceof Error ? err : new Error(String(err));
      this.logger.error(`watching the policy failed: ${error.message}`);
      this.notify("watch_error", error);
    });
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  }

  private onFileEvent(event: string, file: string): void {
    if (this.isClosed) return;
    if (event === "addDir") return; // a directory alone changes nothing; its files report themselves
    this.changeSeq += 1;
    this.changedPaths.add(file);
    this.notify("change", { event, path: file });
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.schedule("watch");
    }, this.debounceMs);
  }

  /**
   * Rebuilds now and swaps if the result is good. Resolves with what happened;
   * never rejects for a policy problem (the outcome says "failed").
   */
  async reload(): Promise<ReloadOutcome> {
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.schedule("explicit", attempt < 20);
      if (outcome !== SUPERSEDED) return outcome;
      await sleep(this.debounceMs);
    }
  }

  /** Resolves once no change is waiting for its debounce and no build is queued or running. */
  async settled(): Promise<void> {
    while (!this.isClosed && (this.timer !== undefined || this.inFlight > 0)) {
      await this.chain;
      if (this.timer !== undefined) await sleep(this.debounceMs / 2);
    }
  }

  /** Stops watching and releases the watcher, timers and the temp build dir; waits for a running build. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
    await this.chain;
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
    this.removeAllListeners();
  }

  /** Queues a build behind the running one; concurrent requests share the queued build. */
  private schedule(trigger: ReloadTrigger, discardSuperseded = true): Promise<ReloadOutcome | typeof SUPERSEDED> {
    if (this.queued && trigger === "watch") return this.queued;
    this.inFlight += 1;
    const run = this.chain.then(async () => {
      if (this.queued === run) this.queued = undefined;
      try {
        return await this.build(trigger, discardSuperseded);
      } finally {
        this.inFlight -= 1;
      }
    });
    if (trigger === "watch") this.queued = run;
    this.chain = run.catch(() => {});
    return run;
  }

  private async build(trigger: ReloadTrigger, discardSuperseded: boolean): Promise<ReloadOutcome | typeof SUPERSEDED> {
    const seq = this.changeSeq;
    const changed = [...this.changedPaths];
    const from = this.target.revision;
    const started = performance.now();
    let buildMs = 0;
    const fail = (err: unknown, quiet = false): ReloadOutcome => {
      const error = asToolgateError(err);
      const event: ReloadFailedEvent = {
        error,
        diagnostics: diagnosticsOf(error),
        serving: this.target.revision,
        buildMs: buildMs || performance.now() - started,
        trigger,
        changed,
      };
      if (quiet) return { status: "failed", ...event };
      this.changedPaths.clear();
      const still = event.serving ? `still serving revision ${event.serving}` : "no revision is serving";
      this.logger.error(
        [`policy reload failed; ${still}:`, ...event.diagnostics.map((d) => `  ${formatDiagnostic(d)}`)].join("\n"),
      );
      this.notify("reload_failed", event);
      return { status: "failed", ...event };
    };
    const closed = () => new ToolgateError("watcher_closed", "the policy watcher is closed");
    if (this.isClosed) return fail(closed(), true);

    let engine: PolicyEngine | undefined;
    let revision: string;
    let hadConfig = this.lastGoodHadConfig;
    let warnings: PolicyDiagnostic[] = [];
    try {
      if ("bundle" in this.source) {
        const bundle = await this.readStableBundle(this.source.bundle);
        if (bundle === SUPERSEDED) return discardSuperseded ? SUPERSEDED : fail(new BundleLoadError("the bundle kept changing"));
        buildMs = performance.now() - started;
        revision = bundle.manifest.revision;
        if (revision !== from) engine = await PolicyEngine.load(bundle);
      } else {
        const { regoDir } = this.source;
        await this.checkPolicyPresent(regoDir);
        this.tempDir ??= this.source.out ? undefined : await mkdtemp(path.join(tmpdir(), "toolgate-watch-"));
        const out = this.source.out ?? path.join(this.tempDir!, "bundle.tar.gz");
        const built = await compileBundle({
          regoDir,
          out,
          settleMs: this.settleMs,
          ...(this.source.tools ? { tools: this.source.tools } : {}),
          ...(this.source.capabilities ? { capabilities: this.source.capabilities } : {}),
        });
        warnings = built.warnings;
        buildMs = performance.now() - started - built.settleWaitMs;
        revision = built.revision;
        hadConfig = built.config !== undefined;
        if (revision !== from) engine = await PolicyEngine.open(out);
      }
    } catch (err) {
      if (this.isClosed) return fail(closed(), true);
      if (discardSuperseded && this.changeSeq !== seq) return SUPERSEDED;
      return fail(err);
    }
    // Files changed while this build ran: what it read may have been half-written.
    if (discardSuperseded && this.changeSeq !== seq && !this.isClosed) return SUPERSEDED;
    if (this.isClosed) return fail(closed(), true);
    this.changedPaths.clear();
    this.lastGoodHadConfig = hadConfig;
    for (const warning of warnings) this.logger.error(`warning: ${formatDiagnostic(warning)}`);
    if (!engine) {
      const event: ReloadUnchangedEvent = { revision, buildMs, trigger, changed, warnings };
      this.logger.info(`policy rebuilt in ${Math.round(buildMs)} ms; revision ${revision} unchanged`);
      this.notify("unchanged", event);
      return { status: "unchanged", ...event };
    }
    this.target.use(engine);
    const event: ReloadedEvent = { from, to: revision, buildMs, loadMs: performance.now() - started - buildMs, trigger, changed, warnings };
    this.logger.info(
      `policy reloaded: revision ${from || "(none)"} -> ${revision} (build ${Math.round(buildMs)} ms, load ${Math.round(event.loadMs)} ms)`,
    );
    this.notify("reloaded", event);
    return { status: "reloaded", ...event };
  }

  /** Emits without letting a listener's exception break the build chain (it is logged instead). */
  private notify<E extends keyof PolicyWatcherEvents>(event: E, ...args: PolicyWatcherEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: PolicyWatcherEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error(`a "${event}" listener threw: ${describeThrown(err)}`);
    }
  }

  /** Deleting the policy must never mean "no policy" (or allow-all): keep the last good and say so. */
  private async checkPolicyPresent(regoDir: string): Promise<void> {
    const serving = this.target.revision;
    const keeping = serving ? `keeping revision ${serving}` : "no revision is serving";
    if (!existsSync(regoDir)) {
      throw new PolicyBuildError(
        [{ code: "policy_removed", message: `the policy directory ${regoDir} is gone; ${keeping}` }],
        "policy removed",
      );
    }
    const found = await hasPolicyFiles(regoDir);
    if (!found.config && !found.rego) {
      throw new PolicyBuildError(
        [{ code: "policy_removed", message: `${regoDir} holds no ${CONFIG_FILE} and no *.rego; ${keeping}` }],
        "policy removed",
      );
    }
    if (!found.config && this.lastGoodHadConfig && serving) {
      throw new PolicyBuildError(
        [
          {
            code: "config_removed",
            message:
              `${path.join(regoDir, CONFIG_FILE)} was removed; ${keeping} ` +
              `(to deny every tool on purpose, write a ${CONFIG_FILE} holding only "version: 1")`,
          },
        ],
        "policy removed",
      );
    }
  }

  /** Waits until size and mtime hold still for settleMs, reads, and checks nothing moved during the read. */
  private async readStableBundle(file: string): Promise<Awaited<ReturnType<typeof readBundle>> | typeof SUPERSEDED> {
    const identity = async (): Promise<string | undefined> => {
      try {
        const s = await stat(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return undefined;
      }
    };
    const serving = this.target.revision;
    let before = await identity();
    for (let waited = 0; ; waited += this.settleMs) {
      if (before === undefined) {
        throw new BundleLoadError(
          serving ? `the bundle ${file} is gone; keeping revision ${serving}` : `no policy bundle at ${file}: run \`policy build\` first`,
        );
      }
      await sleep(this.settleMs);
      const now = await identity();
      if (now === before) break;
      if (waited > 30_000) return SUPERSEDED;
      before = now;
    }
    const bundle = await readBundle(file);
    return (await identity()) === before ? bundle : SUPERSEDED;
  }
}
