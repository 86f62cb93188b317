// HTTP(S) transport of the WinRM client: one keep-alive connection per endpoint, TLS verification
// against a CA or a pinned certificate fingerprint, socket timeouts, and the mapping of HTTP
// failures to WinRmError.

import { createHash, X509Certificate } from "crypto";
import * as http from "http";
import * as https from "https";
import type { Duplex } from "stream";
import * as tls from "tls";
import type { HttpRequestParts, HttpResponseParts, WinRmAuthentication } from "./auth";
import { describeFault, readFaultFromText, WinRmError } from "./faults";

/** Certificate verification settings of the client. Verification is always on. */
export interface TlsVerification {
    /** PEM CA certificates to trust in place of Node's default list. */
    ca?: Buffer;
    /**
     * SHA-256 fingerprint of the endpoint's own certificate (hex, with or without colons). When
     * set, the connection is accepted if and only if the leaf certificate matches, whatever its
     * issuer, which is how self-signed WinRM listener certificates are pinned.
     */
    fingerprintSha256?: string;
    /** Host name to check the certificate against, when it differs from the URL's host. */
    servername?: string;
}

/** Options of {@link WinRmTransport}. */
export interface TransportOptions {
    /** Endpoint URL, for example `https://host:5986/wsman`. */
    endpoint: string;
    authentication: WinRmAuthentication;
    tls?: TlsVerification;
    /**
     * Permits an authentication scheme without message encryption over plain `http://`, which
     * sends credentials and SOAP in clear text. Off by default, like Windows' AllowUnencrypted.
     */
    allowUnencrypted?: boolean;
    /** Time without any socket activity after which a request fails, in milliseconds. */
    socketTimeoutMs: number;
}

const TLS_ERROR_CODES = new Set([
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "ERR_SSL_WRONG_VERSION_NUMBER",
    "EPROTO",
    "WCN_CERT_FINGERPRINT_MISMATCH",
]);

const CONNECTION_ERROR_CODES = new Set([
    "ECONNRESET",
    "ECONNREFUSED",
    "EPIPE",
    "ECONNABORTED",
    "EHOSTUNREACH",
]);

/**
 * Sends SOAP messages to one endpoint. Requests go one at a time over a single keep-alive
 * connection, because connection-oriented schemes such as NTLM authenticate the connection.
 */
export class WinRmTransport {
    readonly endpoint: URL;
    /** HTTP requests sent, including authentication handshakes. */
    roundTrips = 0;
    readonly #options: TransportOptions;
    readonly #agent: http.Agent;

    constructor(options: TransportOptions) {
        this.endpoint = new URL(options.endpoint);
        this.#options = options;
        checkTransportSecurity(this.endpoint, options);
        this.#agent = this.endpoint.protocol === "https:" ? makeHttpsAgent(options.tls) : makeHttpAgent();
    }

    /**
     * Posts a SOAP envelope and returns the reply envelope of an HTTP 200. Throws WinRmError with
     * kind `fault` for a SOAP fault (HTTP 500, 413 and others with a fault body), `authentication`
     * for HTTP 401, and `tls`, `connection`, `timeout` or `protocol` otherwise.
     */
    async post(soap: string, signal?: AbortSignal): Promise<string> {
        const send = (request: HttpRequestParts): Promise<HttpResponseParts> => this.#send(request, signal);
        const response = await this.#options.authentication.exchange(Buffer.from(soap, "utf8"), send, {
            secure: this.endpoint.protocol === "https:",
        });
        const text = response.body.toString("utf8");
        if (response.status === 200) {
            return text;
        }
        throw this.#httpFailure(response.status, text);
    }

    /** Closes the keep-alive connection. */
    close(): void {
        this.#agent.destroy();
    }

    #httpFailure(status: number, text: string): WinRmError {
        const where = this.#describeEndpoint();
        if (status === 401) {
            return new WinRmError(
                "authentication",
                `${where} rejected the credentials of the ${this.#options.authentication.scheme} scheme (HTTP 401); ` +
                    "check the user name, the password and that the scheme is enabled on the WinRM service",
                { httpStatus: status },
            );
        }
        const fault = readFaultFromText(text);
        if (fault !== undefined) {
            return new WinRmError("fault", `${where} returned a fault: ${describeFault(fault)}`, {
                fault,
                httpStatus: status,
            });
        }
        const kind = status === 503 ? "connection" : "protocol";
        return new WinRmError(kind, `${where} returned HTTP ${status} without a SOAP fault`, {
            httpStatus: status,
        });
    }

    #send(request: HttpRequestParts, signal?: AbortSignal): Promise<HttpResponseParts> {
        this.roundTrips += 1;
        const module = this.endpoint.protocol === "https:" ? https : http;
        return new Promise((resolve, reject) => {
            const outgoing = module.request(this.endpoint, {
                method: "POST",
                agent: this.#agent,
                headers: { ...request.headers, "Content-Length": String(request.body.length) },
                signal,
            });
            outgoing.setTimeout(this.#options.socketTimeoutMs, () => {
                outgoing.destroy(new WinRmError("timeout", this.#timeoutMessage()));
            });
            outgoing.on("response", (incoming) => collectResponse(incoming, resolve, reject));
            outgoing.on("error", (error) => reject(this.#requestFailure(error)));
            outgoing.end(request.body);
        });
    }

    #timeoutMessage(): string {
        return `${this.#describeEndpoint()} sent no response within ${this.#options.socketTimeoutMs} ms`;
    }

    #requestFailure(error: Error): WinRmError {
        if (error instanceof WinRmError) {
            return error;
        }
        const code = (error as NodeJS.ErrnoException).code ?? "";
        const where = this.#describeEndpoint();
        if (error.name === "AbortError") {
            return new WinRmError("aborted", `the request to ${where} was aborted`);
        }
        if (TLS_ERROR_CODES.has(code) || code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS")) {
            return new WinRmError(
                "tls",
                `TLS with ${where} failed: ${error.message} (${code}); ` +
                    "trust the listener's CA with caFile or caConfigKey, or pin its sha256 fingerprint",
                { errno: code },
            );
        }
        if (CONNECTION_ERROR_CODES.has(code) || error.message === "socket hang up") {
            return new WinRmError("connection", `the connection to ${where} failed: ${error.message}`, {
                errno: code === "" ? "ECONNRESET" : code,
            });
        }
        return new WinRmError("connection", `the request to ${where} failed: ${error.message}`, {
            errno: code,
        });
    }

    #describeEndpoint(): string {
        return `the WinRM endpoint ${this.endpoint.origin}${this.endpoint.pathname}`;
    }
}

/**
 * Largest response body accepted. WinRM services cap envelopes at MaxEnvelopeSizekb (500 KB by
 * default), so a body many times larger means a broken or hostile peer, and reading it whole would
 * exhaust memory.
 */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function collectResponse(
    incoming: http.IncomingMessage,
    resolve: (response: HttpResponseParts) => void,
    reject: (error: Error) => void,
): void {
    const chunks: Buffer[] = [];
    let received = 0;
    incoming.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
            incoming.destroy();
            reject(
                new WinRmError(
                    "protocol",
                    `the WinRM response was larger than ${MAX_RESPONSE_BYTES} bytes, far above any envelope ` +
                        "size a WinRM service sends; the endpoint is not a WinRM listener or is misbehaving",
                ),
            );
            return;
        }
        chunks.push(chunk);
    });
    incoming.on("error", reject);
    incoming.on("end", () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
    );
}

/** Rejects plain HTTP for a scheme that does not encrypt messages, unless the caller opted in. */
function checkTransportSecurity(endpoint: URL, options: TransportOptions): void {
    if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
        throw new WinRmError("configuration", `the WinRM endpoint ${endpoint.origin} must use http or https`);
    }
    if (endpoint.protocol === "https:" || options.authentication.encryptsMessages) {
        return;
    }
    if (options.allowUnencrypted !== true) {
        throw new WinRmError(
            "configuration",
            `the WinRM endpoint ${endpoint.origin}${endpoint.pathname} uses plain http and the ` +
                `${options.authentication.scheme} scheme does not encrypt messages; use https, a scheme with ` +
                "message encryption (ntlm), or set allowUnencrypted: true to send credentials in clear text",
        );
    }
}

function makeHttpAgent(): http.Agent {
    return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

function makeHttpsAgent(verification: TlsVerification | undefined): https.Agent {
    const pin = verification?.fingerprintSha256;
    if (pin === undefined) {
        return new https.Agent({
            keepAlive: true,
            maxSockets: 1,
            ca: verification?.ca,
            servername: verification?.servername,
            rejectUnauthorized: true,
        });
    }
    return new PinnedHttpsAgent(normalizeFingerprint(pin), verification?.servername);
}

/** Returns a fingerprint as upper-case hex pairs joined by colons, as Node reports them. */
export function normalizeFingerprint(fingerprint: string): string {
    const hex = fingerprint.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
    if (hex.length !== 64) {
        throw new WinRmError(
            "configuration",
            `the certificate fingerprint has ${hex.length} hex digits; a sha256 fingerprint has 64`,
        );
    }
    return hex.match(/../g)!.join(":");
}

/**
 * An HTTPS agent that hands a socket to HTTP only after the leaf certificate matched the pinned
 * fingerprint, so no request byte is sent to an unpinned peer.
 */
class PinnedHttpsAgent extends https.Agent {
    readonly #fingerprint: string;
    readonly #servername: string | undefined;

    constructor(fingerprint: string, servername: string | undefined) {
        super({ keepAlive: true, maxSockets: 1 });
        this.#fingerprint = fingerprint;
        this.#servername = servername;
    }

    override createConnection(
        options: tls.ConnectionOptions,
        callback?: (error: Error | null, socket: Duplex) => void,
    ): Duplex | undefined {
        const socket = tls.connect({
            ...options,
            servername: this.#servername ?? options.servername,
            rejectUnauthorized: false,
        });
        let settled = false;
        const settle = (error: Error | null): void => {
            if (!settled) {
                settled = true;
                callback?.(error, socket);
            }
        };
        socket.once("secureConnect", () => {
            const fingerprint = leafFingerprint(socket);
            if (fingerprint === this.#fingerprint) {
                settle(null);
                return;
            }
            const error: NodeJS.ErrnoException = new Error(
                `the server certificate's sha256 fingerprint ${fingerprint} does not match the pinned fingerprint`,
            );
            error.code = "WCN_CERT_FINGERPRINT_MISMATCH";
            socket.destroy();
            settle(error);
        });
        socket.once("error", (error) => settle(error));
        return undefined;
    }
}

function leafFingerprint(socket: tls.TLSSocket): string {
    const raw = socket.getPeerCertificate().raw;
    if (raw === undefined) {
        return "(none)";
    }
    return createHash("sha256").update(raw).digest("hex").toUpperCase().match(/../g)!.join(":");
}

/** Returns the sha256 fingerprint of a PEM certificate in the form {@link normalizeFingerprint} returns. */
export function certificateFingerprint(pem: Buffer | string): string {
    return new X509Certificate(pem).fingerprint256;
}
