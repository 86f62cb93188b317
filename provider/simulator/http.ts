import type { IncomingMessage, ServerResponse } from "node:http";
import { clientVersionTooNew, clientVersionTooOld, EngineError, invalidJsonBody } from "./errors";
import { compareApiVersions, type HostProfile } from "./profiles";

/** A request after the version prefix is stripped and the body is parsed. */
export interface EngineRequest {
    method: string;
    /** Path without the `/vX.YY` prefix, for example `/networks/create`. */
    path: string;
    /** Version from the prefix, or null for an unversioned request. */
    apiVersion: string | null;
    query: URLSearchParams;
    /** Parsed JSON body, or null when there was none. */
    body: unknown;
}

/** Route result: a status and a JSON body, a text body, or no body. */
export interface EngineReply {
    status: number;
    json?: unknown;
    text?: string;
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/** Reads the whole request body as text. */
export async function readBodyText(request: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
}

/**
 * Parses method, path, query and body. A version prefix outside the profile's supported range
 * gives the 400 error a Windows engine returns for an unsupported client version.
 */
export function parseEngineRequest(
    request: IncomingMessage,
    bodyText: string,
    profile: HostProfile,
): EngineRequest {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const versioned = VERSION_PREFIX.exec(url.pathname);
    const apiVersion = versioned === null ? null : versioned[1];
    if (apiVersion !== null) {
        checkApiVersion(apiVersion, profile);
    }
    return {
        method: request.method ?? "GET",
        path: versioned === null ? url.pathname : versioned[2],
        apiVersion,
        query: url.searchParams,
        body: parseJsonBody(bodyText),
    };
}

function checkApiVersion(requested: string, profile: HostProfile): void {
    if (compareApiVersions(requested, profile.apiVersion) > 0) {
        throw clientVersionTooNew(requested, profile.apiVersion);
    }
    if (compareApiVersions(requested, profile.minApiVersion) < 0) {
        throw clientVersionTooOld(requested, profile.minApiVersion);
    }
}

function parseJsonBody(text: string): unknown {
    if (text.trim() === "") {
        return null;
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw invalidJsonBody((error as Error).message);
    }
}

/** Headers every Windows engine response carries. */
export function engineHeaders(profile: HostProfile): Record<string, string> {
    return {
        "Api-Version": profile.apiVersion,
        "Docker-Experimental": "false",
        Ostype: "windows",
        Server: `Docker/${profile.serverVersion} (windows)`,
    };
}

/** Writes a reply; JSON bodies get `application/json`, errors the engine's `{"message": ...}` shape. */
export function writeReply(
    response: ServerResponse,
    reply: EngineReply,
    headers: Record<string, string>,
): void {
    for (const [name, value] of Object.entries(headers)) {
        response.setHeader(name, value);
    }
    response.statusCode = reply.status;
    if (reply.json !== undefined) {
        response.setHeader("Content-Type", "application/json");
        response.end(`${JSON.stringify(reply.json)}\n`);
    } else if (reply.text !== undefined) {
        response.setHeader("Content-Type", "text/plain; charset=utf-8");
        response.end(reply.text);
    } else {
        response.end();
    }
}

export function errorReply(error: EngineError): EngineReply {
    return { status: error.statusCode, json: { message: error.message } };
}
