// WS-Management fault codes and the error type of the WinRM client.

import {
    attributeOf,
    childNodes,
    parseEnvelope,
    pathNode,
    SoapFormatError,
    textOf,
    type XmlNode,
} from "./soap";

/** WSManFault `Code` values (decimal, as Windows writes them) that the client and endpoint use. */
export const WSMAN_FAULT = {
    /** 0x80338029: no output within OperationTimeout; a normal response to a Receive long poll. */
    operationTimedOut: "2150858793",
    /** 0x8033805B: the shell or command in the selectors does not exist (deleted or idle-expired). */
    invalidSelectors: "2150858843",
    /** 0x80338041: malformed or unsupported request content, such as an unknown option. */
    schemaValidation: "2150858817",
    /** 0x803381A5: the user already has MaxShellsPerUser shells open. */
    maxShellsPerUser: "2150859173",
    /** 0x803381A6: the user already has MaxConcurrentOperationsPerUser operations running. */
    maxOperationsPerUser: "2150859174",
    /** 0x80338111: the request is larger than the service's MaxEnvelopeSizekb. */
    maxEnvelopeSize: "2150859025",
    /** 0x800706BE (RPC_S_CALL_FAILED, Win32 1726): the remote procedure call failed. */
    rpcCallFailed: "2147944126",
} as const;

/** Fault codes after which the same request may succeed later. */
const TRANSIENT_FAULTS = new Set<string>([
    WSMAN_FAULT.maxShellsPerUser,
    WSMAN_FAULT.maxOperationsPerUser,
    WSMAN_FAULT.rpcCallFailed,
    "1726",
]);

/** SOAP subcodes after which the same request may succeed later. */
const TRANSIENT_SUBCODES = new Set<string>(["w:QuotaLimit"]);

/** Category of a failed WinRM exchange. */
export type WinRmErrorKind =
    /** The service returned a SOAP fault, stored in `details.fault`. */
    | "fault"
    /** The service rejected the credentials (HTTP 401). */
    | "authentication"
    /** The TLS handshake failed or the certificate is not trusted. */
    | "tls"
    /** The TCP connection failed or was reset. */
    | "connection"
    /** No HTTP response arrived within the socket timeout. */
    | "timeout"
    /** The client options cannot work, such as Basic over plain HTTP without opt-in. */
    | "configuration"
    /** The service returned something that is not valid WS-Management. */
    | "protocol"
    | "aborted";

/** Fields of a SOAP fault from a WS-Management service. */
export interface WsManFaultDetail {
    /** SOAP `Code/Value`, such as `s:Receiver`. */
    code: string;
    /** SOAP `Code/Subcode/Value`, such as `w:TimedOut`. */
    subcode?: string;
    /** `WSManFault/@Code`, a decimal HRESULT or Win32 code such as `2150858793`. */
    wsmanCode?: string;
    /** `Reason/Text`, or the `WSManFault/Message` when the reason is missing. */
    message: string;
}

/** A failed WinRM exchange. The message names the endpoint and never contains a credential. */
export class WinRmError extends Error {
    constructor(
        readonly kind: WinRmErrorKind,
        message: string,
        readonly details: {
            fault?: WsManFaultDetail;
            httpStatus?: number;
            /** Node.js error code such as `ECONNRESET`, for connection and TLS errors. */
            errno?: string;
        } = {},
    ) {
        super(message);
        this.name = "WinRmError";
    }

    /** The WSManFault code, or the errno for connection errors. */
    get code(): string | undefined {
        return this.details.fault?.wsmanCode ?? this.details.errno;
    }

    /** True for the `w:TimedOut` fault that ends a Receive long poll without output. */
    isOperationTimeout(): boolean {
        return this.details.fault?.wsmanCode === WSMAN_FAULT.operationTimedOut;
    }

    /** True for the fault that means the shell or command no longer exists. */
    isShellNotFound(): boolean {
        return this.details.fault?.wsmanCode === WSMAN_FAULT.invalidSelectors;
    }

    /** True when the same request may succeed after a pause: resets, quotas, RPC failures, HTTP 503. */
    isTransient(): boolean {
        if (this.kind === "connection") {
            return true;
        }
        if (this.details.httpStatus === 503) {
            return true;
        }
        const fault = this.details.fault;
        if (fault === undefined) {
            return false;
        }
        return (
            (fault.wsmanCode !== undefined && TRANSIENT_FAULTS.has(fault.wsmanCode)) ||
            (fault.subcode !== undefined && TRANSIENT_SUBCODES.has(fault.subcode))
        );
    }
}

/** Reads the SOAP fault of a parsed body, or returns undefined when the body has no `Fault`. */
export function readFault(body: XmlNode): WsManFaultDetail | undefined {
    const fault = pathNode(body, "Fault");
    if (fault === undefined) {
        return undefined;
    }
    const code = textOf(pathNode(fault, "Code", "Value"));
    const subcode = textOf(pathNode(fault, "Code", "Subcode", "Value"));
    const wsmanFault = pathNode(fault, "Detail", "WSManFault");
    const reason = childNodes(pathNode(fault, "Reason"), "Text")
        .map((text) => textOf(text))
        .join(" ");
    const detailMessage = readWsManMessage(wsmanFault);
    return {
        code,
        subcode: subcode === "" ? undefined : subcode,
        wsmanCode: attributeOf(wsmanFault, "Code"),
        message: normalizeSpace(reason !== "" ? reason : detailMessage),
    };
}

/** Reads the `WSManFault/Message` text, which may nest a `ProviderFault` with the real text. */
function readWsManMessage(wsmanFault: XmlNode | undefined): string {
    const message = pathNode(wsmanFault, "Message");
    const direct = textOf(message);
    if (direct !== "") {
        return direct;
    }
    return textOf(pathNode(message, "ProviderFault"));
}

function normalizeSpace(text: string): string {
    return text.replace(/\s+/g, " ").trim();
}

/**
 * Reads a fault from the text of an HTTP response body, such as the body of an HTTP 500 or 413.
 * Returns undefined when the body is not a SOAP envelope with a fault.
 */
export function readFaultFromText(text: string): WsManFaultDetail | undefined {
    if (!text.includes("Envelope")) {
        return undefined;
    }
    try {
        return readFault(parseEnvelope(text).body);
    } catch (error) {
        if (error instanceof SoapFormatError) {
            return undefined;
        }
        throw error;
    }
}

/** Formats a fault for an error message: reason, then the codes in brackets. */
export function describeFault(fault: WsManFaultDetail): string {
    const codes = [fault.subcode ?? fault.code];
    if (fault.wsmanCode !== undefined) {
        const hex = Number(fault.wsmanCode).toString(16).toUpperCase();
        codes.push(`code ${fault.wsmanCode} (0x${hex})`);
    }
    const message = fault.message === "" ? "(the fault has no message)" : redactServerText(fault.message);
    return `${message} [${codes.join(", ")}]`;
}

/** Maximum length of server-supplied text copied into an error message. */
const MAX_SERVER_TEXT = 600;

/**
 * Shortens text a server supplied and removes anything shaped like credentials, because a broken
 * proxy or service can echo the request's Authorization header into its fault, and the message
 * ends up in Pulumi's output.
 */
export function redactServerText(text: string): string {
    const redacted = text
        .replace(/\b(Basic|Negotiate|NTLM|Kerberos|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/gi, "$1 [redacted]")
        .replace(/(authorization\s*[:=]\s*)\S+/gi, "$1[redacted]");
    return redacted.length > MAX_SERVER_TEXT
        ? `${redacted.slice(0, MAX_SERVER_TEXT)}... (shortened)`
        : redacted;
}
