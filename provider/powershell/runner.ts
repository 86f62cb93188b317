/**
 * The contract every PowerShell transport implements: WinRM, local PowerShell through
 * node-powershell, and PowerShell remoting over SSH. A runner runs one complete script text at a
 * time and returns what the script printed; operations (see operation.ts) build the script and
 * read their JSON envelope from stdout.
 */
export interface PowerShellRunner {
    /** Transport this runner uses. */
    readonly transport: "winrm" | "local" | "ssh";
    /**
     * Runs a complete script and returns its output. Rejects with a {@link RunnerError} when the
     * transport fails or the time limit passes; a script that fails still resolves, because the
     * script reports its own failure in its envelope.
     */
    runScript(request: ScriptRequest): Promise<ScriptResult>;
    /** Closes the shell, session or process. Safe to call more than once. */
    dispose(): Promise<void>;
    /** Cost counters, for benchmarks. */
    readonly stats: RunnerStats;
}

export interface ScriptRequest {
    /** The whole script text. Input values are already inside it as base64 data, never as code. */
    script: string;
    /** Time limit for this script, in milliseconds. */
    timeoutMs: number;
    /** Aborts the script; the runner stops it and rejects. */
    signal?: AbortSignal;
}

export interface ScriptResult {
    stdout: string;
    /** Standard error text. Not a failure by itself: PowerShell writes progress records there. */
    stderr: string;
    /** Process exit code where the transport reports one. */
    exitCode: number | null;
}

/** Cost counters of a runner since it was created. */
export interface RunnerStats {
    /** Request and response exchanges with a remote peer (HTTP requests for WinRM). */
    roundTrips: number;
    /** Remote shells or sessions opened. */
    shellsOpened: number;
    /** PowerShell processes started. */
    processesStarted: number;
}

/** What kind of runner failure happened, which decides whether a retry can help. */
export type RunnerErrorKind =
    /** A connection reset, a quota limit or an RPC failure that may pass. */
    | "transient"
    /** Wrong credentials, certificate, host name or configuration: retrying cannot help. */
    | "configuration"
    | "timeout"
    | "aborted"
    | "protocol";

const BRAND = Symbol.for("pulumi-wcn/RunnerError");

/** A transport failure, with a message that names the host and never contains a credential. */
export class RunnerError extends Error {
    readonly [BRAND] = true;

    constructor(
        readonly kind: RunnerErrorKind,
        message: string,
        /** The transport's own code, such as a WS-Management fault code or errno. */
        readonly code?: string,
        /**
         * True when the failure came after the script was handed to the host, so it may have run
         * in part or whole. Such a failure is never retried, because operations are not all
         * idempotent (a restart of services must not happen twice).
         */
        readonly scriptMayHaveRun: boolean = false,
    ) {
        super(message);
        this.name = "RunnerError";
    }

    static isInstance(value: unknown): value is RunnerError {
        return (
            typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
        );
    }
}
