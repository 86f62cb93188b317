// WS-Management client for the WinRS shell: Create, Command, Send, Receive, Signal and Delete,
// with the request shapes pywinrm 0.3.0 sends and Windows accepts.

import type { WinRmAuthentication } from "./auth";
import { WinRmError } from "./faults";
import {
    ACTION,
    attributeOf,
    buildRequest,
    childNodes,
    COMMAND_STATE,
    escapeXml,
    parseEnvelope,
    pathNode,
    SHELL_RESOURCE_URI,
    SIGNAL,
    textOf,
    type ParsedEnvelope,
    type XmlNode,
} from "./soap";
import { WinRmTransport, type TlsVerification } from "./transport";

/** Client defaults, the same as pywinrm's except the UTF-8 codepage. */
export const CLIENT_DEFAULTS = {
    operationTimeoutSec: 20,
    /** Seconds added to the operation timeout for the socket timeout, as pywinrm's 20 s and 30 s. */
    socketTimeoutMarginSec: 10,
    /** Bytes; the MaxEnvelopeSize header pywinrm, pypsrp and the Ruby gem send. */
    maxEnvelopeSize: 153600,
    codepage: 65001,
} as const;

/** Bytes reserved for the SOAP header and Send element around a base64 stdin chunk. */
const SEND_ENVELOPE_OVERHEAD = 4096;

/** Options of {@link WinRmClient}. */
export interface WinRmClientOptions {
    /** Endpoint URL, such as `https://host:5986/wsman`. */
    endpoint: string;
    authentication: WinRmAuthentication;
    tls?: TlsVerification;
    /** Permits a scheme without message encryption over plain http. Off by default. */
    allowUnencrypted?: boolean;
    /** Seconds the service may hold a request, mainly a Receive long poll. Default 20. */
    operationTimeoutSec?: number;
    /** Socket inactivity timeout in milliseconds. Default: operation timeout plus 10 s. */
    socketTimeoutMs?: number;
    /**
     * Largest envelope in bytes, sent as MaxEnvelopeSize and used to size stdin chunks. It must
     * not exceed the service's MaxEnvelopeSizekb × 1024. Default 153600.
     */
    maxEnvelopeSize?: number;
}

/** Options of a new shell. */
export interface ShellOptions {
    /** Console codepage of the shell; 65001 is UTF-8. Default 65001. */
    codepage?: number;
    /** Skips loading the user profile. Default true. */
    noProfile?: boolean;
    workingDirectory?: string;
    environment?: Record<string, string>;
}

/** Options of a command in a shell. */
export interface CommandOptions {
    /** WINRS_CONSOLEMODE_STDIN: true gives the process a console as stdin, false a pipe. */
    consoleModeStdin?: boolean;
    /** WINRS_SKIP_CMD_SHELL: true starts the process directly instead of through cmd.exe /c. */
    skipCmdShell?: boolean;
}

/** Output of one Receive. */
export interface ReceiveChunk {
    stdout: Buffer;
    stderr: Buffer;
    /** True when the command has finished; `exitCode` is then set. */
    done: boolean;
    exitCode: number | null;
}

/** The complete output of a command. */
export interface CommandOutput {
    stdout: Buffer;
    stderr: Buffer;
    exitCode: number | null;
}

/** Shell operations over one transport. Each method is one HTTP round trip, except where noted. */
/** Shortest time between two Receive requests when the service returns w:TimedOut for each. */
const MIN_TIMED_OUT_POLL_MS = 500;

export class WinRmClient {
    readonly transport: WinRmTransport;
    readonly operationTimeoutSec: number;
    readonly maxEnvelopeSize: number;

    constructor(options: WinRmClientOptions) {
        this.operationTimeoutSec = options.operationTimeoutSec ?? CLIENT_DEFAULTS.operationTimeoutSec;
        this.maxEnvelopeSize = options.maxEnvelopeSize ?? CLIENT_DEFAULTS.maxEnvelopeSize;
        if (this.maxEnvelopeSize < 2 * SEND_ENVELOPE_OVERHEAD) {
            throw new WinRmError(
                "configuration",
                `maxEnvelopeSize ${this.maxEnvelopeSize} is too small; use at least ${2 * SEND_ENVELOPE_OVERHEAD} bytes`,
            );
        }
        const margin = CLIENT_DEFAULTS.socketTimeoutMarginSec;
        const socketTimeoutMs = options.socketTimeoutMs ?? (this.operationTimeoutSec + margin) * 1000;
        if (socketTimeoutMs <= this.operationTimeoutSec * 1000) {
            throw new WinRmError(
                "configuration",
                `socketTimeoutMs ${socketTimeoutMs} must exceed the operation timeout of ${this.operationTimeoutSec} s, ` +
                    "because the service may hold a Receive that long",
            );
        }
        this.transport = new WinRmTransport({
            endpoint: options.endpoint,
            authentication: options.authentication,
            tls: options.tls,
            allowUnencrypted: options.allowUnencrypted,
            socketTimeoutMs,
        });
    }

    /** HTTP requests sent so far. */
    get roundTrips(): number {
        return this.transport.roundTrips;
    }

    /** Creates a shell and returns its ShellId. */
    async createShell(options: ShellOptions = {}, signal?: AbortSignal): Promise<string> {
        const shellOptions = {
            WINRS_NOPROFILE: String(options.noProfile ?? true).toUpperCase(),
            WINRS_CODEPAGE: String(options.codepage ?? CLIENT_DEFAULTS.codepage),
        };
        const body = `<rsp:Shell>${shellBodyXml(options)}</rsp:Shell>`;
        const reply = await this.#request(ACTION.create, body, { options: shellOptions }, signal);
        const shellId = readShellId(reply.body);
        if (shellId === undefined) {
            throw new WinRmError("protocol", `${this.#where()} returned a Create response without a ShellId`);
        }
        return shellId;
    }

    /** Starts a command in a shell and returns its CommandId. `args` are joined with spaces. */
    async startCommand(
        shellId: string,
        command: string,
        args: readonly string[] = [],
        options: CommandOptions = {},
        signal?: AbortSignal,
    ): Promise<string> {
        const commandOptions = {
            WINRS_CONSOLEMODE_STDIN: String(options.consoleModeStdin ?? true).toUpperCase(),
            WINRS_SKIP_CMD_SHELL: String(options.skipCmdShell ?? false).toUpperCase(),
        };
        const argumentsXml =
            args.length === 0 ? "" : `<rsp:Arguments>${escapeXml(args.join(" "))}</rsp:Arguments>`;
        const body = `<rsp:CommandLine><rsp:Command>${escapeXml(command)}</rsp:Command>${argumentsXml}</rsp:CommandLine>`;
        const reply = await this.#request(ACTION.command, body, { shellId, options: commandOptions }, signal);
        const commandId = textOf(pathNode(reply.body, "CommandResponse", "CommandId"));
        if (commandId === "") {
            throw new WinRmError(
                "protocol",
                `${this.#where()} returned a Command response without a CommandId`,
            );
        }
        return commandId;
    }

    /**
     * Sends `data` to the command's stdin, in as many Send requests as the envelope size needs,
     * and closes stdin after the last chunk when `end` is true.
     */
    async sendInput(
        shellId: string,
        commandId: string,
        data: Buffer,
        end: boolean,
        signal?: AbortSignal,
    ): Promise<void> {
        const chunkSize = this.stdinChunkSize();
        let offset = 0;
        do {
            const chunk = data.subarray(offset, offset + chunkSize);
            offset += chunk.length;
            const last = offset >= data.length;
            const endAttribute = last && end ? ` End="true"` : "";
            const body =
                `<rsp:Send><rsp:Stream Name="stdin" CommandId="${escapeXml(commandId)}"${endAttribute}>` +
                `${chunk.toString("base64")}</rsp:Stream></rsp:Send>`;
            await this.#request(ACTION.send, body, { shellId }, signal);
        } while (offset < data.length);
    }

    /** Largest stdin chunk in bytes whose base64 form (4/3 the size) fits in one envelope. */
    stdinChunkSize(): number {
        return Math.floor((this.maxEnvelopeSize - SEND_ENVELOPE_OVERHEAD) / 4) * 3;
    }

    /**
     * Sends one Receive. The service keeps it open until output arrives or the operation timeout
     * passes, and this method returns the `w:TimedOut` fault of the latter as an empty, unfinished chunk.
     */
    async receive(shellId: string, commandId: string, signal?: AbortSignal): Promise<ReceiveChunk> {
        const body =
            `<rsp:Receive><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr` +
            `</rsp:DesiredStream></rsp:Receive>`;
        const started = Date.now();
        try {
            const reply = await this.#request(ACTION.receive, body, { shellId }, signal);
            return readReceiveChunk(reply.body);
        } catch (error) {
            if (error instanceof WinRmError && error.isOperationTimeout()) {
                // A service keeps a Receive open for the operation timeout before this fault. One that sends
                // it at once would make the loop poll as fast as the network allows, so pace it.
                const elapsed = Date.now() - started;
                if (elapsed < MIN_TIMED_OUT_POLL_MS) {
                    await new Promise((resolve) => setTimeout(resolve, MIN_TIMED_OUT_POLL_MS - elapsed));
                }
                return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), done: false, exitCode: null };
            }
            throw error;
        }
    }

    /**
     * Receives until the command is done, across as many long polls as needed. Throws WinRmError
     * `timeout` when `deadline` (epoch milliseconds) passes first.
     */
    async receiveAll(
        shellId: string,
        commandId: string,
        deadline: number = Number.POSITIVE_INFINITY,
        signal?: AbortSignal,
    ): Promise<CommandOutput> {
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        for (;;) {
            if (Date.now() > deadline) {
                throw new WinRmError(
                    "timeout",
                    `the command ${commandId} on ${this.#where()} did not finish in time`,
                );
            }
            const chunk = await this.receive(shellId, commandId, signal);
            stdout.push(chunk.stdout);
            stderr.push(chunk.stderr);
            if (chunk.done) {
                return {
                    stdout: Buffer.concat(stdout),
                    stderr: Buffer.concat(stderr),
                    exitCode: chunk.exitCode,
                };
            }
        }
    }

    /** Sends a signal to a command: `terminate` (the default) or `ctrlC` (WinRS ctrl_c). */
    async signal(
        shellId: string,
        commandId: string,
        code: keyof typeof SIGNAL = "terminate",
        signal?: AbortSignal,
    ): Promise<void> {
        const body = `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${SIGNAL[code]}</rsp:Code></rsp:Signal>`;
        await this.#request(ACTION.signal, body, { shellId }, signal);
    }

    /** Deletes a shell, ending every process in it. */
    async deleteShell(shellId: string, signal?: AbortSignal): Promise<void> {
        await this.#request(ACTION.delete, "", { shellId }, signal);
    }

    /**
     * Runs one command in a new shell: create, command, stdin, receive until done, then signal
     * and delete in `finally`, so a failure never leaves the shell behind on a reachable service.
     */
    async runInNewShell(
        command: string,
        args: readonly string[] = [],
        stdin?: Buffer,
        options: {
            shell?: ShellOptions;
            command?: CommandOptions;
            deadline?: number;
            signal?: AbortSignal;
        } = {},
    ): Promise<CommandOutput> {
        const shellId = await this.createShell(options.shell, options.signal);
        let commandId: string | undefined;
        try {
            commandId = await this.startCommand(shellId, command, args, options.command, options.signal);
            if (stdin !== undefined) {
                await this.sendInput(shellId, commandId, stdin, true, options.signal);
            }
            return await this.receiveAll(shellId, commandId, options.deadline, options.signal);
        } finally {
            await this.#cleanUp(shellId, commandId);
        }
    }

    /** Closes the HTTP connection. */
    close(): void {
        this.transport.close();
    }

    async #cleanUp(shellId: string, commandId: string | undefined): Promise<void> {
        if (commandId !== undefined) {
            await this.signal(shellId, commandId).catch(() => undefined);
        }
        await this.deleteShell(shellId).catch(() => undefined);
    }

    async #request(
        action: string,
        bodyXml: string,
        header: { shellId?: string; options?: Record<string, string> },
        signal?: AbortSignal,
    ): Promise<ParsedEnvelope> {
        const { xml } = buildRequest(
            {
                to: this.transport.endpoint.href,
                action,
                resourceUri: SHELL_RESOURCE_URI,
                maxEnvelopeSize: this.maxEnvelopeSize,
                operationTimeoutSec: this.operationTimeoutSec,
                shellId: header.shellId,
                options: header.options,
            },
            bodyXml,
        );
        const text = await this.transport.post(xml, signal);
        try {
            return parseEnvelope(text);
        } catch (error) {
            throw new WinRmError(
                "protocol",
                `${this.#where()} sent an invalid reply: ${(error as Error).message}`,
            );
        }
    }

    #where(): string {
        return `the WinRM endpoint ${this.transport.endpoint.origin}`;
    }
}

function shellBodyXml(options: ShellOptions): string {
    const parts = [
        "<rsp:InputStreams>stdin</rsp:InputStreams>",
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>",
    ];
    if (options.workingDirectory !== undefined) {
        parts.push(`<rsp:WorkingDirectory>${escapeXml(options.workingDirectory)}</rsp:WorkingDirectory>`);
    }
    if (options.environment !== undefined) {
        const variables = Object.entries(options.environment).map(
            ([name, value]) => `<rsp:Variable Name="${escapeXml(name)}">${escapeXml(value)}</rsp:Variable>`,
        );
        parts.push(`<rsp:Environment>${variables.join("")}</rsp:Environment>`);
    }
    return parts.join("");
}

/** Reads the ShellId from a Create reply: the `rsp:Shell/rsp:ShellId` or the ShellId selector. */
function readShellId(body: XmlNode): string | undefined {
    const fromShell = textOf(pathNode(body, "Shell", "ShellId"));
    if (fromShell !== "") {
        return fromShell;
    }
    const selectors = childNodes(
        pathNode(body, "ResourceCreated", "ReferenceParameters", "SelectorSet"),
        "Selector",
    );
    const selector = selectors.find((node) => attributeOf(node, "Name") === "ShellId");
    return selector === undefined ? undefined : textOf(selector);
}

/** Decodes the streams and command state of a Receive reply. */
function readReceiveChunk(body: XmlNode): ReceiveChunk {
    const response = pathNode(body, "ReceiveResponse");
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    for (const stream of childNodes(response, "Stream")) {
        const data = Buffer.from(textOf(stream), "base64");
        const name = attributeOf(stream, "Name");
        if (name === "stdout") {
            stdout.push(data);
        } else if (name === "stderr") {
            stderr.push(data);
        }
    }
    const state = pathNode(response, "CommandState");
    const done = attributeOf(state, "State") === COMMAND_STATE.done;
    const exitText = textOf(pathNode(state, "ExitCode"));
    return {
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        done,
        exitCode: done && exitText !== "" ? Number(exitText) : null,
    };
}
