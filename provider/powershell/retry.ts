// Retries of runner calls that failed with a transient fault, with bounded exponential backoff.

import { RunnerError } from "./runner";

/** How often and how long to wait between attempts. */
export interface RetryPolicy {
    /** Total attempts, including the first. 1 disables retries. */
    maxAttempts: number;
    /** Delay before the second attempt, in milliseconds. */
    initialDelayMs: number;
    /** Upper bound of any delay, in milliseconds. */
    maxDelayMs: number;
    /** Factor between consecutive delays. Defaults to 2. */
    multiplier?: number;
    /**
     * Fraction of each delay that is random, from 0 to 1 ("equal jitter" at 0.5). Defaults to 0.5,
     * so that runs that failed together do not retry together.
     */
    jitter?: number;
}

/**
 * Three attempts, waiting about 0.5 s and then 1 s. These are estimates for faults that pass
 * within seconds (a reset connection, a briefly exceeded shell quota), not measured values.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
    maxAttempts: 3,
    initialDelayMs: 500,
    maxDelayMs: 5_000,
    multiplier: 2,
    jitter: 0.5,
};

export interface RetryOptions {
    policy?: RetryPolicy;
    /** Stops waiting between attempts; the retry then rejects with a RunnerError of kind `aborted`. */
    signal?: AbortSignal;
    /** Called before each wait, with the failed attempt number (from 1), its error and the delay. */
    onRetry?: (attempt: number, error: RunnerError, delayMs: number) => void;
    /** Source of randomness in [0, 1), replaceable in tests. */
    random?: () => number;
}

/** Returns true for the errors that a retry can fix: a RunnerError of kind `transient`. */
export function isRetryable(error: unknown): error is RunnerError {
    return RunnerError.isInstance(error) && error.kind === "transient" && !error.scriptMayHaveRun;
}

/**
 * Returns the delay before the attempt after `failedAttempt` (1 for the first attempt):
 * `initialDelayMs * multiplier^(failedAttempt - 1)`, capped at `maxDelayMs`, with the `jitter`
 * fraction of it replaced by a random share.
 */
export function backoffDelayMs(
    policy: RetryPolicy,
    failedAttempt: number,
    random: () => number = Math.random,
): number {
    const multiplier = policy.multiplier ?? 2;
    const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0.5));
    const exponential = policy.initialDelayMs * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    const capped = Math.min(policy.maxDelayMs, exponential);
    return Math.round(capped * (1 - jitter) + capped * jitter * random());
}

/**
 * Calls `operation` until it resolves, it rejects with an error that {@link isRetryable} rejects,
 * or `policy.maxAttempts` attempts have failed; then rejects with the last error. Errors of kind
 * `configuration`, `timeout`, `aborted` and `protocol`, and errors that are not RunnerErrors, are
 * never retried.
 */
export async function retryTransient<T>(
    operation: (attempt: number) => Promise<T>,
    options: RetryOptions = {},
): Promise<T> {
    const policy = options.policy ?? DEFAULT_RETRY_POLICY;
    const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
    for (let attempt = 1; ; attempt++) {
        try {
            return await operation(attempt);
        } catch (error) {
            if (!isRetryable(error) || attempt >= maxAttempts) {
                throw error;
            }
            const delayMs = backoffDelayMs(policy, attempt, options.random);
            options.onRetry?.(attempt, error, delayMs);
            await sleep(delayMs, options.signal);
        }
    }
}

/** Waits `ms` milliseconds, or rejects with a RunnerError of kind `aborted` when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        const aborted = (): RunnerError => new RunnerError("aborted", "aborted while waiting to retry");
        if (signal?.aborted) {
            reject(aborted());
            return;
        }
        const onAbort = (): void => {
            clearTimeout(timer);
            reject(aborted());
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}
