// A simulated WinRM (WS-Management) endpoint on 127.0.0.1 at /wsman. It implements the WinRS
// shell resource (Create, Command, Send, Receive, Signal, Delete) with Windows' fault codes,
// Basic authentication over HTTPS and pluggable schemes such as NTLM with message encryption.

import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import {
    ACTION,
    attributeOf,
    childNodes,
    COMMAND_STATE,
    escapeXml,
    parseDurationMs,
    parseEnvelope,
    pathNode,
    SHELL_RESOURCE_URI,
    SIGNAL,
    SoapFormatError,
    textOf,
    type ParsedEnvelope,
    type XmlNode,
} from "../../winrm/soap";
import { splitWindowsCommandLine } from "../../winrm/command-line";
import { BasicScheme, type Accounts, type AuthAccepted, type EndpointAuthScheme } from "./auth";
import type { CommandExecutor } from "./executors";
import { NegotiateScheme } from "./negotiate";
import { EndpointFault, faultReply, faults, successReply, type SoapReply } from "./replies";
import { ShellTable, SimulatedCommand, type SimulatedShell } from "./shells";

/** Options of {@link startWinRmEndpoint}. */
export interface WinRmEndpointOptions {
    /** PEM certificate and key for HTTPS; without them the endpoint speaks plain HTTP. */
    tls?: { cert: Buffer | string; key: Buffer | string };
    /** Local accounts accepted by Basic and by plugged-in schemes. */
    accounts: Accounts;
    /** Accepts Basic over plain HTTP, like Windows' AllowUnencrypted=true. Off by default. */
    allowUnencrypted?: boolean;
    /** Disables the built-in Basic scheme, like Windows' Auth/Basic=false. */
    disableBasic?: boolean;
    /** Enables NTLM through the Negotiate scheme, with message encryption over plain HTTP. */
    ntlm?: boolean;
    /** More schemes, such as Kerberos or client certificates. */
    schemes?: EndpointAuthScheme[];
    /** MaxShellsPerUser. Default 30, Windows' default since Windows Server 2012. */
    maxShellsPerUser?: number;
    /** MaxEnvelopeSizekb: requests above this many KiB get HTTP 413. Default 500, Windows' default. */
    maxEnvelopeSizeKb?: number;
    /** Maximum time in ms that a Receive waits for output, whatever the request's OperationTimeout. Default 60000. */
    maxOperationTimeoutMs?: number;
    /** Runs commands. */
    executor: CommandExecutor;
    /** Machine name written into faults. Default `WCN-SIM`. */
    machineName?: string;
    /** TCP port; 0 (the default) picks a free one. */
    port?: number;
    /**
     * Delay in ms added before the endpoint handles each HTTP request, to simulate network round
     * trip time in benchmarks. Default 0.
     */
    latencyMs?: number;
}

/** Counters of a running endpoint. */
export interface EndpointStats {
    requests: number;
    shellsCreated: number;
    commandsStarted: number;
    /** Requests rejected with HTTP 401. */
    rejected: number;
}

/** A failure the endpoint returns for the next request with a given action, for retry tests. */
export interface InjectedFailure {
    /** Action name such as `Create`, `Command` or `Receive`. */
    action: string;
    kind: "quota" | "rpc" | "reset";
}

/** A started endpoint. */
export interface SimulatedWinRmEndpoint {
    /** URL of the /wsman path, such as `https://127.0.0.1:40123/wsman`. */
    readonly url: string;
    readonly port: number;
    readonly stats: EndpointStats;
    /** Ids of open shells. */
    shellIds(): string[];
    /** Deletes a shell as an idle timeout would, so later requests for it get InvalidSelectors. */
    expireShell(shellId: string): void;
    /** Makes the next request with `failure.action` fail with that failure. */
    injectFailure(failure: InjectedFailure): void;
    /** Stops listening, closes connections and terminates every command. */
    close(): Promise<void>;
}

const DEFAULTS = { maxShellsPerUser: 30, maxEnvelopeSizeKb: 500, maxOperationTimeoutMs: 60000 } as const;

/** Bytes of a Receive reply kept free for the envelope around the base64 streams. */
const RECEIVE_OVERHEAD = 4096;

/** Starts the endpoint on 127.0.0.1. */
export async function startWinRmEndpoint(options: WinRmEndpointOptions): Promise<SimulatedWinRmEndpoint> {
    const endpoint = new EndpointState(options);
    const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
        endpoint.handle(request, response).catch((error: Error) => {
            if (!response.headersSent) {
                response.writeHead(500, { "Content-Type": "text/plain" });
            }
            response.end(`internal error of the simulated endpoint: ${error.message}`);
        });
    };
    const server =
        options.tls === undefined
            ? http.createServer(handler)
            : https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const scheme = options.tls === undefined ? "http" : "https";
    return {
        url: `${scheme}://127.0.0.1:${port}/wsman`,
        port,
        stats: endpoint.stats,
        shellIds: () => endpoint.shells.ids(),
        expireShell: (shellId) => endpoint.shells.delete(shellId),
        injectFailure: (failure) => endpoint.injected.push(failure),
        close: async () => {
            for (const id of endpoint.shells.ids()) {
                endpoint.shells.delete(id);
            }
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/** A parsed request with the header fields the handlers use. */
interface WsManRequest {
    envelope: ParsedEnvelope;
    action: string;
    messageId: string;
    user: string;
    shellId?: string;
    options: Map<string, string>;
    operationTimeoutMs: number;
    /** MaxEnvelopeSize the client accepts, in bytes. */
    maxEnvelopeSize: number;
}

class EndpointState {
    readonly stats: EndpointStats = { requests: 0, shellsCreated: 0, commandsStarted: 0, rejected: 0 };
    readonly shells: ShellTable;
    readonly injected: InjectedFailure[] = [];
    readonly #schemes: EndpointAuthScheme[];
    readonly #secure: boolean;

    constructor(private readonly options: WinRmEndpointOptions) {
        this.shells = new ShellTable(options.maxShellsPerUser ?? DEFAULTS.maxShellsPerUser);
        this.#secure = options.tls !== undefined;
        const basic = options.disableBasic === true ? [] : [new BasicScheme(options.accounts)];
        const ntlm = options.ntlm === true ? [new NegotiateScheme(options.accounts, this.#secure)] : [];
        this.#schemes = [...basic, ...ntlm, ...(options.schemes ?? [])];
    }

    async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        this.stats.requests += 1;
        const body = await readBody(request);
        const latencyMs = this.options.latencyMs ?? 0;
        if (latencyMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, latencyMs));
        }
        if (new URL(request.url ?? "/", "http://127.0.0.1").pathname.toLowerCase() !== "/wsman") {
            response.writeHead(404).end();
            return;
        }
        if (request.method !== "POST") {
            response.writeHead(405, { Allow: "POST" }).end();
            return;
        }
        const accepted = await this.#authenticate(request, body, response);
        if (accepted === undefined) {
            return;
        }
        let reply: SoapReply;
        try {
            reply = await this.#process(accepted);
        } catch (error) {
            if (error instanceof ConnectionReset) {
                request.socket.destroy();
                return;
            }
            throw error;
        }
        const protectedReply = accepted.protect(Buffer.from(reply.xml, "utf8"));
        response.writeHead(reply.status, {
            ...protectedReply.headers,
            "Content-Length": protectedReply.body.length,
        });
        response.end(protectedReply.body);
    }

    /** Returns the accepted request, or sends the response itself and returns undefined. */
    async #authenticate(
        request: http.IncomingMessage,
        body: Buffer,
        response: http.ServerResponse,
    ): Promise<AuthAccepted | undefined> {
        const scheme = this.#schemes.find((candidate) => candidate.claims(request));
        const usable =
            scheme !== undefined &&
            (this.#secure || scheme.encryptsMessages || this.options.allowUnencrypted === true);
        if (scheme === undefined || !usable) {
            this.#reject(response);
            return undefined;
        }
        const decision = await scheme.accept(request, body);
        if (decision.kind === "accepted") {
            return decision;
        }
        if (decision.status === 401 && decision.headers["WWW-Authenticate"] === undefined) {
            this.#reject(response, decision.headers);
            return undefined;
        }
        response.writeHead(decision.status, { ...decision.headers, "Content-Length": decision.body.length });
        response.end(decision.body);
        return undefined;
    }

    #reject(response: http.ServerResponse, headers: Record<string, string> = {}): void {
        this.stats.rejected += 1;
        const challenges = this.#schemes
            .filter(
                (scheme) => this.#secure || scheme.encryptsMessages || this.options.allowUnencrypted === true,
            )
            .map((scheme) => scheme.challenge);
        response.writeHead(401, { "WWW-Authenticate": challenges, "Content-Length": 0, ...headers });
        response.end();
    }

    async #process(accepted: AuthAccepted): Promise<SoapReply> {
        let messageId = "";
        try {
            this.#checkEnvelopeSize(accepted.soap);
            const parsed = this.#parse(accepted);
            messageId = parsed.messageId;
            this.#raiseInjected(parsed.action);
            return await this.#dispatch(parsed);
        } catch (error) {
            if (error instanceof EndpointFault) {
                return faultReply(error, messageId, this.options.machineName ?? "WCN-SIM");
            }
            throw error;
        }
    }

    #checkEnvelopeSize(soap: Buffer): void {
        const limitKb = this.options.maxEnvelopeSizeKb ?? DEFAULTS.maxEnvelopeSizeKb;
        if (soap.length > limitKb * 1024) {
            throw faults.envelopeTooLarge(limitKb);
        }
    }

    #raiseInjected(action: string): void {
        const name = action.split("/").pop() ?? "";
        const index = this.injected.findIndex((failure) => failure.action === name);
        if (index < 0) {
            return;
        }
        const [failure] = this.injected.splice(index, 1);
        if (failure.kind === "quota") {
            throw faults.maxShells(this.shells.maxShellsPerUser);
        }
        if (failure.kind === "rpc") {
            throw faults.rpcCallFailed();
        }
        throw new ConnectionReset();
    }

    #parse(accepted: AuthAccepted): WsManRequest {
        let envelope: ParsedEnvelope;
        try {
            envelope = parseEnvelope(accepted.soap.toString("utf8"));
        } catch (error) {
            if (error instanceof SoapFormatError) {
                throw faults.invalidRequest(`The request is not a valid SOAP envelope: ${error.message}`);
            }
            throw error;
        }
        const header = envelope.header;
        const resourceUri = textOf(pathNode(header, "ResourceURI"));
        if (resourceUri !== SHELL_RESOURCE_URI) {
            throw faults.invalidRequest(
                `The resource URI ${resourceUri || "(missing)"} is not supported by the service.`,
            );
        }
        const selectors = childNodes(pathNode(header, "SelectorSet"), "Selector");
        const shellSelector = selectors.find((node) => attributeOf(node, "Name") === "ShellId");
        const timeout = parseDurationMs(textOf(pathNode(header, "OperationTimeout"))) ?? 60000;
        return {
            envelope,
            action: textOf(pathNode(header, "Action")),
            messageId: textOf(pathNode(header, "MessageID")),
            user: accepted.user,
            shellId: shellSelector === undefined ? undefined : textOf(shellSelector),
            options: readOptions(header),
            operationTimeoutMs: Math.min(
                timeout,
                this.options.maxOperationTimeoutMs ?? DEFAULTS.maxOperationTimeoutMs,
            ),
            maxEnvelopeSize: Number(textOf(pathNode(header, "MaxEnvelopeSize"))) || 153600,
        };
    }

    async #dispatch(request: WsManRequest): Promise<SoapReply> {
        switch (request.action) {
            case ACTION.create:
                return this.#create(request);
            case ACTION.command:
                return this.#command(request);
            case ACTION.send:
                return this.#send(request);
            case ACTION.receive:
                return this.#receive(request);
            case ACTION.signal:
                return this.#signal(request);
            case ACTION.delete:
                return this.#delete(request);
            default:
                throw faults.unsupportedAction(request.action);
        }
    }

    #create(request: WsManRequest): SoapReply {
        const codepage = Number(request.options.get("WINRS_CODEPAGE") ?? "437");
        const noProfile = (request.options.get("WINRS_NOPROFILE") ?? "FALSE").toUpperCase() === "TRUE";
        if (!Number.isInteger(codepage) || codepage <= 0) {
            throw faults.invalidRequest(
                `The WINRS_CODEPAGE option value ${request.options.get("WINRS_CODEPAGE")} is invalid.`,
            );
        }
        const shell = this.shells.create(request.user, codepage, noProfile);
        this.stats.shellsCreated += 1;
        const id = escapeXml(shell.id);
        const body =
            `<x:ResourceCreated><a:Address>http://127.0.0.1/wsman</a:Address><a:ReferenceParameters>` +
            `<w:ResourceURI>${SHELL_RESOURCE_URI}</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">${id}` +
            `</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
            `<rsp:Shell><rsp:ShellId>${id}</rsp:ShellId><rsp:ResourceUri>${SHELL_RESOURCE_URI}</rsp:ResourceUri>` +
            `<rsp:Owner>${escapeXml(shell.user)}</rsp:Owner><rsp:InputStreams>stdin</rsp:InputStreams>` +
            `<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`;
        return successReply(ACTION.create, request.messageId, body);
    }

    #command(request: WsManRequest): SoapReply {
        const shell = this.#shellOf(request);
        const line = pathNode(request.envelope.body, "CommandLine");
        const command = textOf(pathNode(line, "Command"));
        const args = textOf(pathNode(line, "Arguments"));
        if (command === "") {
            throw faults.invalidRequest("The CommandLine element has no Command.");
        }
        const commandLine = args === "" ? command : `${command} ${args}`;
        const simulated = new SimulatedCommand();
        simulated.start(this.options.executor, {
            commandLine,
            argv: splitWindowsCommandLine(commandLine),
            skipCmdShell: (request.options.get("WINRS_SKIP_CMD_SHELL") ?? "FALSE").toUpperCase() === "TRUE",
            codepage: shell.codepage,
            user: shell.user,
        });
        shell.commands.set(simulated.id, simulated);
        this.stats.commandsStarted += 1;
        const body = `<rsp:CommandResponse><rsp:CommandId>${simulated.id}</rsp:CommandId></rsp:CommandResponse>`;
        return successReply(ACTION.command, request.messageId, body);
    }

    #send(request: WsManRequest): SoapReply {
        const shell = this.#shellOf(request);
        for (const stream of childNodes(pathNode(request.envelope.body, "Send"), "Stream")) {
            const command = commandOf(shell, attributeOf(stream, "CommandId") ?? "");
            if (attributeOf(stream, "Name") !== "stdin") {
                throw faults.invalidRequest(
                    `The stream ${attributeOf(stream, "Name") ?? "(unnamed)"} is not an input stream.`,
                );
            }
            const data = Buffer.from(textOf(stream), "base64");
            if (data.length > 0) {
                command.process.writeStdin(data);
            }
            if (attributeOf(stream, "End") === "true") {
                command.process.endStdin();
            }
        }
        return successReply(ACTION.send, request.messageId, "<rsp:SendResponse/>");
    }

    async #receive(request: WsManRequest): Promise<SoapReply> {
        const shell = this.#shellOf(request);
        const desired = pathNode(request.envelope.body, "Receive", "DesiredStream");
        const commandId = attributeOf(desired, "CommandId") ?? "";
        const command = commandOf(shell, commandId);
        if (!(await command.waitForActivity(request.operationTimeoutMs))) {
            throw faults.operationTimedOut();
        }
        const maxBytes = Math.max(1024, Math.floor(((request.maxEnvelopeSize - RECEIVE_OVERHEAD) / 4) * 3));
        const output = command.take(maxBytes);
        return successReply(ACTION.receive, request.messageId, receiveBody(commandId, output));
    }

    #signal(request: WsManRequest): SoapReply {
        const shell = this.#shellOf(request);
        const signalNode = pathNode(request.envelope.body, "Signal");
        const commandId = attributeOf(signalNode, "CommandId") ?? "";
        const command = commandOf(shell, commandId);
        const code = textOf(pathNode(signalNode, "Code"));
        if (code === SIGNAL.terminate) {
            command.process.signal("terminate");
            shell.commands.delete(commandId);
        } else if (code === SIGNAL.ctrlC) {
            command.process.signal("ctrl_c");
        } else {
            throw faults.invalidRequest(`The signal code ${code || "(missing)"} is not supported.`);
        }
        return successReply(ACTION.signal, request.messageId, "<rsp:SignalResponse/>");
    }

    #delete(request: WsManRequest): SoapReply {
        const shell = this.#shellOf(request);
        this.shells.delete(shell.id);
        return successReply(ACTION.delete, request.messageId, "");
    }

    #shellOf(request: WsManRequest): SimulatedShell {
        if (request.shellId === undefined) {
            throw faults.shellNotFound("(missing)");
        }
        return this.shells.get(request.shellId, request.user);
    }
}

/** Thrown by an injected failure; the server then destroys the connection without a reply. */
class ConnectionReset extends Error {}

function commandOf(shell: SimulatedShell, commandId: string): SimulatedCommand {
    const command = shell.commands.get(commandId);
    if (command === undefined) {
        throw faults.commandNotFound(commandId);
    }
    return command;
}

function readOptions(header: XmlNode): Map<string, string> {
    const options = new Map<string, string>();
    for (const option of childNodes(pathNode(header, "OptionSet"), "Option")) {
        options.set(attributeOf(option, "Name") ?? "", textOf(option));
    }
    return options;
}

function receiveBody(
    commandId: string,
    output: { stdout: Buffer; stderr: Buffer; done: boolean; exitCode: number },
): string {
    const id = escapeXml(commandId);
    const streams: string[] = [];
    if (output.stdout.length > 0) {
        streams.push(
            `<rsp:Stream Name="stdout" CommandId="${id}">${output.stdout.toString("base64")}</rsp:Stream>`,
        );
    }
    if (output.stderr.length > 0) {
        streams.push(
            `<rsp:Stream Name="stderr" CommandId="${id}">${output.stderr.toString("base64")}</rsp:Stream>`,
        );
    }
    if (output.done) {
        streams.push(`<rsp:Stream Name="stdout" CommandId="${id}" End="true"></rsp:Stream>`);
        streams.push(`<rsp:Stream Name="stderr" CommandId="${id}" End="true"></rsp:Stream>`);
    }
    const state = output.done
        ? `<rsp:CommandState CommandId="${id}" State="${COMMAND_STATE.done}"><rsp:ExitCode>${output.exitCode}</rsp:ExitCode></rsp:CommandState>`
        : `<rsp:CommandState CommandId="${id}" State="${COMMAND_STATE.running}"/>`;
    return `<rsp:ReceiveResponse>${streams.join("")}${state}</rsp:ReceiveResponse>`;
}

/** Reads a request body, keeping at most 16 MiB so an oversized request cannot exhaust memory. */
async function readBody(request: http.IncomingMessage): Promise<Buffer> {
    const limit = 16 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
        size += (chunk as Buffer).length;
        if (size <= limit) {
            chunks.push(chunk as Buffer);
        }
    }
    return Buffer.concat(chunks);
}
