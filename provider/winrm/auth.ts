// The authentication layer between the WinRM client and HTTP. Each scheme (Basic here; NTLM with
// message encryption, Kerberos and client certificates later) turns one SOAP message into one or
// more HTTP requests on the same keep-alive connection and returns the SOAP reply.

import type { IncomingHttpHeaders } from "http";

/** One HTTP request that the authentication layer passes to the transport. */
export interface HttpRequestParts {
    headers: Record<string, string>;
    body: Buffer;
}

/** One HTTP response as the transport received it. */
export interface HttpResponseParts {
    status: number;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

/** Sends one HTTP POST to the endpoint over the transport's connection. */
export type SendHttp = (request: HttpRequestParts) => Promise<HttpResponseParts>;

/** Connection facts from the transport, for schemes that depend on them. */
export interface ExchangeContext {
    /** True when the endpoint URL is https. */
    secure: boolean;
}

/** The SOAP reply after the authentication layer has removed any message encryption. */
export interface AuthenticatedResponse {
    status: number;
    headers: IncomingHttpHeaders;
    /** The plain SOAP envelope (or error body) of the reply. */
    body: Buffer;
}

/**
 * An authentication scheme. `exchange` sends `soap` through `send`, doing any handshake first,
 * and returns the final reply. It never puts a credential into an error message.
 */
export interface WinRmAuthentication {
    /** Scheme name for messages, such as `basic` or `ntlm`. */
    readonly scheme: string;
    /**
     * True when the scheme encrypts every message itself, so it is safe over plain HTTP. The
     * transport rejects plain HTTP for a scheme without message encryption unless the caller set
     * `allowUnencrypted`.
     */
    readonly encryptsMessages: boolean;
    exchange(soap: Buffer, send: SendHttp, context: ExchangeContext): Promise<AuthenticatedResponse>;
}

/** Content type of a plain SOAP message for WS-Management. */
export const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";

/** HTTP Basic authentication; WinRM accepts it for local accounts only. */
export class BasicAuthentication implements WinRmAuthentication {
    readonly scheme = "basic";
    readonly encryptsMessages = false;
    readonly #authorization: string;

    constructor(username: string, password: string) {
        this.#authorization = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
    }

    async exchange(soap: Buffer, send: SendHttp): Promise<AuthenticatedResponse> {
        const response = await send({
            headers: { Authorization: this.#authorization, "Content-Type": SOAP_CONTENT_TYPE },
            body: soap,
        });
        return response;
    }

    /** Keeps the credential out of `JSON.stringify`, `util.inspect` and error dumps. */
    toJSON(): object {
        return { scheme: this.scheme };
    }
}
