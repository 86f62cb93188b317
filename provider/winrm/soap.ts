// SOAP 1.2 envelopes of WS-Management (MS-WSMV) for the WinRS shell, shared by the client and the
// simulated endpoint. Element and action names follow what Windows and pywinrm 0.3.0 send.

import { randomUUID } from "crypto";
import { XMLParser } from "fast-xml-parser";

/** XML namespaces, under the prefixes pywinrm and Windows use. */
export const NS = {
    s: "http://www.w3.org/2003/05/soap-envelope",
    a: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    x: "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    w: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    p: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    rsp: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    f: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
} as const;

/** Resource URI of the WinRS command shell (cmd.exe and processes started from it). */
export const SHELL_RESOURCE_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";

/** WS-Transfer and WinRS action URIs. */
export const ACTION = {
    create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
    delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
    command: `${NS.rsp}/Command`,
    send: `${NS.rsp}/Send`,
    receive: `${NS.rsp}/Receive`,
    signal: `${NS.rsp}/Signal`,
    fault: "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
} as const;

/** Signal codes of the WinRS shell. */
export const SIGNAL = {
    terminate: `${NS.rsp}/signal/terminate`,
    ctrlC: `${NS.rsp}/signal/ctrl_c`,
} as const;

/** Command states in a Receive response. */
export const COMMAND_STATE = {
    running: `${NS.rsp}/CommandState/Running`,
    done: `${NS.rsp}/CommandState/Done`,
} as const;

/** Address WS-Addressing uses for "reply on this connection". */
export const ANONYMOUS_ADDRESS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

/** Escapes text for XML element content and attribute values. */
export function escapeXml(text: string): string {
    return text
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

/** Header fields of a request envelope. */
export interface RequestHeader {
    /** Endpoint URL, written to `a:To`. */
    to: string;
    action: string;
    resourceUri: string;
    /** Message id including the `uuid:` prefix; a new one is made when missing. */
    messageId?: string;
    /** Maximum response envelope size in bytes that the client accepts. */
    maxEnvelopeSize: number;
    /** Operation timeout in seconds, written as an xs:duration (`PT20S`). */
    operationTimeoutSec: number;
    /** ShellId selector, for every request after Create. */
    shellId?: string;
    /** WinRS options (`w:OptionSet`), such as `WINRS_CODEPAGE`. */
    options?: Record<string, string>;
    locale?: string;
}

/** Returns a new WS-Addressing message id (`uuid:...`). */
export function newMessageId(): string {
    return `uuid:${randomUUID().toUpperCase()}`;
}

/** Builds a complete request envelope; `bodyXml` is the already escaped content of `s:Body`. */
export function buildRequest(header: RequestHeader, bodyXml: string): { xml: string; messageId: string } {
    const messageId = header.messageId ?? newMessageId();
    const locale = escapeXml(header.locale ?? "en-US");
    const parts = [
        `<a:To>${escapeXml(header.to)}</a:To>`,
        `<a:ReplyTo><a:Address s:mustUnderstand="true">${ANONYMOUS_ADDRESS}</a:Address></a:ReplyTo>`,
        `<w:MaxEnvelopeSize s:mustUnderstand="true">${header.maxEnvelopeSize}</w:MaxEnvelopeSize>`,
        `<a:MessageID>${escapeXml(messageId)}</a:MessageID>`,
        `<w:Locale xml:lang="${locale}" s:mustUnderstand="false"/>`,
        `<p:DataLocale xml:lang="${locale}" s:mustUnderstand="false"/>`,
        `<w:OperationTimeout>PT${header.operationTimeoutSec}S</w:OperationTimeout>`,
        `<w:ResourceURI s:mustUnderstand="true">${escapeXml(header.resourceUri)}</w:ResourceURI>`,
        `<a:Action s:mustUnderstand="true">${escapeXml(header.action)}</a:Action>`,
    ];
    if (header.shellId !== undefined) {
        parts.push(
            `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(header.shellId)}</w:Selector></w:SelectorSet>`,
        );
    }
    if (header.options !== undefined) {
        const options = Object.entries(header.options).map(
            ([name, value]) => `<w:Option Name="${escapeXml(name)}">${escapeXml(value)}</w:Option>`,
        );
        parts.push(`<w:OptionSet>${options.join("")}</w:OptionSet>`);
    }
    return { xml: wrapEnvelope(parts.join(""), bodyXml), messageId };
}

/** Wraps header and body content in an `s:Envelope` that declares every namespace in {@link NS}. */
export function wrapEnvelope(headerXml: string, bodyXml: string): string {
    const declarations = Object.entries(NS)
        .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
        .join(" ");
    const body = bodyXml === "" ? "<s:Body/>" : `<s:Body>${bodyXml}</s:Body>`;
    return `<?xml version="1.0" encoding="utf-8"?><s:Envelope ${declarations}><s:Header>${headerXml}</s:Header>${body}</s:Envelope>`;
}

/**
 * A parsed XML element: attributes under `@name`, text under `#text`, children by local name
 * (namespace prefixes removed). Children that may repeat are always arrays.
 */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const REPEATED_ELEMENTS = new Set(["Stream", "Option", "Selector", "Variable", "Text"]);

const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    textNodeName: "#text",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    processEntities: true,
    isArray: (name) => REPEATED_ELEMENTS.has(name),
});

/** Raised when a message is not a well-formed SOAP envelope. */
export class SoapFormatError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SoapFormatError";
    }
}

/** A parsed envelope's header and body elements. */
export interface ParsedEnvelope {
    header: XmlNode;
    body: XmlNode;
}

/** Parses an envelope. Throws {@link SoapFormatError} when the text is not XML or has no `Envelope`. */
export function parseEnvelope(xml: string): ParsedEnvelope {
    // SOAP 1.2 forbids a document type declaration, and one is the only way to define entities.
    if (/<!DOCTYPE/i.test(xml)) {
        throw new SoapFormatError(
            "the message has a DOCTYPE, which SOAP does not allow; the peer is not a WinRM service",
        );
    }
    let document: unknown;
    try {
        document = parser.parse(xml, true);
    } catch (error) {
        throw new SoapFormatError(`the message is not well-formed XML: ${(error as Error).message}`);
    }
    const envelope = childNode(document as XmlNode, "Envelope");
    if (envelope === undefined) {
        throw new SoapFormatError("the message has no SOAP Envelope element");
    }
    return { header: childNode(envelope, "Header") ?? {}, body: childNode(envelope, "Body") ?? {} };
}

/** Returns the child element `name` as a node; an element with only text becomes `{ "#text": ... }`. */
export function childNode(node: XmlNode | undefined, name: string): XmlNode | undefined {
    const value = node?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) {
        return undefined;
    }
    if (typeof first === "string") {
        return { "#text": first };
    }
    return Array.isArray(first) ? undefined : first;
}

/** Returns every child element `name` as nodes. */
export function childNodes(node: XmlNode | undefined, name: string): XmlNode[] {
    const value = node?.[name];
    if (value === undefined) {
        return [];
    }
    const values = Array.isArray(value) ? value : [value];
    return values.map((item) => (typeof item === "string" ? { "#text": item } : (item as XmlNode)));
}

/** Returns the text content of a node, or "" when it has none. */
export function textOf(node: XmlNode | undefined): string {
    const text = node?.["#text"];
    return typeof text === "string" ? text : "";
}

/** Returns an attribute value, or undefined. Attribute names are matched without their prefix. */
export function attributeOf(node: XmlNode | undefined, name: string): string | undefined {
    const value = node?.[`@${name}`];
    return typeof value === "string" ? value : undefined;
}

/** Follows a path of child element names from `node`. */
export function pathNode(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
    let current = node;
    for (const name of names) {
        current = childNode(current, name);
    }
    return current;
}

/**
 * Parses an xs:duration of the form WS-Management uses for OperationTimeout (`PT20S`,
 * `PT20.000S`, `PT1M30S`) into milliseconds. Returns undefined for other forms.
 */
export function parseDurationMs(text: string): number | undefined {
    const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
    if (match === null) {
        return undefined;
    }
    const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
    return Math.round((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}
