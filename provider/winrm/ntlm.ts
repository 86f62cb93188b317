/**
 * NTLMv2 client with session security (MS-NLMP), for WinRM over HTTP with Negotiate
 * authentication and message encryption.
 *
 * API:
 *
 *     createNtlmClient(options: NtlmClientOptions): NtlmClient
 *
 *     interface NtlmClientOptions {
 *         username: string;      // "user", "DOMAIN\\user" or "user@domain.example"
 *         password: string;
 *         domain?: string;       // used when `username` has no "DOMAIN\\" part; default ""
 *         workstation?: string;  // sent in AUTHENTICATE; default ""
 *     }
 *
 *     interface NtlmClient {
 *         createNegotiateMessage(): Buffer;                  // Type 1, call first
 *         createAuthenticateMessage(challenge: Buffer): Buffer; // Type 3 from the server's Type 2
 *         readonly session: NtlmSession | undefined;         // set once Type 3 was created
 *     }
 *
 *     interface NtlmSession {                                // from ntlmSession.ts
 *         seal(message: Buffer): { signature: Buffer; sealed: Buffer };
 *         unseal(sealed: Buffer, signature: Buffer): Buffer; // throws NtlmError on mismatch
 *         sign(message: Buffer): Buffer;
 *         verify(message: Buffer, signature: Buffer): void;  // throws NtlmError on mismatch
 *     }
 *
 *     formatNegotiateHeader(token: Buffer, scheme = "Negotiate"): string  // "Negotiate <base64>"
 *     parseNegotiateHeader(header: string | string[] | undefined, scheme = "Negotiate"): Buffer | undefined
 *
 * The server side is `createNtlmServer` in `ntlmServer.ts`; the HTTP body framing is in
 * `encryption.ts`. All errors are `NtlmError` and never contain passwords or keys.
 *
 * WinRM's Negotiate scheme accepts raw NTLMSSP tokens (no SPNEGO wrapping), which is what
 * pywinrm sends: `Authorization: Negotiate <base64 NTLMSSP message>`.
 */

import * as crypto from "crypto";

import { computeLmV2Response, computeNtlmV2Response, hmacMd5, ntowfV2, Rc4, toFileTime } from "./ntlmCrypto";
import {
    AV_FLAG_MIC_PRESENT,
    AvId,
    AvPair,
    decodeChallengeMessage,
    encodeAuthenticateMessage,
    encodeAvPairs,
    encodeNegotiateMessage,
    findAvPair,
    NegotiateFlags,
    NtlmError,
} from "./ntlmMessages";
import { createNtlmSession, NtlmSession } from "./ntlmSession";

export { NtlmError, NegotiateFlags } from "./ntlmMessages";
export {
    createNtlmSession,
    NtlmSession,
    NtlmSessionOptions,
    SealedMessage,
    NTLM_SIGNATURE_LENGTH,
} from "./ntlmSession";

/** Options of `createNtlmClient`. */
export interface NtlmClientOptions {
    /** "user", "DOMAIN\\user" (the domain part wins over `domain`) or a UPN "user@domain". */
    readonly username: string;
    readonly password: string;
    /** Domain of the account; "" (the default) lets a standalone server use its local accounts. */
    readonly domain?: string;
    /** Name of the client machine sent in AUTHENTICATE_MESSAGE; default "". */
    readonly workstation?: string;
    /** Source of random bytes; tests set it to reproduce fixed vectors. Default `crypto.randomBytes`. */
    readonly randomBytes?: (size: number) => Buffer;
    /** Clock used when the server sends no MsvAvTimestamp. Default `() => new Date()`. */
    readonly now?: () => Date;
}

/** Client side of one NTLM authentication; create one per HTTP connection. */
export interface NtlmClient {
    /** Builds the NEGOTIATE_MESSAGE. Call it once, first. */
    createNegotiateMessage(): Buffer;
    /**
     * Parses the server's CHALLENGE_MESSAGE and builds the AUTHENTICATE_MESSAGE with an NTLMv2
     * response, key exchange and, when the server sent MsvAvTimestamp, a MIC. Afterwards
     * `session` is set. Throws `NtlmError` when the challenge is malformed or the server does
     * not offer signing, sealing and extended session security.
     */
    createAuthenticateMessage(challengeMessage: Buffer): Buffer;
    /** Session security, available after `createAuthenticateMessage`. */
    readonly session: NtlmSession | undefined;
}

/**
 * Flags of the NEGOTIATE_MESSAGE: NTLMv2 with extended session security, 128-bit sealing and key
 * exchange. pywinrm 0.3.0 (ntlm-auth 1.4.0) sends this set without UNICODE, REQUEST_TARGET and
 * NEGOTIATE_NTLM.
 */
export const CLIENT_NEGOTIATE_FLAGS =
    NegotiateFlags.NEGOTIATE_UNICODE |
    NegotiateFlags.NEGOTIATE_OEM |
    NegotiateFlags.REQUEST_TARGET |
    NegotiateFlags.NEGOTIATE_SIGN |
    NegotiateFlags.NEGOTIATE_SEAL |
    NegotiateFlags.NEGOTIATE_NTLM |
    NegotiateFlags.NEGOTIATE_ALWAYS_SIGN |
    NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY |
    NegotiateFlags.NEGOTIATE_TARGET_INFO |
    NegotiateFlags.NEGOTIATE_VERSION |
    NegotiateFlags.NEGOTIATE_128 |
    NegotiateFlags.NEGOTIATE_KEY_EXCH |
    NegotiateFlags.NEGOTIATE_56;

const REQUIRED_SERVER_FLAGS =
    NegotiateFlags.NEGOTIATE_SIGN |
    NegotiateFlags.NEGOTIATE_SEAL |
    NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY;

/** Splits "DOMAIN\\user" into domain and user; other forms keep `defaultDomain`. */
export function splitUserName(username: string, defaultDomain: string): { user: string; domain: string } {
    const separator = username.indexOf("\\");
    if (separator >= 0) {
        return { domain: username.slice(0, separator), user: username.slice(separator + 1) };
    }
    return { user: username, domain: defaultDomain };
}

/** Creates an NTLM client for one authentication. */
export function createNtlmClient(options: NtlmClientOptions): NtlmClient {
    const { user, domain } = splitUserName(options.username, options.domain ?? "");
    if (user.length === 0) {
        throw new NtlmError("NTLM user name is empty; anonymous authentication is not supported");
    }
    const workstation = options.workstation ?? "";
    const randomBytes = options.randomBytes ?? ((size: number) => crypto.randomBytes(size));
    const now = options.now ?? (() => new Date());

    let negotiateMessage: Buffer | undefined;
    let session: NtlmSession | undefined;

    return {
        get session(): NtlmSession | undefined {
            return session;
        },

        createNegotiateMessage(): Buffer {
            if (negotiateMessage !== undefined) {
                throw new NtlmError(
                    "NTLM NEGOTIATE_MESSAGE was already created; use a new client per authentication",
                );
            }
            negotiateMessage = encodeNegotiateMessage({
                flags: CLIENT_NEGOTIATE_FLAGS,
                domain: "",
                workstation: "",
            });
            return negotiateMessage;
        },

        createAuthenticateMessage(challengeMessage: Buffer): Buffer {
            if (negotiateMessage === undefined) {
                throw new NtlmError(
                    "NTLM CHALLENGE_MESSAGE received before the NEGOTIATE_MESSAGE was created",
                );
            }
            if (session !== undefined) {
                throw new NtlmError(
                    "NTLM AUTHENTICATE_MESSAGE was already created; use a new client per authentication",
                );
            }
            const challenge = decodeChallengeMessage(challengeMessage);
            if ((challenge.flags & REQUIRED_SERVER_FLAGS) !== REQUIRED_SERVER_FLAGS) {
                throw new NtlmError(
                    `NTLM server did not offer signing, sealing and extended session security ` +
                        `(CHALLENGE flags 0x${(challenge.flags >>> 0).toString(16)}); message encryption is not possible`,
                );
            }
            const flags = negotiatedFlags(challenge.flags);

            const serverTimestamp = findAvPair(challenge.targetInfo, AvId.MsvAvTimestamp);
            const clientChallenge = randomBytes(8);
            const responseKeyNt = ntowfV2(options.password, user, domain);
            // NOTE: no MsvAvChannelBindings or MsvAvTargetName is sent, so a host that enforces
            // channel binding (HTTPS with CbtHardeningLevel=Strict) rejects this client.
            const targetInfo =
                serverTimestamp === undefined ? challenge.targetInfo : withMicFlag(challenge.targetInfo);
            const response = computeNtlmV2Response({
                responseKeyNt,
                serverChallenge: challenge.serverChallenge,
                clientChallenge,
                timestamp: serverTimestamp ?? toFileTime(now()),
                targetInfo: encodeAvPairs(targetInfo),
            });
            // MS-NLMP section 3.1.5.1.2: with MsvAvTimestamp present the client sends Z(24) as
            // LmChallengeResponse.
            const lmChallengeResponse =
                serverTimestamp === undefined
                    ? computeLmV2Response(responseKeyNt, challenge.serverChallenge, clientChallenge)
                    : Buffer.alloc(24);

            // NTLMv2's KeyExchangeKey is the SessionBaseKey (MS-NLMP section 3.4.5.1).
            const keyExchangeKey = response.sessionBaseKey;
            let exportedSessionKey: Buffer = keyExchangeKey;
            let encryptedRandomSessionKey: Buffer = Buffer.alloc(0);
            if ((flags & NegotiateFlags.NEGOTIATE_KEY_EXCH) !== 0) {
                exportedSessionKey = randomBytes(16);
                encryptedRandomSessionKey = new Rc4(keyExchangeKey).update(exportedSessionKey);
            }

            const fields = {
                flags,
                lmChallengeResponse,
                ntChallengeResponse: response.ntChallengeResponse,
                domain,
                userName: user,
                workstation,
                encryptedRandomSessionKey,
            };
            let authenticateMessage: Buffer;
            if (serverTimestamp === undefined) {
                authenticateMessage = encodeAuthenticateMessage(fields);
            } else {
                // MS-NLMP section 3.1.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE +
                // CHALLENGE + AUTHENTICATE with the MIC field zeroed).
                const withZeroMic = encodeAuthenticateMessage({ ...fields, mic: Buffer.alloc(16) });
                const mic = hmacMd5(exportedSessionKey, negotiateMessage, challengeMessage, withZeroMic);
                authenticateMessage = encodeAuthenticateMessage({ ...fields, mic });
            }
            session = createNtlmSession({ flags, exportedSessionKey, side: "client" });
            return authenticateMessage;
        },
    };
}

/**
 * Chooses the AUTHENTICATE flags: the client's flags that the server also set, with UNICODE
 * replacing OEM when both are set.
 */
function negotiatedFlags(challengeFlags: number): number {
    let flags = (challengeFlags & CLIENT_NEGOTIATE_FLAGS) >>> 0;
    if ((flags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0) {
        flags &= ~NegotiateFlags.NEGOTIATE_OEM;
    }
    return flags >>> 0;
}

/** Returns the target info with MIC_PRESENT set in MsvAvFlags, adding the pair when missing. */
function withMicFlag(targetInfo: readonly AvPair[]): AvPair[] {
    const existing = findAvPair(targetInfo, AvId.MsvAvFlags);
    const value = Buffer.alloc(4);
    value.writeUInt32LE(((existing?.readUInt32LE(0) ?? 0) | AV_FLAG_MIC_PRESENT) >>> 0);
    const pairs = targetInfo.filter((pair) => pair.id !== AvId.MsvAvFlags);
    pairs.push({ id: AvId.MsvAvFlags, value });
    return pairs;
}

/** Formats an `Authorization` or `WWW-Authenticate` value: `<scheme> <base64 token>`. */
export function formatNegotiateHeader(token: Buffer, scheme = "Negotiate"): string {
    return `${scheme} ${token.toString("base64")}`;
}

/**
 * Extracts the token of `scheme` from an `Authorization` or `WWW-Authenticate` header value.
 * Several values (an array, or one value with comma-separated challenges) are searched in order.
 * Returns undefined when no value uses `scheme` or the value has no token.
 */
export function parseNegotiateHeader(
    header: string | readonly string[] | undefined,
    scheme = "Negotiate",
): Buffer | undefined {
    if (header === undefined) {
        return undefined;
    }
    const values = typeof header === "string" ? [header] : header;
    const prefix = `${scheme.toLowerCase()} `;
    for (const value of values) {
        for (const item of value.split(",")) {
            const trimmed = item.trim();
            if (trimmed.toLowerCase().startsWith(prefix)) {
                const token = trimmed.slice(prefix.length).trim();
                return token.length > 0 ? Buffer.from(token, "base64") : undefined;
            }
        }
    }
    return undefined;
}
