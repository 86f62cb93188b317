// Authentication schemes of the simulated WinRM endpoint. Basic is built in; NTLM with message
// encryption plugs in through the same interface.

import { timingSafeEqual } from "crypto";
import type { IncomingMessage } from "http";

/** A reply the scheme sends as it is: a handshake step or a rejection. */
export interface AuthReply {
    kind: "reply";
    status: number;
    headers: Record<string, string>;
    body: Buffer;
}

/** An authenticated request, with the plain SOAP text and how to protect the reply. */
export interface AuthAccepted {
    kind: "accepted";
    user: string;
    /** The request's SOAP envelope after any message decryption. */
    soap: Buffer;
    /** Turns a plain reply envelope into the HTTP body and headers to send. */
    protect(reply: Buffer): { headers: Record<string, string>; body: Buffer };
}

export type AuthDecision = AuthReply | AuthAccepted;

/** One authentication scheme of the endpoint. */
export interface EndpointAuthScheme {
    /** Value offered in `WWW-Authenticate` on a 401, such as `Basic realm="WSMAN"`. */
    readonly challenge: string;
    /** True when the scheme encrypts messages, so Windows' AllowUnencrypted=false permits it over HTTP. */
    readonly encryptsMessages: boolean;
    /** True when this request is for this scheme (by its Authorization header or content type). */
    claims(request: IncomingMessage): boolean;
    /** Authenticates the request. Credentials never appear in a reply. */
    accept(request: IncomingMessage, body: Buffer): Promise<AuthDecision>;
}

/** Local accounts of the simulated host: user name to password. */
export type Accounts = Readonly<Record<string, string>>;

/** HTTP Basic against `accounts`. */
export class BasicScheme implements EndpointAuthScheme {
    readonly challenge = 'Basic realm="WSMAN"';
    readonly encryptsMessages = false;

    constructor(private readonly accounts: Accounts) {}

    claims(request: IncomingMessage): boolean {
        return /^Basic\s/i.test(request.headers.authorization ?? "");
    }

    async accept(request: IncomingMessage, body: Buffer): Promise<AuthDecision> {
        const encoded = (request.headers.authorization ?? "").replace(/^Basic\s+/i, "");
        const decoded = Buffer.from(encoded, "base64").toString("utf8");
        const separator = decoded.indexOf(":");
        const user = separator < 0 ? "" : decoded.slice(0, separator);
        const password = separator < 0 ? "" : decoded.slice(separator + 1);
        if (!this.#matches(user, password)) {
            return { kind: "reply", status: 401, headers: {}, body: Buffer.alloc(0) };
        }
        return {
            kind: "accepted",
            user,
            soap: body,
            protect: (reply) => ({
                headers: { "Content-Type": "application/soap+xml;charset=UTF-8" },
                body: reply,
            }),
        };
    }

    #matches(user: string, password: string): boolean {
        const expected = Object.prototype.hasOwnProperty.call(this.accounts, user)
            ? this.accounts[user]
            : undefined;
        if (expected === undefined) {
            return false;
        }
        const received = Buffer.from(password, "utf8");
        const configured = Buffer.from(expected, "utf8");
        return received.length === configured.length && timingSafeEqual(received, configured);
    }
}
