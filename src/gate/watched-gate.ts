import type {
  PolicyWatcher,
  PolicySource,
  PolicyWatcherEvents,
  ReloadOutcome,
  WatchOptions,
} from "../policy/watch.ts";
import { Gate, type GateOptions } from "./gate.ts";

export interface WatchedGateOptions extends GateOptions, WatchOptions {
  /** A policy directory to compile with opa on change, or a prebuilt bundle to reload when it is replaced. */
  policy: PolicySource;
  /** Watch files (default true); false: only explicit reload() changes the revision. */
  watch?: boolean;
}

/**
 * A Gate whose policy follows its sources: every good change is swapped in
 * atomically (an evaluation runs on one revision and reports it), every bad
 * change leaves the last good revision serving and is reported.
 * `close()` stops watching and releases everything.
 */
export class WatchedGate extends Gate {
  readonly watcher: PolicyWatcher;

  private constructor(options: WatchedGateOptions, Watcher: typeof PolicyWatcher) {
    super(undefined, options);
    // toolgate.yaml's tool names are checked against the tools this gate serves, unless the source names its own.
    const policy: PolicySource =
      "regoDir" in options.policy && options.policy.tools === undefined ? { ...options.policy, tools: options.tools } : options.policy;
    this.watcher = new Watcher(this, policy, options);
  }

  /**
   * Builds and loads the policy, then watches it. Throws the build error
   * (PolicyBuildError with located diagnostics, BundleLoadError) when the first
   * build fails: a gate never starts without a policy.
   */
  static async start(options: WatchedGateOptions): Promise<WatchedGate> {
    // Loaded here, not at import: a plain Gate never needs the watcher, chokidar or the compiler.
    const { PolicyWatcher } = await import("../policy/watch.ts");
    const gate = new WatchedGate(options, PolicyWatcher);
    try {
      // Watch first, so that a write during the first build is not missed.
      if (options.watch ?? true) await gate.watcher.start();
      const first = await gate.watcher.reload();
      if (first.status === "failed") throw first.error;
    } catch (err) {
      await gate.close();
      throw err;
    }
    return gate;
  }

  /** Rebuilds now; resolves with what happened ("reloaded", "unchanged" or "failed" with the located error). */
  reload(): Promise<ReloadOutcome> {
    return this.watcher.reload();
  }

  on<E extends keyof PolicyWatcherEvents>(event: E, listener: (...args: PolicyWatcherEvents[E]) => void): this {
    this.watcher.on(event, listener as never);
    return this;
  }

  off<E extends keyof PolicyWatcherEvents>(event: E, listener: (...args: PolicyWatcherEvents[E]) => void): this {
    this.watcher.off(event, listener as never);
    return this;
  }

  once<E extends keyof PolicyWatcherEvents>(event: E, listener: (...args: PolicyWatcherEvents[E]) => void): this {
    this.watcher.once(event, listener as never);
    return this;
  }

  /** Stops the watcher, waits for a running build, removes temp files. The gate keeps serving its last revision. */
  override close(): Promise<void> {
    return this.watcher.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
