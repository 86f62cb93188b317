/**
 * NTLMv2 server (acceptor) for the simulated WinRM endpoint: it replies to a NEGOTIATE_MESSAGE
 * with a CHALLENGE_MESSAGE, verifies the AUTHENTICATE_MESSAGE against a table of local users, and
 * returns the server side of NTLM session security.
 *
 * API:
 *
 *     createNtlmServer(options: NtlmServerOptions): NtlmServer
 *
 *     interface NtlmServerOptions {
 *         users: Readonly<Record<string, string>>; // user name -> password; names match case-insensitively
 *         computerName?: string;                    // NetBIOS name, default "WCNSIM"
 *         domains?: readonly string[];              // accepted domains; default: any (workgroup host)
 *     }
 *
 *     interface NtlmServer {
 *         createAuthentication(): NtlmServerAuthentication; // one per HTTP connection
 *     }
 *
 *     interface NtlmServerAuthentication {
 *         createChallengeMessage(negotiateMessage: Buffer): Buffer;
 *         acceptAuthenticateMessage(authenticateMessage: Buffer): NtlmAuthenticationResult;
 *             // throws NtlmAuthenticationError (with `reason`) when authentication fails
 *     }
 *
 *     interface NtlmAuthenticationResult {
 *         userName: string;     // the account name as configured in `users`
 *         domain: string;       // the domain the client sent
 *         workstation: string;
 *         session: NtlmSession; // side "server": seal() for responses, unseal() for requests
 *     }
 *
 * Unless `domains` restricts it, the server accepts any domain name in AUTHENTICATE_MESSAGE and
 * checks the user against its local accounts, so clients may send "", "." or the host name.
 */

import * as crypto from "crypto";

import { constantTimeEqual, hmacMd5, ntowfV2, Rc4, toFileTime, upperCaseUserName } from "./ntlmCrypto";
import {
    AV_FLAG_MIC_PRESENT,
    AvId,
    AvPair,
    decodeAuthenticateMessage,
    decodeAvPairs,
    decodeNegotiateMessage,
    encodeChallengeMessage,
    findAvPair,
    NegotiateFlags,
    NtlmError,
} from "./ntlmMessages";
import { createNtlmSession, NtlmSession } from "./ntlmSession";

/** Reason code of a failed authentication. */
export type NtlmAuthenticationFailure =
    | "malformed-message"
    | "unsupported"
    | "unknown-user"
    | "unknown-domain"
    | "wrong-password"
    | "invalid-mic"
    | "out-of-order";

/**
 * Authentication failure. The message names the user and the reason but never the password or
 * any key; an HTTP server should still send the same 401 for every failure.
 */
export class NtlmAuthenticationError extends NtlmError {
    constructor(
        readonly reason: NtlmAuthenticationFailure,
        message: string,
    ) {
        super(message);
        this.name = "NtlmAuthenticationError";
    }
}

/** Options of `createNtlmServer`. */
export interface NtlmServerOptions {
    /** Local accounts: user name to password. User names are compared case-insensitively. */
    readonly users: Readonly<Record<string, string>>;
    /** NetBIOS computer name sent in the CHALLENGE_MESSAGE target info; default "WCNSIM". */
    readonly computerName?: string;
    /** Domains accepted in AUTHENTICATE_MESSAGE, compared case-insensitively; undefined accepts any. */
    readonly domains?: readonly string[];
    /** Source of random bytes for server challenges; default `crypto.randomBytes`. */
    readonly randomBytes?: (size: number) => Buffer;
    /** Clock for MsvAvTimestamp; default `() => new Date()`. */
    readonly now?: () => Date;
}

/** Successful authentication. */
export interface NtlmAuthenticationResult {
    /** The account name as configured in `users`, whatever case the client sent. */
    readonly userName: string;
    /** The domain name that the client sent, possibly "". */
    readonly domain: string;
    /** The workstation name that the client sent, possibly "". */
    readonly workstation: string;
    /** Server side session security: `seal` for responses, `unseal` for requests. */
    readonly session: NtlmSession;
}

/** Server side of one NTLM authentication (one HTTP connection). */
export interface NtlmServerAuthentication {
    /**
     * Parses the NEGOTIATE_MESSAGE and returns the CHALLENGE_MESSAGE. Throws
     * `NtlmAuthenticationError` when the message is malformed or the client did not ask for
     * extended session security.
     */
    createChallengeMessage(negotiateMessage: Buffer): Buffer;
    /**
     * Verifies the AUTHENTICATE_MESSAGE: the NTLMv2 proof, the MIC when the client announced one,
     * and key exchange. Throws `NtlmAuthenticationError` on any failure.
     */
    acceptAuthenticateMessage(authenticateMessage: Buffer): NtlmAuthenticationResult;
}

/** An NTLM acceptor for a fixed set of local accounts. */
export interface NtlmServer {
    /** Starts a new authentication; each HTTP connection needs its own. */
    createAuthentication(): NtlmServerAuthentication;
}

/** Creates an NTLM server for the given local accounts. */
export function createNtlmServer(options: NtlmServerOptions): NtlmServer {
    const computerName = options.computerName ?? "WCNSIM";
    const randomBytes = options.randomBytes ?? ((size: number) => crypto.randomBytes(size));
    const now = options.now ?? (() => new Date());
    const accounts = new Map<string, { name: string; password: string }>();
    for (const [name, password] of Object.entries(options.users)) {
        accounts.set(upperCaseUserName(name), { name, password });
    }
    const acceptedDomains = options.domains?.map((domain) => domain.toUpperCase());

    return {
        createAuthentication(): NtlmServerAuthentication {
            let negotiateMessage: Buffer | undefined;
            let challengeMessage: Buffer | undefined;
            let serverChallenge: Buffer | undefined;
            let finished = false;

            return {
                createChallengeMessage(message: Buffer): Buffer {
                    if (negotiateMessage !== undefined) {
                        throw new NtlmAuthenticationError(
                            "out-of-order",
                            "NTLM NEGOTIATE_MESSAGE received twice in one authentication",
                        );
                    }
                    const negotiate = decodeOrFail(() => decodeNegotiateMessage(message));
                    if ((negotiate.flags & NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY) === 0) {
                        throw new NtlmAuthenticationError(
                            "unsupported",
                            "NTLM client did not request extended session security; only NTLMv2 is supported",
                        );
                    }
                    negotiateMessage = Buffer.from(message);
                    serverChallenge = randomBytes(8);
                    challengeMessage = encodeChallengeMessage({
                        flags: challengeFlags(negotiate.flags),
                        serverChallenge,
                        targetName: computerName,
                        targetInfo: serverTargetInfo(computerName, toFileTime(now())),
                    });
                    return challengeMessage;
                },

                acceptAuthenticateMessage(message: Buffer): NtlmAuthenticationResult {
                    if (
                        negotiateMessage === undefined ||
                        challengeMessage === undefined ||
                        serverChallenge === undefined
                    ) {
                        throw new NtlmAuthenticationError(
                            "out-of-order",
                            "NTLM AUTHENTICATE_MESSAGE received before a CHALLENGE_MESSAGE was sent",
                        );
                    }
                    if (finished) {
                        throw new NtlmAuthenticationError(
                            "out-of-order",
                            "NTLM AUTHENTICATE_MESSAGE received twice in one authentication",
                        );
                    }
                    finished = true;
                    return verifyAuthenticateMessage({
                        message,
                        negotiateMessage,
                        challengeMessage,
                        serverChallenge,
                        accounts,
                        acceptedDomains,
                    });
                },
            };
        },
    };
}

function decodeOrFail<T>(decode: () => T): T {
    try {
        return decode();
    } catch (error) {
        if (error instanceof NtlmError) {
            throw new NtlmAuthenticationError("malformed-message", error.message);
        }
        throw error;
    }
}

/**
 * Chooses the CHALLENGE flags from the client's NEGOTIATE flags the way MS-NLMP section
 * 3.2.5.1.1 describes: UNICODE when the client offers it (else OEM), the security options the
 * client asked for, and always NTLM, REQUEST_TARGET, TARGET_INFO and TARGET_TYPE_SERVER.
 */
function challengeFlags(clientFlags: number): number {
    let flags =
        NegotiateFlags.NEGOTIATE_NTLM |
        NegotiateFlags.REQUEST_TARGET |
        NegotiateFlags.NEGOTIATE_TARGET_INFO |
        NegotiateFlags.TARGET_TYPE_SERVER |
        NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY;
    flags |=
        (clientFlags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0
            ? NegotiateFlags.NEGOTIATE_UNICODE
            : NegotiateFlags.NEGOTIATE_OEM;
    const echoed =
        NegotiateFlags.NEGOTIATE_SIGN |
        NegotiateFlags.NEGOTIATE_SEAL |
        NegotiateFlags.NEGOTIATE_ALWAYS_SIGN |
        NegotiateFlags.NEGOTIATE_VERSION |
        NegotiateFlags.NEGOTIATE_128 |
        NegotiateFlags.NEGOTIATE_56 |
        NegotiateFlags.NEGOTIATE_KEY_EXCH;
    flags |= clientFlags & echoed;
    return flags >>> 0;
}

/** Target info of a standalone host: NetBIOS and DNS names of the computer, then the time. */
function serverTargetInfo(computerName: string, timestamp: Buffer): AvPair[] {
    const name = (text: string): Buffer => Buffer.from(text, "utf16le");
    const dnsName = computerName.toLowerCase();
    return [
        { id: AvId.MsvAvNbDomainName, value: name(computerName) },
        { id: AvId.MsvAvNbComputerName, value: name(computerName) },
        { id: AvId.MsvAvDnsDomainName, value: name(dnsName) },
        { id: AvId.MsvAvDnsComputerName, value: name(dnsName) },
        { id: AvId.MsvAvTimestamp, value: timestamp },
    ];
}

interface VerificationInput {
    readonly message: Buffer;
    readonly negotiateMessage: Buffer;
    readonly challengeMessage: Buffer;
    readonly serverChallenge: Buffer;
    readonly accounts: ReadonlyMap<string, { name: string; password: string }>;
    readonly acceptedDomains: readonly string[] | undefined;
}

/** Offset of the AV pairs inside an NTLMv2 NtChallengeResponse: NTProofStr (16) plus 28 header bytes. */
const NTLMV2_RESPONSE_AV_PAIRS_OFFSET = 44;

/** Verifies an AUTHENTICATE_MESSAGE as MS-NLMP section 3.2.5.1.2 describes for NTLMv2. */
function verifyAuthenticateMessage(input: VerificationInput): NtlmAuthenticationResult {
    const authenticate = decodeOrFail(() => decodeAuthenticateMessage(input.message));
    const { userName, domain, ntChallengeResponse } = authenticate;
    const accountLabel = `user "${userName}" (domain "${domain}")`;

    if (userName.length === 0 || ntChallengeResponse.length === 0) {
        throw new NtlmAuthenticationError("unsupported", "NTLM anonymous authentication is not supported");
    }
    if (ntChallengeResponse.length <= NTLMV2_RESPONSE_AV_PAIRS_OFFSET || ntChallengeResponse[16] !== 1) {
        throw new NtlmAuthenticationError(
            "unsupported",
            `NTLM response of ${accountLabel} is not an NTLMv2 response; NTLMv1 is not supported`,
        );
    }
    if (input.acceptedDomains !== undefined && !input.acceptedDomains.includes(domain.toUpperCase())) {
        throw new NtlmAuthenticationError(
            "unknown-domain",
            `NTLM authentication failed for ${accountLabel}: unknown domain`,
        );
    }
    const account = input.accounts.get(upperCaseUserName(userName));
    if (account === undefined) {
        throw new NtlmAuthenticationError(
            "unknown-user",
            `NTLM authentication failed for ${accountLabel}: unknown user`,
        );
    }

    // MS-NLMP section 3.3.2: the server recomputes NTProofStr with the user and domain names
    // exactly as the client sent them.
    const responseKeyNt = ntowfV2(account.password, userName, domain);
    const ntProofStr = ntChallengeResponse.subarray(0, 16);
    const temp = ntChallengeResponse.subarray(16);
    const expectedProof = hmacMd5(responseKeyNt, input.serverChallenge, temp);
    if (!constantTimeEqual(ntProofStr, expectedProof)) {
        throw new NtlmAuthenticationError(
            "wrong-password",
            `NTLM authentication failed for ${accountLabel}: wrong password`,
        );
    }

    // NOTE: the client's MsvAvTimestamp is not compared with the server clock, and channel
    // bindings are not checked.
    const clientTargetInfo = decodeOrFail(() =>
        decodeAvPairs(ntChallengeResponse.subarray(NTLMV2_RESPONSE_AV_PAIRS_OFFSET)),
    );
    const sessionBaseKey = hmacMd5(responseKeyNt, ntProofStr);
    let exportedSessionKey: Buffer = sessionBaseKey;
    if ((authenticate.flags & NegotiateFlags.NEGOTIATE_KEY_EXCH) !== 0) {
        if (authenticate.encryptedRandomSessionKey.length !== 16) {
            throw new NtlmAuthenticationError(
                "malformed-message",
                `NTLM AUTHENTICATE_MESSAGE of ${accountLabel} negotiates key exchange but its EncryptedRandomSessionKey ` +
                    `is ${authenticate.encryptedRandomSessionKey.length} bytes, expected 16`,
            );
        }
        exportedSessionKey = new Rc4(sessionBaseKey).update(authenticate.encryptedRandomSessionKey);
    }

    const avFlags = findAvPair(clientTargetInfo, AvId.MsvAvFlags);
    const micPresent =
        avFlags !== undefined && avFlags.length >= 4 && (avFlags.readUInt32LE(0) & AV_FLAG_MIC_PRESENT) !== 0;
    if (micPresent) {
        verifyMic(input, authenticate.mic, authenticate.micOffset, exportedSessionKey, accountLabel);
    }

    let session: NtlmSession;
    try {
        session = createNtlmSession({ flags: authenticate.flags, exportedSessionKey, side: "server" });
    } catch (error) {
        if (error instanceof NtlmError) {
            throw new NtlmAuthenticationError(
                "unsupported",
                `NTLM session for ${accountLabel} cannot be created: ${error.message}`,
            );
        }
        throw error;
    }
    return { userName: account.name, domain, workstation: authenticate.workstation, session };
}

/**
 * Checks MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE + AUTHENTICATE with the MIC
 * field zeroed) (MS-NLMP section 3.2.5.1.2).
 */
function verifyMic(
    input: VerificationInput,
    mic: Buffer | undefined,
    micOffset: number,
    exportedSessionKey: Buffer,
    accountLabel: string,
): void {
    if (mic === undefined) {
        throw new NtlmAuthenticationError(
            "invalid-mic",
            `NTLM AUTHENTICATE_MESSAGE of ${accountLabel} announces a MIC but has no MIC field`,
        );
    }
    const zeroed = Buffer.from(input.message);
    zeroed.fill(0, micOffset, micOffset + 16);
    const expected = hmacMd5(exportedSessionKey, input.negotiateMessage, input.challengeMessage, zeroed);
    if (!constantTimeEqual(mic, expected)) {
        throw new NtlmAuthenticationError(
            "invalid-mic",
            `NTLM authentication failed for ${accountLabel}: the MIC does not match, so a message was altered`,
        );
    }
}
