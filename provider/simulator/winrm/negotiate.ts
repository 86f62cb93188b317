// NTLM through the Negotiate scheme for the simulated endpoint: connection-based authentication
// with raw NTLMSSP tokens, and MS-WSMV message encryption of requests and replies.

import type { IncomingMessage } from "http";
import type { Socket } from "net";
import {
    decryptMessage,
    ENCRYPTED_CONTENT_TYPE,
    encryptMessage,
    isEncryptedContentType,
} from "../../winrm/encryption";
import { formatNegotiateHeader, parseNegotiateHeader } from "../../winrm/ntlm";
import { createNtlmServer, type NtlmServer, type NtlmServerAuthentication } from "../../winrm/ntlmServer";
import type { NtlmSession } from "../../winrm/ntlmSession";
import type { Accounts, AuthDecision, EndpointAuthScheme } from "./auth";

/** NTLM state of one TCP connection. */
interface ConnectionState {
    pending?: NtlmServerAuthentication;
    authenticated?: { user: string; session: NtlmSession };
}

const SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";

/**
 * The Negotiate scheme with NTLM. A connection is authenticated by a NEGOTIATE and AUTHENTICATE
 * pair; later requests on it carry no Authorization header. Over plain HTTP every SOAP message
 * must be encrypted, and the reply is encrypted whenever the request was.
 */
export class NegotiateScheme implements EndpointAuthScheme {
    readonly challenge = "Negotiate";
    readonly encryptsMessages = true;
    readonly #server: NtlmServer;
    readonly #connections = new WeakMap<Socket, ConnectionState>();

    constructor(
        accounts: Accounts,
        /** True when the endpoint serves HTTPS, where unencrypted SOAP is acceptable. */
        private readonly secure: boolean,
    ) {
        this.#server = createNtlmServer({ users: accounts });
    }

    claims(request: IncomingMessage): boolean {
        if (parseNegotiateHeader(request.headers.authorization) !== undefined) {
            return true;
        }
        return this.#connections.get(request.socket)?.authenticated !== undefined;
    }

    async accept(request: IncomingMessage, body: Buffer): Promise<AuthDecision> {
        const state = this.#stateOf(request.socket);
        const token = parseNegotiateHeader(request.headers.authorization);
        if (token !== undefined) {
            return this.#handshake(state, token, body);
        }
        const authenticated = state.authenticated;
        if (authenticated === undefined) {
            return unauthorized();
        }
        return this.#acceptMessage(authenticated, request, body);
    }

    #stateOf(socket: Socket): ConnectionState {
        let state = this.#connections.get(socket);
        if (state === undefined) {
            state = {};
            this.#connections.set(socket, state);
        }
        return state;
    }

    /** Replies to NEGOTIATE with a CHALLENGE, and to AUTHENTICATE with 200 or 401. */
    #handshake(state: ConnectionState, token: Buffer, body: Buffer): AuthDecision {
        const messageType = token.length >= 12 ? token.readUInt32LE(8) : 0;
        try {
            if (messageType === 1) {
                state.authenticated = undefined;
                state.pending = this.#server.createAuthentication();
                const challenge = state.pending.createChallengeMessage(token);
                return {
                    kind: "reply",
                    status: 401,
                    headers: { "WWW-Authenticate": formatNegotiateHeader(challenge) },
                    body: Buffer.alloc(0),
                };
            }
            if (messageType === 3 && state.pending !== undefined) {
                const result = state.pending.acceptAuthenticateMessage(token);
                state.pending = undefined;
                state.authenticated = { user: result.userName, session: result.session };
                if (body.length === 0) {
                    return { kind: "reply", status: 200, headers: {}, body: Buffer.alloc(0) };
                }
                // Clients without message encryption send the SOAP message with AUTHENTICATE.
                return this.#acceptPlain(state.authenticated.user, body);
            }
        } catch {
            state.pending = undefined;
        }
        return unauthorized();
    }

    /** Accepts an unencrypted SOAP message over HTTPS; over plain HTTP it gets 401, as AllowUnencrypted=false does. */
    #acceptPlain(user: string, body: Buffer): AuthDecision {
        if (!this.secure) {
            return unauthorized();
        }
        return {
            kind: "accepted",
            user,
            soap: body,
            protect: (reply) => ({ headers: { "Content-Type": SOAP_CONTENT_TYPE }, body: reply }),
        };
    }

    #acceptMessage(
        authenticated: { user: string; session: NtlmSession },
        request: IncomingMessage,
        body: Buffer,
    ): AuthDecision {
        const contentType = request.headers["content-type"];
        if (!isEncryptedContentType(contentType)) {
            return this.#acceptPlain(authenticated.user, body);
        }
        let soap: Buffer;
        try {
            soap = decryptMessage(authenticated.session, body, contentType);
        } catch {
            return { kind: "reply", status: 400, headers: {}, body: Buffer.alloc(0) };
        }
        return {
            kind: "accepted",
            user: authenticated.user,
            soap,
            protect: (reply) => ({
                headers: { "Content-Type": ENCRYPTED_CONTENT_TYPE },
                body: encryptMessage(authenticated.session, reply),
            }),
        };
    }
}

function unauthorized(): AuthDecision {
    return { kind: "reply", status: 401, headers: {}, body: Buffer.alloc(0) };
}
