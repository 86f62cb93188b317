import type { ChildProcess } from "child_process";
import type { Socket } from "net";
import { accessSync, constants as fsConstants } from "node:fs";
import * as path from "node:path";
import { PowerShell } from "node-powershell";
import {
    RunnerError,
    type PowerShellRunner,
    type RunnerStats,
    type ScriptRequest,
    type ScriptResult,
} from "./runner";

/**
 * PowerShell on the machine the provider runs on, through node-powershell: for an agent running
 * on the Windows host itself, and for tests against the simulated cmdlets.
 *
 * node-powershell feeds commands to `-Command -` on stdin, where PowerShell runs each line as if
 * typed, so a multi-line script would run statement by statement. Each script is therefore sent
 * as one line that decodes it from base64 and invokes it as a script block. One process serves
 * every script until a timeout, an abort or dispose. A timed-out command keeps running inside
 * node-powershell, so the runner kills that process and starts a new one for the next script.
 */

export interface LocalRunnerOptions {
    /**
     * PowerShell executable: a path or a name looked up in PATH. Default `powershell.exe` on
     * Windows and `pwsh` elsewhere. NOTE: node-powershell 5.0.1 lets the NODE_POWERSHELL
     * environment variable override this value.
     */
    executablePath?: string;
    /** Imports the simulated cmdlets module before the first script, for tests. */
    simulatedHost?: SimulatedHostOptions;
    /** Extra environment variables of the PowerShell process, added to this process's environment. */
    env?: Record<string, string>;
}

export interface SimulatedHostOptions {
    /** Path of WcnSimulatedHost.psm1. */
    modulePath: string;
    /** Simulator state file, passed as WCN_SIM_STATE. */
    statePath: string;
}

/** Line that decodes a base64 UTF-8 script and runs it as one script block. */
export function buildInvocationLine(script: string): string {
    const encoded = Buffer.from(script, "utf8").toString("base64");
    return `& ([scriptblock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${encoded}'))))`;
}

/** Default executable of the platform. */
export function defaultPowerShellExecutable(): string {
    return process.platform === "win32" ? "powershell.exe" : "pwsh";
}

/** Returns the absolute path of `executable`, looked up in PATH unless it contains a folder, or undefined. */
export function findExecutable(executable: string): string | undefined {
    const candidates =
        executable.includes(path.sep) || executable.includes("/")
            ? [path.resolve(executable)]
            : (process.env.PATH ?? "")
                  .split(path.delimiter)
                  .filter((folder) => folder !== "")
                  .map((folder) => path.join(folder, executable));
    for (const candidate of candidates) {
        try {
            accessSync(candidate, process.platform === "win32" ? fsConstants.F_OK : fsConstants.X_OK);
            return candidate;
        } catch {
            // Not in this folder.
        }
    }
    return undefined;
}

/** Module import run once per process; the paths arrive through environment variables, not code. */
const IMPORT_SIMULATED_HOST = "Import-Module -Name $env:WCN_SIM_MODULE -Force -DisableNameChecking";

export class LocalPowerShellRunner implements PowerShellRunner {
    readonly transport = "local" as const;
    readonly stats: RunnerStats = { roundTrips: 0, shellsOpened: 0, processesStarted: 0 };

    private readonly executable: string;
    private shell: PowerShell | undefined;
    /** Tail of the queue: scripts run one at a time, and a script's time limit starts at its turn. */
    private queue: Promise<unknown> = Promise.resolve();
    private disposed = false;

    constructor(private readonly options: LocalRunnerOptions = {}) {
        this.executable = options.executablePath ?? defaultPowerShellExecutable();
    }

    /** Runs `request.script` in the shared PowerShell process. See PowerShellRunner.runScript. */
    runScript(request: ScriptRequest): Promise<ScriptResult> {
        const run = this.queue.catch(() => undefined).then(() => this.runNow(request));
        this.queue = run;
        return run;
    }

    /** Kills the PowerShell process. Safe to call more than once. */
    async dispose(): Promise<void> {
        this.disposed = true;
        await this.stopShell();
    }

    private async runNow(request: ScriptRequest): Promise<ScriptResult> {
        if (this.disposed) {
            throw new RunnerError("configuration", "the local PowerShell runner was disposed");
        }
        request.signal?.throwIfAborted();
        const shell = await this.ensureShell(request.timeoutMs, request.signal);
        this.stats.roundTrips += 1;
        const result = await this.invokeWithLimits(shell, buildInvocationLine(request.script), request);
        return { stdout: result.stdout, stderr: result.stderr, exitCode: null };
    }

    /** Starts the PowerShell process unless it runs, and imports the simulated module when configured. */
    private async ensureShell(timeoutMs: number, signal?: AbortSignal): Promise<PowerShell> {
        if (this.shell !== undefined) {
            return this.shell;
        }
        const executablePath = findExecutable(this.executable);
        if (executablePath === undefined) {
            throw new RunnerError(
                "configuration",
                `PowerShell executable "${this.executable}" was not found: install PowerShell or set executablePath`,
            );
        }
        const shell = new PowerShell({
            executable: executablePath,
            executableOptions: { "-NoProfile": true, "-NonInteractive": true },
            throwOnInvocationError: false,
            spawnOptions: { env: this.processEnvironment() },
        });
        // The exit promise rejects when the process is killed; nothing else awaits it.
        (shell as unknown as { exitPromise: Promise<void> }).exitPromise.catch(() => undefined);
        this.shell = shell;
        this.stats.processesStarted += 1;
        if (this.options.simulatedHost !== undefined) {
            const setup = await this.invokeWithLimits(shell, IMPORT_SIMULATED_HOST, {
                script: "",
                timeoutMs,
                signal,
            });
            if (setup.stderr.trim() !== "") {
                await this.stopShell();
                throw new RunnerError(
                    "configuration",
                    `importing the simulated host module failed: ${setup.stderr.trim()}`,
                );
            }
        }
        return shell;
    }

    private processEnvironment(): NodeJS.ProcessEnv {
        // TERM=dumb keeps .NET from writing terminal control sequences into the output.
        const env: NodeJS.ProcessEnv = { ...process.env, TERM: "dumb", ...this.options.env };
        const simulated = this.options.simulatedHost;
        if (simulated !== undefined) {
            env.WCN_SIM_MODULE = path.resolve(simulated.modulePath);
            env.WCN_SIM_STATE = path.resolve(simulated.statePath);
        }
        return env;
    }

    /**
     * Invokes one line and waits for it, at most `request.timeoutMs` and until `request.signal`
     * aborts. On timeout, abort or a process exit, the process is killed and a RunnerError thrown.
     */
    private async invokeWithLimits(
        shell: PowerShell,
        line: string,
        request: ScriptRequest,
    ): Promise<{ stdout: string; stderr: string }> {
        let timer: NodeJS.Timeout | undefined;
        let onAbort: (() => void) | undefined;
        const limits = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () =>
                    reject(
                        new RunnerError(
                            "timeout",
                            `local PowerShell script timed out after ${request.timeoutMs} ms`,
                        ),
                    ),
                request.timeoutMs,
            );
            onAbort = () => reject(new RunnerError("aborted", "local PowerShell script was aborted"));
            if (request.signal?.aborted === true) {
                onAbort();
            }
            request.signal?.addEventListener("abort", onAbort, { once: true });
        });
        try {
            setReferenced(shell, true);
            const record = await Promise.race([shell.invoke(line), limits]);
            setReferenced(shell, false);
            // node-powershell keeps every command in `history`; drop it so scripts do not accumulate.
            shell.history.length = 0;
            if (record.stdout === undefined) {
                throw new RunnerError(
                    "transient",
                    "the local PowerShell process exited while it ran a script",
                    undefined,
                    true,
                );
            }
            return { stdout: record.stdout.toString("utf8"), stderr: record.stderr?.toString("utf8") ?? "" };
        } catch (error) {
            await this.stopShell();
            if (RunnerError.isInstance(error)) {
                throw error;
            }
            throw new RunnerError("transient", describeProcessFailure(error as Error), undefined, true);
        } finally {
            clearTimeout(timer);
            if (onAbort !== undefined) {
                request.signal?.removeEventListener("abort", onAbort);
            }
        }
    }

    private async stopShell(): Promise<void> {
        const shell = this.shell;
        this.shell = undefined;
        if (shell !== undefined) {
            await shell.dispose("SIGKILL").catch(() => undefined);
        }
    }
}

/**
 * Lets an idle PowerShell process stop holding the Node event loop open, and holds it again while a
 * script runs. Without this a program that reads host facts and returns never exits, because the
 * process and its pipes keep the loop alive until someone disposes the runner.
 */
function setReferenced(shell: PowerShell, referenced: boolean): void {
    const child = (shell as unknown as { process?: ChildProcess }).process;
    if (child === undefined) {
        return;
    }
    const handles: { ref(): unknown; unref(): unknown }[] = [child];
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
        if (stream !== null && typeof (stream as unknown as Socket).unref === "function") {
            handles.push(stream as unknown as Socket);
        }
    }
    for (const handle of handles) {
        if (referenced) {
            handle.ref();
        } else {
            handle.unref();
        }
    }
}

/**
 * Describes a failure node-powershell reports for its process. Its "Shell process N exited."
 * message carries a second line with the literal text "undefined", so that case gets its own words.
 */
function describeProcessFailure(error: Error): string {
    const text = String(error.message ?? "");
    if (/process \d+ exited/i.test(text)) {
        return "the local PowerShell process ended while the script ran: the script called exit, or pwsh crashed";
    }
    return `local PowerShell process failed: ${text.replace(/\nundefined$/, "")}`;
}
