// Runners shared by all operations of one run: sessions are reused per host, concurrent scripts
// per host are limited, and transient failures are retried.

import { DEFAULT_RETRY_POLICY, retryTransient, RetryPolicy } from "./retry";
import { PowerShellRunner, RunnerError, RunnerStats, ScriptRequest, ScriptResult } from "./runner";

/**
 * Default maximum of concurrent scripts, and so of open runners, per host. WinRM's default
 * MaxShellsPerUser is 30 (Windows Server 2012 and later); 4 stays far below it and leaves room
 * for other clients of the same account.
 */
export const DEFAULT_MAX_RUNNERS_PER_HOST = 4;

/** Destination of the pool's warnings about retries and failed disposals. */
export interface PoolLogger {
    warn(message: string): void;
}

export interface RunnerPoolOptions {
    /** Creates a runner for `host`, which is the key given to `runScript`. */
    createRunner: (host: string) => PowerShellRunner | Promise<PowerShellRunner>;
    /** Maximum of concurrent scripts and open runners per host. Defaults to 4. */
    maxRunnersPerHost?: number;
    /** Retries of transient failures. Defaults to {@link DEFAULT_RETRY_POLICY}. */
    retry?: RetryPolicy;
    /** Defaults to Pulumi's log, which prints to the console outside a Pulumi run. */
    logger?: PoolLogger;
}

/**
 * Runs scripts on many hosts through reused runners. For each host it keeps idle runners and
 * hands them to the next script, so scripts that run one after another share one session. At
 * most `maxRunnersPerHost` scripts run on a host at once; later ones wait in call order.
 *
 * A runner that rejects, for any reason, is disposed and replaced, because its session may be
 * broken. A RunnerError of kind `transient` is retried on a new runner with backoff; every other
 * error is returned to the caller at once.
 */
export class RunnerPool {
    private readonly options: RunnerPoolOptions;
    private readonly maxRunnersPerHost: number;
    private readonly hosts = new Map<string, HostRunners>();
    private readonly logger: PoolLogger;
    private closed = false;

    constructor(options: RunnerPoolOptions) {
        const maxRunnersPerHost = options.maxRunnersPerHost ?? DEFAULT_MAX_RUNNERS_PER_HOST;
        if (!Number.isInteger(maxRunnersPerHost) || maxRunnersPerHost < 1) {
            throw new Error(
                `invalid maxRunnersPerHost ${maxRunnersPerHost}: expected an integer of at least 1`,
            );
        }
        this.options = options;
        this.maxRunnersPerHost = maxRunnersPerHost;
        this.logger = options.logger ?? pulumiLogger();
    }

    /**
     * Runs `request` on `host`, retrying transient failures. Each attempt gets the full
     * `request.timeoutMs`. Rejects with a RunnerError of kind `aborted` when the pool is disposed
     * or `request.signal` aborts while the script waits for a free runner or for a retry.
     */
    runScript(host: string, request: ScriptRequest): Promise<ScriptResult> {
        return retryTransient((attempt) => this.runOnce(host, request, attempt), {
            policy: this.options.retry ?? DEFAULT_RETRY_POLICY,
            signal: request.signal,
            onRetry: (attempt, error, delayMs) =>
                this.logger.warn(
                    `retrying a script on ${host} in ${delayMs} ms after attempt ${attempt} failed: ${error.message}`,
                ),
        });
    }

    /** Returns the cost counters of every runner this pool created for `host`, summed. */
    statsFor(host: string): RunnerStats {
        return this.hosts.get(host)?.totalStats() ?? emptyStats();
    }

    /** Returns the cost counters of every runner this pool created, summed. */
    totalStats(): RunnerStats {
        const total = emptyStats();
        for (const runners of this.hosts.values()) {
            addStats(total, runners.totalStats());
        }
        return total;
    }

    /**
     * Disposes every runner, idle or running (a running script then rejects), and rejects the
     * scripts that wait for a runner. A runner whose disposal fails is logged, and the others are
     * still disposed. Safe to call more than once.
     */
    async dispose(): Promise<void> {
        this.closed = true;
        const disposals = [...this.hosts.entries()].map(([host, runners]) =>
            runners.close(host, this.logger),
        );
        await Promise.all(disposals);
    }

    private async runOnce(host: string, request: ScriptRequest, attempt: number): Promise<ScriptResult> {
        const runners = this.runnersFor(host);
        await runners.slots.acquire(request.signal);
        let runner: PowerShellRunner | undefined;
        try {
            this.throwIfClosed();
            runner = await runners.take(() => this.options.createRunner(host));
            const result = await runner.runScript(request);
            runners.giveBack(runner);
            return result;
        } catch (error) {
            if (runner !== undefined) {
                await runners.retire(runner, host, this.logger, `attempt ${attempt} failed`);
            }
            throw error;
        } finally {
            runners.slots.release();
        }
    }

    private runnersFor(host: string): HostRunners {
        this.throwIfClosed();
        let runners = this.hosts.get(host);
        if (runners === undefined) {
            runners = new HostRunners(this.maxRunnersPerHost);
            this.hosts.set(host, runners);
        }
        return runners;
    }

    private throwIfClosed(): void {
        if (this.closed) {
            throw new RunnerError("aborted", "the runner pool is disposed");
        }
    }
}

/** The runners of one host: idle ones, busy ones, and the counters of disposed ones. */
class HostRunners {
    readonly slots: Semaphore;
    private readonly idle: PowerShellRunner[] = [];
    private readonly busy = new Set<PowerShellRunner>();
    private readonly retiredStats = emptyStats();

    constructor(maxRunners: number) {
        this.slots = new Semaphore(maxRunners);
    }

    /** Returns the most recently used idle runner, or a new one. The caller must own a slot. */
    async take(create: () => PowerShellRunner | Promise<PowerShellRunner>): Promise<PowerShellRunner> {
        const runner = this.idle.pop() ?? (await create());
        this.busy.add(runner);
        return runner;
    }

    /** Makes a runner idle again, unless `close` already disposed it. */
    giveBack(runner: PowerShellRunner): void {
        if (this.busy.delete(runner)) {
            this.idle.push(runner);
        }
    }

    /** Disposes a runner whose call rejected, keeping its counters, unless `close` already did. */
    async retire(runner: PowerShellRunner, host: string, logger: PoolLogger, reason: string): Promise<void> {
        if (!this.busy.delete(runner)) {
            return;
        }
        addStats(this.retiredStats, runner.stats);
        await disposeLogged(runner, host, logger, reason);
    }

    async close(host: string, logger: PoolLogger): Promise<void> {
        this.slots.rejectWaiters(
            () =>
                new RunnerError("aborted", `the runner pool was disposed while a script for ${host} waited`),
        );
        const runners = [...this.idle.splice(0), ...this.busy];
        this.busy.clear();
        for (const runner of runners) {
            addStats(this.retiredStats, runner.stats);
        }
        await Promise.all(runners.map((runner) => disposeLogged(runner, host, logger, "pool disposed")));
    }

    totalStats(): RunnerStats {
        const total = { ...this.retiredStats };
        for (const runner of [...this.idle, ...this.busy]) {
            addStats(total, runner.stats);
        }
        return total;
    }
}

/** A counting semaphore whose waiters are served in call order. */
export class Semaphore {
    private available: number;
    private readonly waiters: { grant: () => void; reject: (error: Error) => void }[] = [];

    constructor(permits: number) {
        this.available = permits;
    }

    /** Waits for a permit. Rejects with a RunnerError of kind `aborted` when `signal` aborts first. */
    acquire(signal?: AbortSignal): Promise<void> {
        if (signal?.aborted) {
            return Promise.reject(new RunnerError("aborted", "aborted while waiting for a free runner"));
        }
        if (this.available > 0 && this.waiters.length === 0) {
            this.available--;
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => {
            const onAbort = (): void => {
                const index = this.waiters.indexOf(waiter);
                if (index >= 0) {
                    this.waiters.splice(index, 1);
                }
                reject(new RunnerError("aborted", "aborted while waiting for a free runner"));
            };
            const waiter = {
                grant: () => {
                    signal?.removeEventListener("abort", onAbort);
                    resolve();
                },
                reject: (error: Error) => {
                    signal?.removeEventListener("abort", onAbort);
                    reject(error);
                },
            };
            this.waiters.push(waiter);
            signal?.addEventListener("abort", onAbort, { once: true });
        });
    }

    /** Returns a permit, handing it straight to the longest waiter if there is one. */
    release(): void {
        const next = this.waiters.shift();
        if (next !== undefined) {
            next.grant();
        } else {
            this.available++;
        }
    }

    rejectWaiters(makeError: () => Error): void {
        for (const waiter of this.waiters.splice(0)) {
            waiter.reject(makeError());
        }
    }
}

async function disposeLogged(
    runner: PowerShellRunner,
    host: string,
    logger: PoolLogger,
    reason: string,
): Promise<void> {
    try {
        await runner.dispose();
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn(`disposing a ${runner.transport} runner for ${host} (${reason}) failed: ${message}`);
    }
}

function emptyStats(): RunnerStats {
    return { roundTrips: 0, shellsOpened: 0, processesStarted: 0 };
}

function addStats(total: RunnerStats, stats: RunnerStats): void {
    total.roundTrips += stats.roundTrips;
    total.shellsOpened += stats.shellsOpened;
    total.processesStarted += stats.processesStarted;
}

function pulumiLogger(): PoolLogger {
    return {
        warn: (message) => {
            // Loaded on first use, so that the pool's module stays cheap to import in tests.
            const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
            void pulumi.log.warn(message);
        },
    };
}
