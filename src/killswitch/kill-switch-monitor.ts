import type { Reason } from "../gate/decision.ts";
import type { KillSwitchCheck } from "../gate/kill-switch-check.ts";
import { GateReason } from "../gate/reason-codes.ts";
import { ToolgateError } from "../errors.ts";
import type { StoreLocation } from "../store/store-location.ts";
import { describeSwitch, EVERY_TOOL, type KillSwitch, type KillSwitchStore } from "./kill-switch.ts";
import { openKillSwitchStore } from "./open-kill-switch-store.ts";

export interface KillSwitchMonitorOptions {
  /** A store location (path, sqlite:FILE, postgres://…) or a store already opened (the monitor then does not close it). */
  store: string | StoreLocation | KillSwitchStore;
  /** How often the active switches are read again, in ms; default 250. Must be below maxStalenessMs. */
  refreshMs?: number;
  /**
   * How old (from the start of the read) the switches a decision relies on may
   * be, in ms; default 1000: the one-second promise. Older (the store has not
   * answered since): every call is denied `kill_switch_unavailable`.
   */
  maxStalenessMs?: number;
}

/** Options that would break the promise the monitor makes. */
export class KillSwitchOptionsError extends ToolgateError {
  constructor(message: string) {
    super("kill_switch_options_invalid", message);
  }
}

export const DEFAULT_REFRESH_MS = 250;
export const DEFAULT_MAX_STALENESS_MS = 1_000;

/**
 * The kill switches one gate (or pool) honours: the store's active switches
 * held in memory, read again every `refreshMs` by an unref'd timer, so that a
 * decision's check is a map lookup and never a store round trip. FAIL CLOSED:
 * when the last successful read started more than `maxStalenessMs` ago, every
 * call is denied (`kill_switch_unavailable`) until the store answers again, so
 * that a decision never relies on switches older than that bound.
 */
export class KillSwitchMonitor implements KillSwitchCheck {
  readonly refreshMs: number;
  readonly maxStalenessMs: number;
  private readonly store: KillSwitchStore;
  private readonly ownsStore: boolean;
  /** assistant id -> tool key ("" for every tool) -> switch. */
  private switches = new Map<string, Map<string, KillSwitch>>();
  private list: readonly KillSwitch[] = [];
  /** performance.now() when the read behind `switches` started. */
  private freshAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;
  private readingSince = 0;
  private lastError = "not read yet";
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(store: KillSwitchStore, ownsStore: boolean, options: KillSwitchMonitorOptions) {
    this.store = store;
    this.ownsStore = ownsStore;
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
  }

  /** Opens the store and reads the switches once; throws (StoreError) when it cannot, so a gate never starts blind. */
  static async open(options: KillSwitchMonitorOptions): Promise<KillSwitchMonitor> {
    const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    const maxStalenessMs = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    if (!Number.isFinite(refreshMs) || refreshMs < 10) throw new KillSwitchOptionsError(`refreshMs must be a number of milliseconds >= 10 (got ${refreshMs}).`);
    if (!Number.isFinite(maxStalenessMs) || maxStalenessMs <= refreshMs) {
      throw new KillSwitchOptionsError(`maxStalenessMs (${maxStalenessMs}) must be above refreshMs (${refreshMs}): otherwise every call would be denied between two reads.`);
    }
    const given = options.store;
    const opened = typeof given === "object" && "active" in given;
    const store = opened ? given : await openKillSwitchStore(given);
    const monitor = new KillSwitchMonitor(store, !opened, options);
    try {
      const started = performance.now();
      monitor.apply(await store.active(), started);
    } catch (err) {
      await monitor.close();
      throw err;
    }
    monitor.timer = setInterval(() => void monitor.refresh(), monitor.refreshMs);
    monitor.timer.unref();
    return monitor;
  }

  check(assistantId: string, toolName: string): Reason | undefined {
    const age = performance.now() - this.freshAt;
    if (!(age <= this.maxStalenessMs)) {
      return {
        code: GateReason.killSwitchUnavailable,
        message: this.closed
          ? "the kill switch monitor is closed: calls are denied"
          : `the kill switches have not been read for ${Math.round(age)} ms (${this.lastError}): calls are denied until the store answers`,
      };
    }
    const byTool = this.switches.get(assistantId);
    if (byTool === undefined) return undefined;
    const hit = byTool.get(EVERY_TOOL) ?? byTool.get(toolName);
    if (hit === undefined) return undefined;
    return { code: GateReason.killed, message: `${describeSwitch(hit.assistant_id, hit.tool)} is killed: ${hit.reason || "no reason given"} (by ${hit.killed_by} at ${hit.killed_at})` };
  }

  /** The active switches as of the last successful read. */
  get active(): readonly KillSwitch[] {
    return this.list;
  }

  /**
   * Reads the switches now (the timer calls this). Never rejects: a failure is
   * remembered for the unavailable message. A read still running after
   * maxStalenessMs (a hung server) is abandoned and a new one started.
   */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const now = performance.now();
    if (this.reading && now - this.readingSince <= this.maxStalenessMs) return this.reading;
    const started = now;
    this.readingSince = started;
    const tracked: Promise<void> = this.store
      .active()
      .then(
        (list) => this.apply(list, started),
        (err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => {
        if (this.reading === tracked) this.reading = undefined;
      });
    this.reading = tracked;
    return tracked;
  }

  /** Serves `list`, read at `started`, unless a newer read already serves (an abandoned slow read answering late). */
  private apply(list: KillSwitch[], started: number): void {
    if (started < this.freshAt || this.closed) return;
    this.switches = index(list);
    this.list = list;
    this.freshAt = started;
  }

  /** Stops reading; a closed monitor denies every call (`kill_switch_unavailable`). */
  async close(): Promise<void> {
    this.closed = true;
    this.freshAt = Number.NEGATIVE_INFINITY;
    if (this.timer) clearInterval(this.timer);
    await this.reading?.catch(() => {});
    if (this.ownsStore) await this.store.close();
  }
}

function index(list: readonly KillSwitch[]): Map<string, Map<string, KillSwitch>> {
  const byAssistant = new Map<string, Map<string, KillSwitch>>();
  for (const entry of list) {
    let byTool = byAssistant.get(entry.assistant_id);
    if (!byTool) byAssistant.set(entry.assistant_id, (byTool = new Map()));
    byTool.set(entry.tool ?? EVERY_TOOL, entry);
  }
  return byAssistant;
}
