/**
 * NTLM session security (MS-NLMP section 3.4): sealing, unsealing, signing and verifying
 * application messages after authentication, for NTLMv2 with extended session security.
 *
 * API:
 * - `createNtlmSession(options: NtlmSessionOptions): NtlmSession`
 * - `NtlmSession.seal(message: Buffer): SealedMessage` (`{ signature, sealed }`)
 * - `NtlmSession.unseal(sealed: Buffer, signature: Buffer): Buffer`
 * - `NtlmSession.sign(message: Buffer): Buffer`
 * - `NtlmSession.verify(message: Buffer, signature: Buffer): void`
 *
 * Each side keeps an outgoing and an incoming sequence number and an outgoing and an incoming RC4
 * handle. The handles are never reset, so messages must be unsealed in the order they were
 * sealed. A message that fails verification leaves the incoming handle out of step, so the
 * caller must discard the session after any `NtlmError` from `unseal` or `verify`.
 */

import { constantTimeEqual, hmacMd5, NtlmDirection, Rc4, sealKey, signKey } from "./ntlmCrypto";
import { NegotiateFlags, NtlmError } from "./ntlmMessages";

/** Length of an NTLMSSP_MESSAGE_SIGNATURE with extended session security, in bytes. */
export const NTLM_SIGNATURE_LENGTH = 16;

/** Output of `NtlmSession.seal`. */
export interface SealedMessage {
    /** The 16-byte NTLMSSP_MESSAGE_SIGNATURE: version 1, encrypted checksum, sequence number. */
    readonly signature: Buffer;
    /** The RC4-encrypted message, as long as the input. */
    readonly sealed: Buffer;
}

/** Session security for one side of an authenticated NTLM connection. */
export interface NtlmSession {
    /** The flags of the AUTHENTICATE_MESSAGE that the keys were derived with. */
    readonly flags: number;
    /** Encrypts `message` and signs it with the next outgoing sequence number. */
    seal(message: Buffer): SealedMessage;
    /**
     * Decrypts `sealed` and checks `signature` against the next incoming sequence number.
     * Throws `NtlmError` when the checksum or sequence number does not match.
     */
    unseal(sealed: Buffer, signature: Buffer): Buffer;
    /** Signs `message` without encrypting it; this advances the outgoing sealing handle too. */
    sign(message: Buffer): Buffer;
    /** Checks the signature of an unencrypted message; throws `NtlmError` on mismatch. */
    verify(message: Buffer, signature: Buffer): void;
}

/** Inputs of `createNtlmSession`. */
export interface NtlmSessionOptions {
    /** Negotiated flags: the flags of the AUTHENTICATE_MESSAGE. */
    readonly flags: number;
    /** The 16-byte ExportedSessionKey. */
    readonly exportedSessionKey: Buffer;
    /** The side this session object sends from. */
    readonly side: "client" | "server";
}

interface DirectionKeys {
    readonly signingKey: Buffer;
    readonly sealingHandle: Rc4;
    sequenceNumber: number;
}

/**
 * Derives the four directional keys (MS-NLMP section 3.4.5) and returns a session.
 * Throws `NtlmError` unless extended session security was negotiated, because this module
 * implements only the NTLMv2 signature format.
 */
export function createNtlmSession(options: NtlmSessionOptions): NtlmSession {
    const { flags, exportedSessionKey, side } = options;
    if ((flags & NegotiateFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY) === 0) {
        throw new NtlmError(
            "NTLM session security requires NEGOTIATE_EXTENDED_SESSIONSECURITY, which the peer did not negotiate",
        );
    }
    if (exportedSessionKey.length !== 16) {
        throw new NtlmError(`NTLM exported session key must be 16 bytes, got ${exportedSessionKey.length}`);
    }
    const keysFor = (direction: NtlmDirection): DirectionKeys => ({
        signingKey: signKey(exportedSessionKey, direction),
        sealingHandle: new Rc4(sealKey(flags, exportedSessionKey, direction)),
        sequenceNumber: 0,
    });
    const clientToServer = keysFor("client-to-server");
    const serverToClient = keysFor("server-to-client");
    const outgoing = side === "client" ? clientToServer : serverToClient;
    const incoming = side === "client" ? serverToClient : clientToServer;
    const keyExchange = (flags & NegotiateFlags.NEGOTIATE_KEY_EXCH) !== 0;

    /**
     * Computes MAC (MS-NLMP section 3.4.4.2): version 1, the first 8 bytes of
     * HMAC_MD5(SigningKey, SeqNum + Message), RC4-encrypted with the sealing handle when key
     * exchange was negotiated, then SeqNum.
     */
    const computeSignature = (keys: DirectionKeys, message: Buffer): Buffer => {
        const sequenceNumber = Buffer.alloc(4);
        sequenceNumber.writeUInt32LE(keys.sequenceNumber >>> 0);
        let checksum = hmacMd5(keys.signingKey, sequenceNumber, message).subarray(0, 8);
        if (keyExchange) {
            checksum = keys.sealingHandle.update(checksum);
        }
        keys.sequenceNumber = (keys.sequenceNumber + 1) >>> 0;
        return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, sequenceNumber]);
    };

    const checkSignature = (message: Buffer, signature: Buffer): void => {
        if (signature.length !== NTLM_SIGNATURE_LENGTH) {
            throw new NtlmError(
                `invalid NTLM message signature: ${signature.length} bytes, expected ${NTLM_SIGNATURE_LENGTH}`,
            );
        }
        const expectedSequenceNumber = incoming.sequenceNumber;
        const expected = computeSignature(incoming, message);
        if (signature.readUInt32LE(12) !== expectedSequenceNumber) {
            throw new NtlmError(
                `NTLM message sequence number is ${signature.readUInt32LE(12)}, expected ${expectedSequenceNumber}`,
            );
        }
        if (!constantTimeEqual(signature, expected)) {
            throw new NtlmError(
                "NTLM message signature does not match: the message was altered or the keys differ",
            );
        }
    };

    return {
        flags,
        seal(message: Buffer): SealedMessage {
            // MS-NLMP section 3.4.3: encrypt first, then compute the MAC with the same handle.
            const sealed = outgoing.sealingHandle.update(message);
            const signature = computeSignature(outgoing, message);
            return { signature, sealed };
        },
        unseal(sealed: Buffer, signature: Buffer): Buffer {
            const message = incoming.sealingHandle.update(sealed);
            checkSignature(message, signature);
            return message;
        },
        sign(message: Buffer): Buffer {
            return computeSignature(outgoing, message);
        },
        verify(message: Buffer, signature: Buffer): void {
            checkSignature(message, signature);
        },
    };
}
