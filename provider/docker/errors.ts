import {
    ALREADY_EXISTS_CODE,
    classifyUncodedText,
    findHnsMessageCode,
    toWin32Code,
    WIN32_CODE_HINTS,
    WIN32_TEXTS,
} from "../model/windowsErrors";

/** What went wrong talking to a Docker engine, as the provider decides what to do next. */
export type EngineErrorKind =
    /** The object does not exist (HTTP 404). */
    | "not-found"
    /** The object already exists, for example a network with that name (HTTP 409). */
    | "conflict"
    /** The object is in use, for example a network with containers attached. */
    | "in-use"
    /** The engine could not be reached: refused, reset, no such socket or host. */
    | "unreachable"
    /** The engine did not respond within the time limit. */
    | "timeout"
    /** The Host Networking Service (HNS) rejected the request; see `code`. */
    | "host-networking"
    /** TLS with the engine failed: an untrusted or mismatched certificate, or a rejected client certificate. */
    | "untrusted"
    /** The engine rejected the request as invalid or forbidden. */
    | "rejected"
    /** Anything else the engine reported. */
    | "engine";

const BRAND = Symbol.for("pulumi-wcn/EngineError");

/** A classified Docker engine failure whose message states what failed, on which host, and what to do. */
export class EngineError extends Error {
    readonly [BRAND] = true;
    readonly kind: EngineErrorKind;
    /** HTTP status from the engine; absent for transport failures. */
    readonly statusCode?: number;
    /**
     * Windows error code of an HNS failure as the message carries it, such as `0x57` or the HRESULT
     * `0x80070057`. For a message without a code, the Win32 code its English text stands for.
     */
    readonly code?: string;
    /** The engine's own message, as it sent it. */
    readonly engineMessage?: string;

    constructor(
        kind: EngineErrorKind,
        message: string,
        details: { statusCode?: number; code?: string; engineMessage?: string } = {},
    ) {
        super(message);
        this.name = "EngineError";
        this.kind = kind;
        this.statusCode = details.statusCode;
        this.code = details.code;
        this.engineMessage = details.engineMessage;
    }

    /** True for an EngineError from any loaded copy of this module. */
    static isInstance(value: unknown): value is EngineError {
        return (
            typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
        );
    }

    static is(value: unknown, kind: EngineErrorKind): value is EngineError {
        return EngineError.isInstance(value) && value.kind === kind;
    }
}

/** Context of a failed call, for its message. */
export interface CallContext {
    /** Host display name. */
    host: string;
    /** Operation the provider was performing, for example `create network "app"`. */
    operation: string;
}

const UNREACHABLE_CODES = [
    "ECONNREFUSED",
    "ENOENT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENOTFOUND",
    "ECONNRESET",
    "EPIPE",
    "EAI_AGAIN",
];
const TIMEOUT_CODES = ["ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNABORTED"];

/** Converts an error thrown by dockerode or by the transport into an EngineError. */
export function fromDockerError(error: unknown, context: CallContext): EngineError {
    if (EngineError.isInstance(error)) {
        return error;
    }
    const raw = (error ?? {}) as { statusCode?: number; code?: string; message?: string; json?: unknown };
    const where = `${context.operation} on host ${context.host}`;
    if (raw.statusCode === undefined) {
        return transportError(raw, where);
    }
    const engineMessage = readEngineMessage(raw);
    const details = { statusCode: raw.statusCode, engineMessage };
    const hns = classifyHnsMessage(engineMessage);
    if (hns) {
        const hint = hns.hint ?? (hns.code ? WIN32_CODE_HINTS[toWin32Code(hns.code)] : undefined);
        return new EngineError(
            hns.kind,
            `${where} failed: the host networking service reported "${engineMessage}"${hint ? `. ${hint}` : ""}`,
            { ...details, code: hns.code },
        );
    }
    const plugin = /plugin (?:"([^"]*)" )?not found/i.exec(engineMessage);
    if (plugin) {
        return new EngineError("rejected", missingDriverMessage(where, plugin[1], engineMessage), details);
    }
    switch (raw.statusCode) {
        case 404:
            return new EngineError("not-found", `${where} failed: not found (${engineMessage})`, details);
        case 409:
            return new EngineError(
                "conflict",
                `${where} failed: it already exists (${engineMessage})`,
                details,
            );
        case 403:
            if (/active endpoints/i.test(engineMessage)) {
                return new EngineError(
                    "in-use",
                    `${where} failed: containers are still attached (${engineMessage})`,
                    details,
                );
            }
            return new EngineError(
                "rejected",
                `${where} was rejected by the engine: ${engineMessage}`,
                details,
            );
        case 400:
            return new EngineError(
                "rejected",
                `${where} was rejected by the engine as invalid: ${engineMessage}`,
                details,
            );
        default:
            return new EngineError(
                "engine",
                `${where} failed with HTTP ${raw.statusCode}: ${engineMessage}`,
                details,
            );
    }
}

/**
 * Explains `plugin "X" not found`, the engine's error for a network driver it does not have. The
 * usual cause is a Linux engine behind the endpoint, or the Linux `bridge` driver on Windows.
 */
function missingDriverMessage(where: string, driver: string | undefined, engineMessage: string): string {
    const name = driver ? `"${driver}"` : "of that name";
    return (
        `${where} failed: the engine has no network driver ${name} (it reported "${engineMessage}"). ` +
        "If the driver is a Windows one (nat, transparent, l2bridge), the endpoint reaches a Linux engine: " +
        "on Docker Desktop switch to Windows containers, or point host.docker.url at the Windows engine. " +
        "A Windows engine has no bridge driver; use nat"
    );
}

function transportError(raw: { code?: string; message?: string }, where: string): EngineError {
    const code = raw.code ?? "";
    const text = raw.message ?? String(raw);
    if (TIMEOUT_CODES.includes(code) || /timed? ?out/i.test(text)) {
        return new EngineError(
            "timeout",
            `${where} timed out (${text}). The engine or the host networking service is not answering; ` +
                "check `docker info` on the host and raise host.docker.timeoutMs if the host is only slow",
        );
    }
    if (UNREACHABLE_CODES.includes(code) || /socket hang up|\bconnect E[A-Z]+/.test(text)) {
        return new EngineError(
            "unreachable",
            `${where} failed: the Docker engine is unreachable (${code || text}). Check that the docker service runs ` +
                "on the host and that host.docker.url, the port and the firewall are right",
        );
    }
    if (isTlsFailure(code, text)) {
        return new EngineError(
            "untrusted",
            `${where} failed: TLS with the engine failed (${code || text}). Check that host.docker.tls names the CA ` +
                "that signed the engine's certificate, that the certificate covers the host name or address in " +
                "host.docker.url, and that the client certificate and key belong together",
        );
    }
    return new EngineError("engine", `${where} failed: ${text}`);
}

/** Node's certificate and handshake failures, which have codes but no HTTP status. */
function isTlsFailure(code: string, text: string): boolean {
    return (
        /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code) ||
        /certificate|handshake|alert/i.test(text)
    );
}

function readEngineMessage(raw: { message?: string; json?: unknown }): string {
    const json = raw.json as { message?: unknown } | null | undefined;
    if (json && typeof json === "object" && typeof json.message === "string") {
        return json.message.trim();
    }
    if (Buffer.isBuffer(raw.json)) {
        return raw.json.toString("utf8").trim();
    }
    const fromText = /\(HTTP code \d+\) [^-]*- (.*)$/s.exec(raw.message ?? "");
    return (fromText ? fromText[1] : (raw.message ?? "")).trim();
}

/**
 * Recognizes the wrappers the Windows engine puts around HNS failures:
 * `hnsCall failed in Win32: <text> (0x57)`, `HNS failed with error : <text>`,
 * `failed during hnsCallRawResponse: ...` and a raw `{"Error":..., "ErrorCode":...}` body, and
 * the Win32 "duplicate name" text. The code comes from the message, or from the English text
 * when the message has none.
 */
export function classifyHnsMessage(
    message: string,
): { kind: EngineErrorKind; code?: string; hint?: string } | undefined {
    const isHns =
        /hnsCall|HNS failed with error|hnsCallRawResponse|"ErrorCode"\s*:|duplicate name exists/i.test(
            message,
        );
    if (!isHns) {
        return undefined;
    }
    const code = findHnsMessageCode(message);
    if (code) {
        return { kind: toWin32Code(code) === ALREADY_EXISTS_CODE ? "conflict" : "host-networking", code };
    }
    const uncoded = classifyUncodedText(message);
    if (uncoded === "already-exists") {
        return {
            kind: "conflict",
            hint:
                "An HNS or WinNAT object with that name or prefix already exists. Re-read the host's networks " +
                "(Get-HnsNetwork, Get-NetNat) and adopt or remove the conflicting object; right after a delete, wait and retry",
        };
    }
    if (uncoded === "unspecified") {
        return {
            kind: "host-networking",
            hint:
                "HNS gives no reason. On Windows Server 2016 a second nat network outside the host's NAT prefix causes it; " +
                "on endpoints it often means a published host port is taken",
        };
    }
    const known = WIN32_TEXTS.find((entry) => entry.pattern.test(message));
    return known ? { kind: "host-networking", code: known.code } : { kind: "host-networking" };
}
