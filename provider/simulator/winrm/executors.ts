// Command executors of the simulated WinRM endpoint. They run PowerShell command lines in real
// pwsh with the simulated cmdlets module, or TypeScript twins through a batch interface, and a
// few cmd.exe built-ins for pywinrm's run_cmd.

import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodePowerShellCommand, encodePowerShellCommand } from "../../winrm/command-line";

/** A command the endpoint was asked to run. */
export interface CommandSpec {
    /** `Command` and `Arguments` of the request, joined by a space. */
    commandLine: string;
    /** The command line split with Windows' rules. */
    argv: string[];
    /** WINRS_SKIP_CMD_SHELL: false means Windows would run the line through `cmd.exe /c`. */
    skipCmdShell: boolean;
    /** WINRS_CODEPAGE of the shell. */
    // NOTE: executors pass output bytes through unchanged (UTF-8 from pwsh on Linux), so a
    // shell with codepage 437 gets UTF-8 where Windows would send codepage 437 bytes.
    codepage: number;
    /** User the shell belongs to. */
    user: string;
}

/** Output target of a running command. Each method may be called from any event. */
export interface CommandSink {
    stdout(data: Buffer): void;
    stderr(data: Buffer): void;
    /** Called once, after the last output. */
    exit(code: number): void;
}

/** Handle on a started command. */
export interface RunningCommand {
    writeStdin(data: Buffer): void;
    endStdin(): void;
    /** `terminate` ends the process; `ctrl_c` interrupts it. */
    signal(kind: "terminate" | "ctrl_c"): void;
}

/** Starts commands for the endpoint. */
export interface CommandExecutor {
    start(spec: CommandSpec, sink: CommandSink): RunningCommand;
}

/** Result of a batch run. */
export interface BatchResult {
    stdout: string | Buffer;
    stderr: string | Buffer;
    exitCode: number;
}

/**
 * A simple executor: receives the whole command line and the whole stdin, and returns the whole
 * output. The TypeScript twins of the operation scripts use this form.
 */
export type BatchExecutor = (commandLine: string, stdin: Buffer) => Promise<BatchResult>;

/**
 * Adapts a {@link BatchExecutor}. The batch runs when stdin is closed (Send with End) if
 * `readsStdin(spec)` is true, and at once with empty stdin otherwise, as a process that never
 * reads stdin would. By default a command reads stdin when it is PowerShell whose decoded
 * `-EncodedCommand` text reads `[Console]::In` or `$input`.
 */
export function fromBatchExecutor(
    run: BatchExecutor,
    readsStdin: (spec: CommandSpec) => boolean = powerShellReadsStdin,
): CommandExecutor {
    return {
        start(spec, sink) {
            const stdin: Buffer[] = [];
            let started = false;
            let terminated = false;
            const begin = (): void => {
                if (started) {
                    return;
                }
                started = true;
                run(spec.commandLine, Buffer.concat(stdin)).then(
                    (result) => finishBatch(sink, result, terminated),
                    (error: Error) =>
                        finishBatch(
                            sink,
                            { stdout: "", stderr: `${error.message}\r\n`, exitCode: 1 },
                            terminated,
                        ),
                );
            };
            if (!readsStdin(spec)) {
                setImmediate(begin);
            }
            return {
                writeStdin: (data) => stdin.push(data),
                endStdin: begin,
                signal: (kind) => {
                    if (terminated) {
                        return;
                    }
                    terminated = true;
                    sink.exit(kind === "ctrl_c" ? CTRL_C_EXIT_CODE : TERMINATED_EXIT_CODE);
                },
            };
        },
    };
}

/**
 * Exit code reported for a batch command stopped by ctrl_c: STATUS_CONTROL_C_EXIT (0xC000013A) as
 * an unsigned 32-bit number.
 */
// NOTE: whether WinRS reports this value or a signed one after ctrl_c was not checked on Windows.
const CTRL_C_EXIT_CODE = 0xc000013a;

/** Exit code reported for a batch command stopped by the terminate signal. */
const TERMINATED_EXIT_CODE = 1;

function finishBatch(sink: CommandSink, result: BatchResult, terminated: boolean): void {
    if (terminated) {
        return;
    }
    sink.stdout(Buffer.from(result.stdout));
    sink.stderr(Buffer.from(result.stderr));
    sink.exit(result.exitCode);
}

/** Returns true for PowerShell command lines whose encoded script reads stdin. */
export function powerShellReadsStdin(spec: CommandSpec): boolean {
    const invocation = parsePowerShellInvocation(spec.argv);
    if (invocation === undefined) {
        return false;
    }
    const script =
        invocation.encodedCommand === undefined ? "" : decodePowerShellCommand(invocation.encodedCommand);
    return /\[Console\]::In\b|\$input\b/i.test(script) || invocation.readsScriptFromStdin;
}

/** The parts of a powershell.exe or pwsh command line that the executors need. */
export interface PowerShellInvocation {
    /** Index in argv of the value of -EncodedCommand, when present. */
    encodedCommandIndex?: number;
    encodedCommand?: string;
    /** True for `-Command -` or `-File -`. */
    readsScriptFromStdin: boolean;
}

const POWERSHELL_EXECUTABLES = new Set(["powershell", "powershell.exe", "pwsh", "pwsh.exe"]);

/** Returns true when argv[0] names Windows PowerShell or PowerShell 7, with or without a path. */
export function isPowerShell(argv: readonly string[]): boolean {
    const executable = argv[0]?.split(/[\\/]/).pop()?.toLowerCase() ?? "";
    return POWERSHELL_EXECUTABLES.has(executable);
}

/**
 * Reads the -EncodedCommand value and stdin use of a PowerShell command line. Parameter names
 * match case-insensitively by any unambiguous prefix, as powershell.exe accepts (`-enc`, `-e`).
 */
export function parsePowerShellInvocation(argv: readonly string[]): PowerShellInvocation | undefined {
    if (!isPowerShell(argv)) {
        return undefined;
    }
    for (let index = 1; index < argv.length; index += 1) {
        const name = argv[index].toLowerCase();
        if (!name.startsWith("-")) {
            continue;
        }
        if (isPrefixOf(name, "-encodedcommand", 2) || name === "-ec") {
            return {
                encodedCommandIndex: index + 1,
                encodedCommand: argv[index + 1],
                readsScriptFromStdin: false,
            };
        }
        if (isPrefixOf(name, "-command", 2) || isPrefixOf(name, "-file", 2)) {
            return { readsScriptFromStdin: argv[index + 1] === "-" };
        }
    }
    return { readsScriptFromStdin: false };
}

function isPrefixOf(candidate: string, full: string, minLength: number): boolean {
    return candidate.length >= minLength && full.startsWith(candidate);
}

/** Options of {@link pwshExecutor}. */
export interface PwshExecutorOptions {
    /** Path of the pwsh executable. */
    pwshPath: string;
    /** Module imported before every encoded script, such as the simulated cmdlets module. */
    modulePath?: string;
    /** Extra environment variables for pwsh, such as the simulated host's state file. */
    env?: Record<string, string>;
}

/**
 * Runs PowerShell command lines in real pwsh. The executable name in the command line is
 * replaced by `pwshPath`, and an -EncodedCommand script gets `Import-Module <modulePath>` in
 * front of it, so Windows-only cmdlets resolve to the simulated ones.
 */
export function pwshExecutor(options: PwshExecutorOptions): CommandExecutor {
    return {
        start(spec, sink) {
            const args = pwshArguments(spec.argv, options.modulePath);
            const child = spawn(options.pwshPath, args, {
                stdio: ["pipe", "pipe", "pipe"],
                env: { ...process.env, ...options.env },
            });
            child.stdout.on("data", (data: Buffer) => sink.stdout(data));
            child.stderr.on("data", (data: Buffer) => sink.stderr(data));
            child.stdin.on("error", () => undefined);
            child.on("error", (error) => {
                sink.stderr(Buffer.from(`${error.message}\r\n`));
                sink.exit(1);
            });
            child.on("close", (code, signal) =>
                sink.exit(code ?? (signal === null ? 1 : 128 + os.constants.signals[signal])),
            );
            return {
                writeStdin: (data) => child.stdin.write(data),
                endStdin: () => child.stdin.end(),
                signal: (kind) => child.kill(kind === "ctrl_c" ? "SIGINT" : "SIGKILL"),
            };
        },
    };
}

function pwshArguments(argv: readonly string[], modulePath: string | undefined): string[] {
    const args = argv.slice(1);
    const invocation = parsePowerShellInvocation(argv);
    const index = invocation?.encodedCommandIndex;
    if (modulePath === undefined || index === undefined || invocation?.encodedCommand === undefined) {
        return args;
    }
    const script = decodePowerShellCommand(invocation.encodedCommand);
    const quoted = modulePath.replace(/'/g, "''");
    const withModule = `Import-Module '${quoted}' -DisableNameChecking -ErrorAction Stop\n${script}`;
    args[index - 1] = encodePowerShellCommand(withModule);
    return args;
}

/**
 * Routes PowerShell command lines to `powershell` and everything else to `cmd`. A line that
 * Windows would run through cmd.exe and that starts with `powershell` is routed the same way.
 */
export function routingExecutor(executors: {
    powershell: CommandExecutor;
    cmd: CommandExecutor;
}): CommandExecutor {
    return {
        start(spec, sink) {
            const target = isPowerShell(spec.argv) ? executors.powershell : executors.cmd;
            return target.start(spec, sink);
        },
    };
}

/**
 * Returns an executor of a few cmd.exe built-ins and programs for pywinrm's run_cmd: `echo`, `whoami`, `hostname`,
 * `ver`, `exit [/b] N` and `cmd /c LINE`. Anything else gets cmd.exe's "is not recognized" error
 * and exit code 9009.
 */
export function cmdBuiltinsExecutor(hostName = "WCN-SIM"): CommandExecutor {
    return fromBatchExecutor(
        async (commandLine, _stdin) => runCmdLine(commandLine, hostName),
        () => false,
    );
}

function runCmdLine(commandLine: string, hostName: string): BatchResult {
    const line = commandLine.trim();
    const [word, ...rest] = line.split(/\s+/);
    const verb = (word ?? "").toLowerCase().replace(/\.exe$/, "");
    const restText = line.slice(word.length).trim();
    switch (verb) {
        case "echo":
            return {
                stdout: restText === "" ? "ECHO is on.\r\n" : `${restText}\r\n`,
                stderr: "",
                exitCode: 0,
            };
        case "whoami":
            return {
                stdout: `${hostName.toLowerCase()}\\${os.userInfo().username}\r\n`,
                stderr: "",
                exitCode: 0,
            };
        case "hostname":
            return { stdout: `${hostName}\r\n`, stderr: "", exitCode: 0 };
        case "ver":
            return { stdout: "\r\nMicrosoft Windows [Version 10.0.20348.2340]\r\n", stderr: "", exitCode: 0 };
        case "exit":
            return {
                stdout: "",
                stderr: "",
                exitCode: Number(rest.find((part) => /^-?\d+$/.test(part)) ?? 0),
            };
        case "cmd":
            return /^\/c$/i.test(rest[0] ?? "")
                ? runCmdLine(restText.slice(2), hostName)
                : notRecognized(word);
        default:
            return notRecognized(word ?? "");
    }
}

function notRecognized(word: string): BatchResult {
    return {
        stdout: "",
        stderr: `'${word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`,
        exitCode: 9009,
    };
}

/** Returns the path of pwsh: `WCN_PWSH`, then `~/.dotnet/tools/pwsh`, then `pwsh` on PATH; or undefined. */
export function findPwsh(): string | undefined {
    const candidates = [process.env.WCN_PWSH, path.join(os.homedir(), ".dotnet", "tools", "pwsh")];
    for (const candidate of candidates) {
        if (candidate !== undefined && candidate !== "" && fs.existsSync(candidate)) {
            return candidate;
        }
    }
    for (const folder of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(folder, "pwsh");
        if (folder !== "" && fs.existsSync(candidate)) {
            return candidate;
        }
    }
    return undefined;
}

/** Path of the simulated cmdlets module in this package. */
export const SIMULATED_HOST_MODULE = path.resolve(__dirname, "..", "powershell", "WcnSimulatedHost.psm1");
