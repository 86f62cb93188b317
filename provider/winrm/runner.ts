// PowerShellRunner over WinRM: one WinRS shell reused for every script of a run, each script
// fed through stdin to a short -EncodedCommand bootstrap.

import {
    RunnerError,
    type PowerShellRunner,
    type RunnerErrorKind,
    type RunnerStats,
    type ScriptRequest,
    type ScriptResult,
} from "../powershell/runner";
import { WinRmClient, type WinRmClientOptions } from "./client";
import { bootstrapCommand, bootstrapInput } from "./command-line";
import { WinRmError } from "./faults";
import { DEFAULT_MAX_SHELLS_PER_HOST, shellLimitFor } from "./limiter";

/** Retry policy for transient failures. */
export interface RetryPolicy {
    /** Attempts in total, the first included. Default 4. */
    attempts: number;
    /** Delay before the first retry in ms; it doubles after each retry. Default 500. */
    baseDelayMs: number;
    /** Largest delay in ms. Default 8000. */
    maxDelayMs: number;
}

/** Options of {@link WinRmRunner}. */
export interface WinRmRunnerOptions {
    client: WinRmClientOptions;
    /** Shells this process may hold open on the host at once. Default 5, below MaxShellsPerUser. */
    maxShellsPerHost?: number;
    /** Key of the per-host limit. Default: the endpoint's origin. */
    hostKey?: string;
    retry?: Partial<RetryPolicy>;
    /** Executable on the host: `powershell.exe` (default, Windows PowerShell 5.1) or `pwsh.exe`. */
    executable?: string;
    /** Receives one line per retry and per cleanup failure. Never given a credential. */
    log?: (message: string) => void;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

/** Failure of one attempt, with whether the script may already have started on the host. */
class AttemptFailure extends Error {
    constructor(
        readonly cause: unknown,
        readonly commandStarted: boolean,
    ) {
        super("attempt failed");
    }
}

/**
 * Runs scripts over WinRM. Scripts run one at a time on a single shell, opened on first use and
 * deleted by {@link dispose}. A transient failure (connection reset, QuotaLimit, RPC failure
 * 0x800706BE, HTTP 503) or a shell that no longer exists is retried with exponential backoff,
 * but only while the script cannot have started on the host, so a script never runs twice.
 * Authentication, TLS and configuration errors are never retried.
 */
export class WinRmRunner implements PowerShellRunner {
    readonly transport = "winrm" as const;
    readonly #client: WinRmClient;
    readonly #options: WinRmRunnerOptions;
    readonly #retry: RetryPolicy;
    readonly #stats = { shellsOpened: 0, processesStarted: 0 };
    #shell: { id: string; release: () => void } | undefined;
    #queue: Promise<unknown> = Promise.resolve();
    #disposed = false;

    constructor(options: WinRmRunnerOptions) {
        this.#options = options;
        this.#client = new WinRmClient(options.client);
        this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    }

    /** Cost counters; `roundTrips` counts HTTP requests including authentication handshakes. */
    get stats(): RunnerStats {
        return { roundTrips: this.#client.roundTrips, ...this.#stats };
    }

    /** Runs a script; concurrent calls wait for each other because they share one shell. */
    runScript(request: ScriptRequest): Promise<ScriptResult> {
        const run = this.#queue.then(() => this.#runWithRetries(request));
        this.#queue = run.catch(() => undefined);
        return run;
    }

    /** Deletes the shell and closes the connection. Safe to call more than once. */
    async dispose(): Promise<void> {
        if (this.#disposed) {
            return;
        }
        this.#disposed = true;
        await this.#queue;
        await this.#dropShell(true);
        this.#client.close();
    }

    async #runWithRetries(request: ScriptRequest): Promise<ScriptResult> {
        if (this.#disposed) {
            throw new RunnerError("protocol", `the WinRM runner for ${this.#where()} is disposed`);
        }
        const deadline = Date.now() + request.timeoutMs;
        for (let attempt = 1; ; attempt += 1) {
            try {
                return await this.#attempt(request, deadline);
            } catch (error) {
                const failure = error as AttemptFailure;
                const retryable = this.#canRetry(failure, attempt, deadline);
                if (!retryable) {
                    throw this.#toRunnerError(failure.cause, failure.commandStarted);
                }
                const delay = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
                this.#options.log?.(
                    `WinRM attempt ${attempt} on ${this.#where()} failed (${describe(failure.cause)}); retrying in ${delay} ms`,
                );
                await sleep(delay, request.signal);
            }
        }
    }

    #canRetry(failure: AttemptFailure, attempt: number, deadline: number): boolean {
        const cause = failure.cause;
        if (!(cause instanceof WinRmError) || failure.commandStarted || attempt >= this.#retry.attempts) {
            return false;
        }
        if (Date.now() >= deadline) {
            return false;
        }
        return cause.isTransient() || cause.isShellNotFound();
    }

    async #attempt(request: ScriptRequest, deadline: number): Promise<ScriptResult> {
        const controller = new AbortController();
        const timer = setTimeout(
            () => controller.abort(new TimeoutMarker()),
            Math.max(0, deadline - Date.now()),
        );
        const onAbort = (): void => controller.abort(request.signal?.reason);
        request.signal?.addEventListener("abort", onAbort, { once: true });
        let commandId: string | undefined;
        let shellId: string | undefined;
        try {
            if (request.signal?.aborted === true) {
                throw new WinRmError("aborted", "the script was aborted before it started");
            }
            shellId = await this.#ensureShell(controller.signal);
            const { command, args } = bootstrapCommand(this.#options.executable);
            commandId = await this.#client.startCommand(
                shellId,
                command,
                args,
                { consoleModeStdin: false, skipCmdShell: true },
                controller.signal,
            );
            this.#stats.processesStarted += 1;
            await this.#client.sendInput(
                shellId,
                commandId,
                bootstrapInput(request.script),
                true,
                controller.signal,
            );
            const output = await this.#client.receiveAll(shellId, commandId, deadline, controller.signal);
            return {
                stdout: output.stdout.toString("utf8"),
                stderr: output.stderr.toString("utf8"),
                exitCode: output.exitCode,
            };
        } catch (error) {
            throw await this.#failAttempt(error, controller.signal, request, shellId, commandId);
        } finally {
            clearTimeout(timer);
            request.signal?.removeEventListener("abort", onAbort);
            if (shellId !== undefined && commandId !== undefined) {
                await this.#terminate(shellId, commandId);
            }
        }
    }

    async #failAttempt(
        error: unknown,
        signal: AbortSignal,
        request: ScriptRequest,
        shellId: string | undefined,
        commandId: string | undefined,
    ): Promise<AttemptFailure> {
        const started = commandId !== undefined;
        if (signal.aborted) {
            const timedOut = signal.reason instanceof TimeoutMarker;
            const cause = timedOut
                ? new WinRmError(
                      "timeout",
                      `the script on ${this.#where()} did not finish within ${request.timeoutMs} ms`,
                  )
                : new WinRmError("aborted", `the script on ${this.#where()} was aborted`);
            return new AttemptFailure(cause, started);
        }
        if (error instanceof WinRmError && (error.isShellNotFound() || error.kind === "connection")) {
            await this.#dropShell(error.kind === "connection" && shellId !== undefined);
        }
        return new AttemptFailure(error, started);
    }

    async #ensureShell(signal: AbortSignal): Promise<string> {
        if (this.#shell !== undefined) {
            return this.#shell.id;
        }
        const limit = shellLimitFor(
            this.#hostKey(),
            this.#options.maxShellsPerHost ?? DEFAULT_MAX_SHELLS_PER_HOST,
        );
        const release = await limit.acquire();
        try {
            const id = await this.#client.createShell({ codepage: 65001, noProfile: true }, signal);
            this.#stats.shellsOpened += 1;
            this.#shell = { id, release };
            return id;
        } catch (error) {
            release();
            throw error;
        }
    }

    /** Forgets the shell and frees its slot; deletes it on the host first when `deleteRemote`. */
    async #dropShell(deleteRemote: boolean): Promise<void> {
        const shell = this.#shell;
        if (shell === undefined) {
            return;
        }
        this.#shell = undefined;
        try {
            if (deleteRemote) {
                await this.#client.deleteShell(shell.id);
            }
        } catch (error) {
            this.#options.log?.(
                `deleting WinRM shell ${shell.id} on ${this.#where()} failed: ${describe(error)}`,
            );
        } finally {
            shell.release();
        }
    }

    /** Sends the terminate signal after a command, which frees it on the host; failures are logged. */
    async #terminate(shellId: string, commandId: string): Promise<void> {
        try {
            await this.#client.signal(shellId, commandId, "terminate");
        } catch (error) {
            if (error instanceof WinRmError && error.isShellNotFound()) {
                await this.#dropShell(false);
                return;
            }
            this.#options.log?.(
                `terminating WinRM command ${commandId} on ${this.#where()} failed: ${describe(error)}`,
            );
        }
    }

    #toRunnerError(cause: unknown, commandStarted: boolean): RunnerError {
        if (!(cause instanceof WinRmError)) {
            return new RunnerError(
                "protocol",
                `the WinRM runner for ${this.#where()} failed: ${describe(cause)}`,
                undefined,
                commandStarted,
            );
        }
        return new RunnerError(runnerErrorKind(cause), cause.message, cause.code, commandStarted);
    }

    #hostKey(): string {
        return this.#options.hostKey ?? this.#client.transport.endpoint.origin;
    }

    #where(): string {
        return this.#client.transport.endpoint.origin;
    }
}

/** Maps a WinRmError to the RunnerError kind that decides retries further up. */
export function runnerErrorKind(error: WinRmError): RunnerErrorKind {
    switch (error.kind) {
        case "authentication":
        case "tls":
        case "configuration":
            return "configuration";
        case "timeout":
            return "timeout";
        case "aborted":
            return "aborted";
        default:
            return error.isTransient() ? "transient" : "protocol";
    }
}

class TimeoutMarker extends Error {}

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener(
            "abort",
            () => {
                clearTimeout(timer);
                reject(new RunnerError("aborted", "the script was aborted while waiting to retry"));
            },
            { once: true },
        );
    });
}
