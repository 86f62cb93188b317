// A PowerShellRunner for PowerShell remoting over SSH. node-powershell drives a local pwsh, and
// that pwsh opens one PSSession to the host (New-PSSession -SSHTransport, which starts the ssh
// client) and runs every script in it with Invoke-Command.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PowerShell } from "node-powershell";
import {
    PowerShellRunner,
    RunnerError,
    RunnerErrorKind,
    RunnerStats,
    ScriptRequest,
    ScriptResult,
} from "./runner";

/** A file given by its path, or by its content, which the runner writes to a private temporary file. */
export type FileSource = { path: string } | { content: string };

export interface SshRunnerOptions {
    /** Host name or IP address of the remote host. */
    host: string;
    /** SSH port. Defaults to 22. */
    port?: number;
    /** User name on the remote host. */
    user: string;
    /**
     * Private key for key authentication. Content is written to a mode 0600 file in a mode 0700
     * temporary folder, which `dispose()` deletes. Password authentication is never used.
     */
    privateKey: FileSource;
    /**
     * known_hosts entries for the host. Without it, ssh reads the user's ~/.ssh/known_hosts and
     * the system-wide file. Host key checking is always strict, so an unknown or changed host key
     * fails the connection instead of prompting.
     */
    knownHosts?: FileSource;
    /**
     * Local pwsh (PowerShell 7) executable: pwsh itself or a script that `exec`s it. The dotnet
     * global tool's `pwsh` is a shim that runs pwsh as a child process and does not pass signals
     * on, so disposing the shim would leave pwsh and its ssh connection running.
     */
    pwshPath: string;
    /** SSH subsystem that runs PowerShell on the host. Defaults to `powershell`. */
    subsystem?: string;
    /**
     * Time limit for starting the local pwsh and opening the session, in milliseconds. Defaults to
     * 60000. A script's own `timeoutMs` does not include this.
     */
    connectTimeoutMs?: number;
}

const DEFAULT_PORT = 22;
const DEFAULT_SUBSYSTEM = "powershell";
const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
const CLOSE_SESSION_TIMEOUT_MS = 5_000;
const KILL_WAIT_MS = 5_000;
const MAX_DETAIL_LENGTH = 600;
// A host that ssh could read as an option, a user@host pair or a second argument is rejected.
// User names may take the Windows forms DOMAIN\user and user@domain.
const HOST_PATTERN = /^[A-Za-z0-9._:%-]+$/;
const USER_PATTERN = /^[A-Za-z0-9._\\-][A-Za-z0-9._@\\$-]*$/;

/**
 * Runs scripts on one host through one PowerShell session over SSH. Scripts run one at a time in
 * call order, because a session runs one command at a time. Parallel scripts on one host need a
 * pool of runners.
 *
 * `stats.roundTrips` counts one exchange for opening the session and one per script.
 *
 * The first `runScript` starts the local pwsh and opens the session; later calls reuse both. A
 * timeout, an abort or a broken session kills the local pwsh, which ends its ssh client and so the
 * remote session and the script running in it; the next call starts over.
 */
export class SshRunner implements PowerShellRunner {
    readonly transport = "ssh" as const;
    readonly stats: RunnerStats = { roundTrips: 0, shellsOpened: 0, processesStarted: 0 };

    private readonly options: SshRunnerOptions;
    private readonly target: string;
    private shell: PowerShell | undefined;
    private sessionOpen = false;
    private queue: Promise<void> = Promise.resolve();
    private disposed = false;
    private disposing: Promise<void> | undefined;
    private tempDir: string | undefined;
    private keyFilePath: string | undefined;
    private knownHostsPath: string | undefined;

    /** Checks the options and throws a RunnerError of kind `configuration` when one is invalid. */
    constructor(options: SshRunnerOptions) {
        validateOptions(options);
        this.options = options;
        this.target = `${options.user}@${options.host}:${options.port ?? DEFAULT_PORT}`;
    }

    /**
     * Runs `request.script` in the remote session. `timeoutMs` counts from the moment this
     * runner starts the script, after any earlier script and after opening the session.
     */
    async runScript(request: ScriptRequest): Promise<ScriptResult> {
        this.throwIfUnusable(request.signal);
        const previous = this.queue;
        let release = (): void => {};
        this.queue = new Promise((resolve) => (release = resolve));
        try {
            await waitOrAbort(previous, request.signal, this.target);
            this.throwIfUnusable(request.signal);
            await this.ensureSession(request.signal);
            return await this.invokeScript(request);
        } finally {
            release();
        }
    }

    /** Removes the session, stops the local pwsh and deletes temporary key files. Safe to call more than once. */
    dispose(): Promise<void> {
        this.disposed = true;
        this.disposing ??= this.disposeOnce();
        return this.disposing;
    }

    private async disposeOnce(): Promise<void> {
        const shell = this.shell;
        if (shell !== undefined && this.sessionOpen) {
            // Removing the session lets sshd end it at once. The kill below covers a dead connection.
            const closing = shell.invoke(closeSessionCommandLine()).catch(() => undefined);
            await Promise.race([closing, delay(CLOSE_SESSION_TIMEOUT_MS)]);
        }
        await this.stopProcess();
        if (this.tempDir !== undefined) {
            fs.rmSync(this.tempDir, { recursive: true, force: true });
            this.tempDir = undefined;
        }
    }

    private throwIfUnusable(signal: AbortSignal | undefined): void {
        if (this.disposed) {
            throw new RunnerError("aborted", `SSH runner for ${this.target} is disposed`);
        }
        if (signal?.aborted) {
            throw new RunnerError("aborted", `script on ${this.target} was aborted before it started`);
        }
    }

    private async ensureSession(signal: AbortSignal | undefined): Promise<void> {
        if (this.shell !== undefined && this.sessionOpen) {
            return;
        }
        await this.stopProcess();
        const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
        const deadline = Date.now() + timeoutMs;
        const shell = this.startProcess();
        await this.invokeLimited(shell, preludeCommandLine(), deadline - Date.now(), signal, "starting pwsh");
        // Opening counts as one exchange, although ssh's key exchange and authentication take several.
        this.stats.roundTrips++;
        const output = await this.invokeLimited(
            shell,
            openSessionCommandLine(this.sessionParameters(timeoutMs)),
            deadline - Date.now(),
            signal,
            "opening the session",
        );
        const parsed = parseCommandOutput(output.stdout);
        const result = parsed.result as { opened?: boolean; failure?: ErrorInfo } | undefined;
        if (result?.opened !== true) {
            await this.stopProcess();
            throw sessionFailure(
                this.target,
                "opening the session",
                result?.failure,
                `${parsed.otherText}\n${output.stderr}`,
            );
        }
        this.stats.shellsOpened++;
        this.sessionOpen = true;
    }

    private async invokeScript(request: ScriptRequest): Promise<ScriptResult> {
        const shell = this.shell as PowerShell;
        this.stats.roundTrips++;
        const output = await this.invokeLimited(
            shell,
            invokeScriptCommandLine(request.script),
            request.timeoutMs,
            request.signal,
            "running the script",
        );
        const parsed = parseCommandOutput(output.stdout);
        const result = parsed.result as InvokeResult | undefined;
        if (result === undefined || result.failure !== null || result.state !== "Opened") {
            await this.stopProcess();
            // NOTE: `exit` in a script also lands here, because it ends the remote pwsh and so the
            // session. The kind is then `transient` although a retry runs the script again; the
            // operation scripts never call exit.
            throw sessionFailure(
                this.target,
                "running the script",
                result?.failure ?? undefined,
                `${parsed.otherText}\n${output.stderr}`,
                "the session ended while the script ran: the connection broke, or the script called exit",
            );
        }
        return scriptResultFromItems(result.items);
    }

    /**
     * Runs one command line in the local pwsh. When the time limit passes or `signal` aborts, it
     * kills pwsh (node-powershell's own timeout leaves the command running) and rejects.
     */
    private async invokeLimited(
        shell: PowerShell,
        commandLine: string,
        timeoutMs: number,
        signal: AbortSignal | undefined,
        step: string,
    ): Promise<{ stdout: string; stderr: string }> {
        const invocation = shell.invoke(commandLine);
        // Observed below; this keeps a rejection after a timeout from going unhandled.
        invocation.catch(() => undefined);
        const outcome = await raceLimit(invocation, timeoutMs, signal);
        if (outcome.kind === "timeout" || outcome.kind === "aborted") {
            await this.stopProcess();
            const reason = outcome.kind === "timeout" ? `timed out after ${timeoutMs} ms` : "was aborted";
            throw new RunnerError(outcome.kind, `${step} on ${this.target} ${reason}`);
        }
        const record = outcome.kind === "done" ? outcome.value : undefined;
        if (record?.stdout === undefined) {
            await this.stopProcess();
            if (this.disposed) {
                throw new RunnerError(
                    "aborted",
                    `${step} on ${this.target} stopped because the runner was disposed`,
                );
            }
            // The session may have started the script before the local process ended.
            throw new RunnerError(
                "transient",
                `local pwsh exited while ${step} on ${this.target}`,
                undefined,
                true,
            );
        }
        return { stdout: record.stdout.toString("utf8"), stderr: record.stderr?.toString("utf8") ?? "" };
    }

    private startProcess(): PowerShell {
        this.prepareFiles();
        // NOTE: node-powershell 5.0.1 spawns $NODE_POWERSHELL instead of `executable` when that
        // variable is set, so the kill-on-timeout guarantee depends on what it names.
        const shell = new PowerShell({
            executable: this.options.pwshPath,
            executableOptions: { "-NoProfile": true, "-NonInteractive": true },
            throwOnInvocationError: false,
            spawnOptions: {
                env: {
                    ...process.env,
                    POWERSHELL_TELEMETRY_OPTOUT: "1",
                    POWERSHELL_UPDATECHECK: "Off",
                    TERM: "dumb",
                },
            },
        });
        // node-powershell listens for only the first stdin error; a dead pwsh can raise more.
        shell.streams.stdin.on("error", () => undefined);
        this.shell = shell;
        this.sessionOpen = false;
        this.stats.processesStarted++;
        return shell;
    }

    /** Kills the local pwsh, which ends its ssh client and so the remote session. */
    private async stopProcess(): Promise<void> {
        const shell = this.shell;
        this.shell = undefined;
        this.sessionOpen = false;
        if (shell === undefined) {
            return;
        }
        const exited = shell.dispose("SIGTERM").catch(() => undefined);
        const stopped = await Promise.race([exited.then(() => true), delay(KILL_WAIT_MS).then(() => false)]);
        if (!stopped) {
            await shell.dispose("SIGKILL").catch(() => undefined);
        }
    }

    private prepareFiles(): void {
        if (this.keyFilePath !== undefined) {
            return;
        }
        const { privateKey, knownHosts } = this.options;
        if ("content" in privateKey || (knownHosts !== undefined && "content" in knownHosts)) {
            this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-ssh-runner-"));
            fs.chmodSync(this.tempDir, 0o700);
        }
        this.keyFilePath = this.materialize(privateKey, "key");
        this.knownHostsPath =
            knownHosts === undefined ? undefined : this.materialize(knownHosts, "known_hosts");
    }

    private materialize(source: FileSource, name: string): string {
        if ("path" in source) {
            return path.resolve(source.path);
        }
        const file = path.join(this.tempDir as string, name);
        // ssh rejects a private key that others can read, and the content may be a secret.
        const content = source.content.endsWith("\n") ? source.content : `${source.content}\n`;
        fs.writeFileSync(file, content, { mode: 0o600 });
        return file;
    }

    private sessionParameters(connectTimeoutMs: number): OpenSessionParameters {
        // BatchMode turns every password, passphrase and host key prompt into a failure, and
        // IdentitiesOnly keeps ssh from offering agent keys in place of the configured one.
        const sshOptions: Record<string, string> = {
            BatchMode: "yes",
            StrictHostKeyChecking: "yes",
            IdentitiesOnly: "yes",
        };
        if (this.knownHostsPath !== undefined) {
            sshOptions.UserKnownHostsFile = this.knownHostsPath;
        }
        return {
            hostName: this.options.host,
            port: this.options.port ?? DEFAULT_PORT,
            userName: this.options.user,
            keyFilePath: this.keyFilePath as string,
            subsystem: this.options.subsystem ?? DEFAULT_SUBSYSTEM,
            connectingTimeoutMs: connectTimeoutMs,
            sshOptions,
        };
    }
}

interface InvokeResult {
    items: string[];
    failure: ErrorInfo | null;
    state: string;
}

/**
 * Builds the runner's result from the remote wrapper's tagged lines. A `break` or `continue`
 * outside a loop ends the script silently and skips the wrapper's end marker, which the result
 * then reports on stderr.
 */
function scriptResultFromItems(items: string[]): ScriptResult {
    const stdout: string[] = [];
    const stderr: string[] = [];
    let completed = false;
    for (const item of items) {
        const tag = item.charAt(0);
        if (tag === "o") {
            stdout.push(item.slice(1));
        } else if (tag === "e") {
            stderr.push(item.slice(1));
        } else if (tag === "x") {
            completed = true;
        }
    }
    if (!completed) {
        stderr.push(
            "the script stopped before its end (a break or continue outside a loop?); output after that point is missing",
        );
    }
    return { stdout: stdout.join("\n"), stderr: stderr.join("\n"), exitCode: null };
}

/**
 * Classifies a failed session step from the PowerShell error and the ssh client's own messages,
 * which pwsh 7.6 copies to its console output. OpenSSH messages are not translated, so matching
 * their text works in every locale. Unknown failures count as transient.
 */
export function classifySshFailure(
    text: string,
    fallbackHint = "the SSH connection failed or broke",
): { kind: RunnerErrorKind; hint: string } {
    for (const rule of FAILURE_RULES) {
        if (rule.pattern.test(text)) {
            return { kind: rule.kind, hint: rule.hint };
        }
    }
    return { kind: "transient", hint: fallbackHint };
}

const FAILURE_RULES: { pattern: RegExp; kind: RunnerErrorKind; hint: string }[] = [
    {
        pattern: /Host key verification failed|host key is known|HOST IDENTIFICATION HAS CHANGED/i,
        kind: "configuration",
        hint: "the host key is missing from known_hosts or does not match it; add the host's key to the known_hosts setting",
    },
    {
        pattern: /Permission denied/i,
        kind: "configuration",
        hint: "the host rejected the user or private key; check the user name and that the public key is in its authorized_keys",
    },
    {
        pattern:
            /UNPROTECTED PRIVATE KEY|bad permissions|Load key|invalid format|no such identity|PathNotFound/i,
        kind: "configuration",
        hint: "the private key file is missing, unreadable, readable by others or not a private key",
    },
    {
        pattern: /Could not resolve hostname/i,
        kind: "configuration",
        hint: "the host name does not resolve",
    },
    {
        pattern: /subsystem request failed/i,
        kind: "configuration",
        hint: "the host's sshd has no PowerShell subsystem; add `Subsystem powershell <pwsh> -sshs` to its sshd_config",
    },
];

function sessionFailure(
    target: string,
    step: string,
    failure: ErrorInfo | undefined,
    sshText: string,
    fallbackHint?: string,
): RunnerError {
    const details = [sshText.trim(), failure?.message ?? ""].filter((text) => text !== "").join(" ");
    const { kind, hint } = classifySshFailure(`${details} ${failure?.errorId ?? ""}`, fallbackHint);
    const detail = details.replace(/\s+/g, " ").slice(0, MAX_DETAIL_LENGTH);
    const suffix = detail === "" ? "" : `: ${detail}`;
    return new RunnerError(kind, `${step} on ${target} failed: ${hint}${suffix}`, failure?.errorId);
}

function validateOptions(options: SshRunnerOptions): void {
    if (!HOST_PATTERN.test(options.host) || options.host.startsWith("-")) {
        throw new RunnerError(
            "configuration",
            `invalid SSH host ${JSON.stringify(options.host)}: expected a host name or IP address`,
        );
    }
    if (!USER_PATTERN.test(options.user)) {
        throw new RunnerError("configuration", `invalid SSH user ${JSON.stringify(options.user)}`);
    }
    const port = options.port ?? DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new RunnerError(
            "configuration",
            `invalid SSH port ${port}: expected an integer from 1 to 65535`,
        );
    }
    if (options.pwshPath === "") {
        throw new RunnerError(
            "configuration",
            "missing pwshPath: the SSH runner needs a local pwsh executable",
        );
    }
    if (path.isAbsolute(options.pwshPath) && !fs.existsSync(options.pwshPath)) {
        throw new RunnerError(
            "configuration",
            `pwshPath ${options.pwshPath} was not found: install PowerShell 7 on this machine or correct the path`,
        );
    }
    for (const [name, source] of [
        ["privateKey", options.privateKey],
        ["knownHosts", options.knownHosts],
    ] as const) {
        if (source !== undefined && "path" in source && /[\r\n]/.test(source.path)) {
            throw new RunnerError("configuration", `invalid ${name} path: it contains a line break`);
        }
    }
}

/** The end of a limited wait. `failed` carries the rejection of the awaited promise. */
type LimitOutcome<T> =
    | { kind: "done"; value: T }
    | { kind: "failed"; error: unknown }
    | { kind: "timeout" | "aborted" };

/** Waits for `promise`, the time limit or the abort signal, whichever comes first. */
async function raceLimit<T>(
    promise: Promise<T>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
): Promise<LimitOutcome<T>> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limits = new Promise<LimitOutcome<T>>((resolve) => {
        timer = setTimeout(() => resolve({ kind: "timeout" }), Math.max(0, timeoutMs));
        onAbort = () => resolve({ kind: "aborted" });
        if (signal?.aborted) {
            onAbort();
        }
        signal?.addEventListener("abort", onAbort, { once: true });
    });
    const settled = promise.then(
        (value): LimitOutcome<T> => ({ kind: "done", value }),
        (error: unknown): LimitOutcome<T> => ({ kind: "failed", error }),
    );
    try {
        return await Promise.race([settled, limits]);
    } finally {
        clearTimeout(timer);
        if (onAbort !== undefined) {
            signal?.removeEventListener("abort", onAbort);
        }
    }
}

/** Waits for the previous script on this runner, or rejects when `signal` aborts first. */
async function waitOrAbort(
    previous: Promise<void>,
    signal: AbortSignal | undefined,
    target: string,
): Promise<void> {
    const outcome = await raceLimit(previous, 2_147_483_647, signal);
    if (outcome.kind === "aborted") {
        throw new RunnerError(
            "aborted",
            `script on ${target} was aborted while waiting for the previous script`,
        );
    }
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- PowerShell code loaded into the local pwsh ---------------------------------------------
// It is fixed text: host names, paths and scripts reach it only as base64 arguments, never as code.

/** Prefix of the one stdout line that carries a function's base64 JSON result. */
const RESULT_PREFIX = "WCN-SSH-RESULT:";

/**
 * Runs in the remote session with the script text as its only argument. It merges every stream
 * into the output (`*>&1`) and turns each record into a tagged string, so output order survives
 * remoting and nothing depends on how objects deserialize. Tag `o` marks a stdout line and `e` a
 * stderr line, and a final `x` shows that the script ran to its end. `$PSStyle` exists from
 * PowerShell 7.2 on, where it keeps ANSI escapes out of formatted errors.
 */
const REMOTE_WRAPPER = `
$global:WcnSshRemoteWrapper = {
    param([string] $ScriptText)
    $ProgressPreference = 'SilentlyContinue'
    if ($null -ne (Get-Variable -Name PSStyle -ErrorAction SilentlyContinue)) {
        $PSStyle.OutputRendering = 'PlainText'
    }
    try {
        $block = [scriptblock]::Create($ScriptText)
        & $block *>&1 | ForEach-Object {
            $item = $_
            if ($item -is [System.Management.Automation.ErrorRecord]) {
                'e' + ($item | Out-String -Width 4096).TrimEnd()
            } elseif ($item -is [System.Management.Automation.WarningRecord]) {
                'eWARNING: ' + $item.Message
            } elseif ($item -is [System.Management.Automation.VerboseRecord]) {
                'eVERBOSE: ' + $item.Message
            } elseif ($item -is [System.Management.Automation.DebugRecord]) {
                'eDEBUG: ' + $item.Message
            } elseif ($item -is [System.Management.Automation.InformationRecord]) {
                'o' + [string] $item.MessageData
            } elseif ($item -is [string]) {
                'o' + $item
            } else {
                $item | Out-String -Stream -Width 4096 | ForEach-Object { 'o' + $_ }
            }
        }
    } catch {
        'e' + ($_ | Out-String -Width 4096).TrimEnd()
    }
    'x'
}
`;

/**
 * Functions of the local pwsh. Each one prints a single `WCN-SSH-RESULT:` line with base64 JSON,
 * so the runner reads results without depending on console encoding or formatting.
 */
const LOCAL_FUNCTIONS = `
$ProgressPreference = 'SilentlyContinue'
$PSStyle.OutputRendering = 'PlainText'
$global:WcnSshSession = $null

function global:ConvertFrom-WcnBase64([string] $Encoded) {
    [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($Encoded))
}

function global:Write-WcnResult([hashtable] $Result) {
    $json = ConvertTo-Json -InputObject $Result -Compress -Depth 5
    '${RESULT_PREFIX}' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($json))
}

function global:Get-WcnErrorInfo($ErrorRecord) {
    @{
        message = [string] $ErrorRecord.Exception.Message
        errorId = [string] $ErrorRecord.FullyQualifiedErrorId
        type = $ErrorRecord.Exception.GetType().FullName
    }
}

function global:Open-WcnSshSession([string] $EncodedParameters) {
    $parameters = ConvertFrom-WcnBase64 $EncodedParameters | ConvertFrom-Json
    $sshOptions = @{}
    foreach ($property in $parameters.sshOptions.PSObject.Properties) {
        $sshOptions[$property.Name] = [string] $property.Value
    }
    try {
        $global:WcnSshSession = New-PSSession -SSHTransport -HostName $parameters.hostName -Port $parameters.port -UserName $parameters.userName -KeyFilePath $parameters.keyFilePath -Subsystem $parameters.subsystem -ConnectingTimeout $parameters.connectingTimeoutMs -Options $sshOptions -ErrorAction Stop
        Write-WcnResult @{ opened = $true; state = [string] $global:WcnSshSession.State }
    } catch {
        Write-WcnResult @{ opened = $false; failure = (Get-WcnErrorInfo $_) }
    }
}

function global:Invoke-WcnSshScript([string] $EncodedScript) {
    $scriptText = ConvertFrom-WcnBase64 $EncodedScript
    $items = @()
    $failure = $null
    try {
        $items = @(Invoke-Command -Session $global:WcnSshSession -ScriptBlock $global:WcnSshRemoteWrapper -ArgumentList $scriptText -ErrorAction Stop)
    } catch {
        $failure = Get-WcnErrorInfo $_
    }
    Write-WcnResult @{ items = [string[]] $items; failure = $failure; state = [string] $global:WcnSshSession.State }
}

function global:Close-WcnSshSession {
    if ($null -ne $global:WcnSshSession) {
        Remove-PSSession -Session $global:WcnSshSession -ErrorAction SilentlyContinue
        $global:WcnSshSession = $null
    }
    Write-WcnResult @{ closed = $true }
}
`;

/**
 * Returns one command line that defines the local functions and the remote wrapper in the global
 * scope. node-powershell types each invocation into pwsh's stdin as lines, where multi-line code
 * can hang, so the code travels as a base64 literal that is decoded and dot-sourced.
 */
function preludeCommandLine(): string {
    return `. ([scriptblock]::Create(${decodeExpression(LOCAL_FUNCTIONS + REMOTE_WRAPPER)}))`;
}

/** Returns the command line that opens the session with the given parameters. */
function openSessionCommandLine(parameters: OpenSessionParameters): string {
    return `Open-WcnSshSession '${toBase64(JSON.stringify(parameters))}'`;
}

/** Returns the command line that runs `script` in the open session. */
function invokeScriptCommandLine(script: string): string {
    return `Invoke-WcnSshScript '${toBase64(script)}'`;
}

/** Returns the command line that removes the session. */
function closeSessionCommandLine(): string {
    return "Close-WcnSshSession";
}

/** Parameters of `New-PSSession -SSHTransport`, sent to the local pwsh as data. */
interface OpenSessionParameters {
    hostName: string;
    port: number;
    userName: string;
    keyFilePath: string;
    subsystem: string;
    connectingTimeoutMs: number;
    /** Passed to ssh as `-o name=value` through `New-PSSession -Options`. */
    sshOptions: Record<string, string>;
}

/** An error record as the local functions report it. */
interface ErrorInfo {
    message: string;
    errorId: string;
    type: string;
}

/** A command's stdout split into the function's result and the other lines, without ANSI escapes. */
interface CommandOutput {
    /** The JSON of the last `WCN-SSH-RESULT:` line, or undefined when there is none. */
    result: unknown;
    /** Other lines: pwsh prints the ssh client's own error messages there. */
    otherText: string;
}

/** Splits `stdout` of one command line into its result and the other text. */
function parseCommandOutput(stdout: string): CommandOutput {
    let result: unknown;
    const other: string[] = [];
    for (const rawLine of stdout.split(/\r?\n/)) {
        const line = rawLine.replace(ANSI_ESCAPE, "");
        const start = line.indexOf(RESULT_PREFIX);
        if (start >= 0) {
            const encoded = line.slice(start + RESULT_PREFIX.length).trim();
            result = parseJson(Buffer.from(encoded, "base64").toString("utf8"));
        } else if (line.trim() !== "") {
            other.push(line.trim());
        }
    }
    return { result, otherText: other.join("\n") };
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

// pwsh writes terminal mode sequences such as ESC[?1h even with a redirected stdout.
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/g;

function decodeExpression(text: string): string {
    return `[System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${toBase64(text)}'))`;
}

function toBase64(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}
