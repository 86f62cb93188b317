// NTLM authentication for the WinRM client, through WinRM's Negotiate HTTP scheme with raw
// NTLMSSP tokens, and HTTP message encryption (MS-WSMV multipart/encrypted) over plain HTTP.
// The handshake follows pywinrm 0.3.0 with requests-ntlm: NEGOTIATE and AUTHENTICATE are sent
// with an empty body, then every SOAP message travels on the authenticated connection.

import type { AuthenticatedResponse, ExchangeContext, SendHttp, WinRmAuthentication } from "./auth";
import { SOAP_CONTENT_TYPE } from "./auth";
import { decryptMessage, ENCRYPTED_CONTENT_TYPE, encryptMessage, isEncryptedContentType } from "./encryption";
import { WinRmError } from "./faults";
import {
    createNtlmClient,
    formatNegotiateHeader,
    parseNegotiateHeader,
    type NtlmClientOptions,
} from "./ntlm";
import type { NtlmSession } from "./ntlmSession";

/** When to encrypt messages, with pywinrm's names: `auto` encrypts over http and not over https. */
export type MessageEncryption = "auto" | "always" | "never";

/** Options of {@link NtlmAuthentication}. */
export interface NtlmAuthenticationOptions {
    /** `user`, `DOMAIN\user` or `user@domain`. */
    username: string;
    password: string;
    domain?: string;
    /** Default `auto`. */
    messageEncryption?: MessageEncryption;
}

/**
 * NTLMv2 over the Negotiate scheme. The HTTP connection is authenticated once and reused; when
 * the service returns 401 on an authenticated connection (a new socket after a reset), the
 * handshake runs once more. Exchanges are serialized because sealing uses per-connection
 * sequence numbers that must match the order of requests on the wire.
 */
export class NtlmAuthentication implements WinRmAuthentication {
    readonly scheme = "ntlm";
    readonly encryptsMessages: boolean;
    readonly #options: NtlmAuthenticationOptions;
    #session: NtlmSession | undefined;
    #queue: Promise<unknown> = Promise.resolve();

    constructor(options: NtlmAuthenticationOptions) {
        this.#options = options;
        this.encryptsMessages = (options.messageEncryption ?? "auto") !== "never";
    }

    exchange(soap: Buffer, send: SendHttp, context: ExchangeContext): Promise<AuthenticatedResponse> {
        const run = this.#queue.then(() => this.#exchange(soap, send, context));
        this.#queue = run.catch(() => undefined);
        return run;
    }

    /** Keeps the credential out of `JSON.stringify` and error dumps. */
    toJSON(): object {
        return { scheme: this.scheme, username: this.#options.username };
    }

    async #exchange(soap: Buffer, send: SendHttp, context: ExchangeContext): Promise<AuthenticatedResponse> {
        const hadSession = this.#session !== undefined;
        const session = this.#session ?? (await this.#handshake(send));
        const response = await this.#sendSoap(session, soap, send, context);
        if (response.status !== 401 || !hadSession) {
            return response;
        }
        this.#session = undefined;
        return this.#sendSoap(await this.#handshake(send), soap, send, context);
    }

    async #sendSoap(
        session: NtlmSession,
        soap: Buffer,
        send: SendHttp,
        context: ExchangeContext,
    ): Promise<AuthenticatedResponse> {
        const encrypt = this.#encrypts(context);
        const response = await send({
            headers: { "Content-Type": encrypt ? ENCRYPTED_CONTENT_TYPE : SOAP_CONTENT_TYPE },
            body: encrypt ? encryptMessage(session, soap) : soap,
        });
        const contentType = headerText(response.headers["content-type"]);
        if (!isEncryptedContentType(contentType)) {
            if (encrypt && response.status === 200) {
                throw new WinRmError(
                    "protocol",
                    "the WinRM service sent an unencrypted response to an encrypted request",
                );
            }
            return response;
        }
        try {
            return { ...response, body: decryptMessage(session, response.body, contentType) };
        } catch (error) {
            throw new WinRmError(
                "protocol",
                `the encrypted reply of the WinRM service is invalid: ${(error as Error).message}`,
            );
        }
    }

    #encrypts(context: ExchangeContext): boolean {
        const mode = this.#options.messageEncryption ?? "auto";
        return mode === "always" || (mode === "auto" && !context.secure);
    }

    /** Runs NEGOTIATE, CHALLENGE and AUTHENTICATE with empty bodies and returns the session. */
    async #handshake(send: SendHttp): Promise<NtlmSession> {
        const clientOptions: NtlmClientOptions = {
            username: this.#options.username,
            password: this.#options.password,
            domain: this.#options.domain,
        };
        const client = createNtlmClient(clientOptions);
        const challengeResponse = await send({
            headers: { Authorization: formatNegotiateHeader(client.createNegotiateMessage()) },
            body: Buffer.alloc(0),
        });
        const challenge = parseNegotiateHeader(challengeResponse.headers["www-authenticate"]);
        if (challengeResponse.status !== 401 || challenge === undefined) {
            throw this.#rejected(
                challengeResponse.status,
                "did not respond to NTLM NEGOTIATE with a challenge",
            );
        }
        const authenticate = client.createAuthenticateMessage(challenge);
        const final = await send({
            headers: { Authorization: formatNegotiateHeader(authenticate) },
            body: Buffer.alloc(0),
        });
        if (final.status !== 200 || client.session === undefined) {
            throw this.#rejected(final.status, "rejected the NTLM credentials");
        }
        this.#session = client.session;
        return client.session;
    }

    #rejected(status: number, what: string): WinRmError {
        return new WinRmError(
            status === 401 ? "authentication" : "protocol",
            `the WinRM service ${what} (HTTP ${status}); check the user name, domain and password, ` +
                "and that Negotiate authentication is enabled on the service",
            { httpStatus: status },
        );
    }
}

function headerText(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}
