/**
 * Cryptographic building blocks of NTLMv2 (MS-NLMP section 3.3.2 and section 3.4.5), shared by the
 * NTLM client (`ntlm.ts`) and the NTLM server (`ntlmServer.ts`).
 *
 * API:
 * - `ntowfV2(password: string, user: string, userDomain: string): Buffer`
 * - `computeNtlmV2Response(input: NtlmV2ResponseInput): NtlmV2Response`
 * - `computeLmV2Response(responseKeyNt: Buffer, serverChallenge: Buffer, clientChallenge: Buffer): Buffer`
 * - `signKey(exportedSessionKey: Buffer, direction: "client-to-server" | "server-to-client"): Buffer`
 * - `sealKey(flags: number, exportedSessionKey: Buffer, direction: ...): Buffer`
 * - `class Rc4` with `update(input: Buffer): Buffer`
 * - `hmacMd5(key: Buffer, ...parts: Buffer[]): Buffer`
 *
 * Node 20 links OpenSSL 3, whose default provider has neither MD4 nor RC4, so MD4 comes from the
 * js-md4 package and RC4 is implemented here.
 */

import * as crypto from "crypto";
import md4 = require("js-md4");

import { NegotiateFlags } from "./ntlmMessages";

/** Computes HMAC-MD5 over the concatenation of `parts`. */
export function hmacMd5(key: Buffer, ...parts: Buffer[]): Buffer {
    const hmac = crypto.createHmac("md5", key);
    for (const part of parts) {
        hmac.update(part);
    }
    return hmac.digest();
}

/** Computes MD5 over the concatenation of `parts`. */
export function md5(...parts: Buffer[]): Buffer {
    const hash = crypto.createHash("md5");
    for (const part of parts) {
        hash.update(part);
    }
    return hash.digest();
}

/** Computes MD4 over `data`. */
export function md4Digest(data: Buffer): Buffer {
    return Buffer.from(md4.arrayBuffer(data));
}

/**
 * RC4 (ARCFOUR) stream cipher. One instance is one keystream: successive `update` calls continue
 * where the previous call stopped, which is how NTLM sealing handles work across messages.
 */
export class Rc4 {
    private readonly state = new Uint8Array(256);
    private i = 0;
    private j = 0;

    constructor(key: Buffer) {
        if (key.length === 0 || key.length > 256) {
            throw new RangeError(`RC4 key length must be 1 to 256 bytes, got ${key.length}`);
        }
        for (let index = 0; index < 256; index++) {
            this.state[index] = index;
        }
        let j = 0;
        for (let index = 0; index < 256; index++) {
            j = (j + this.state[index] + key[index % key.length]) & 0xff;
            this.swap(index, j);
        }
    }

    /** Encrypts or decrypts `input` (the same operation) and advances the keystream. */
    update(input: Buffer): Buffer {
        const output = Buffer.alloc(input.length);
        for (let index = 0; index < input.length; index++) {
            this.i = (this.i + 1) & 0xff;
            this.j = (this.j + this.state[this.i]) & 0xff;
            this.swap(this.i, this.j);
            const keystreamByte = this.state[(this.state[this.i] + this.state[this.j]) & 0xff];
            output[index] = input[index] ^ keystreamByte;
        }
        return output;
    }

    private swap(a: number, b: number): void {
        const saved = this.state[a];
        this.state[a] = this.state[b];
        this.state[b] = saved;
    }
}

/**
 * Upper-cases a user name for NTOWFv2. A character whose upper-case form is longer (for example
 * "ß", which JavaScript turns into "SS") is kept unchanged, so the length never changes.
 * NOTE: Windows upper-cases with its own Unicode table, so a name with characters that the two
 * tables map differently would produce a different NTOWFv2 there.
 */
export function upperCaseUserName(user: string): string {
    let result = "";
    for (const char of user) {
        const upper = char.toUpperCase();
        result += upper.length === char.length ? upper : char;
    }
    return result;
}

/**
 * Computes NTOWFv2 (MS-NLMP section 3.3.2):
 * HMAC_MD5(MD4(UNICODE(password)), UNICODE(Uppercase(user) + userDomain)).
 * The domain is used as given: it is not upper-cased.
 */
export function ntowfV2(password: string, user: string, userDomain: string): Buffer {
    const ntHash = md4Digest(Buffer.from(password, "utf16le"));
    return hmacMd5(ntHash, Buffer.from(upperCaseUserName(user) + userDomain, "utf16le"));
}

/** Inputs of the NTLMv2 response computation (MS-NLMP section 3.3.2). */
export interface NtlmV2ResponseInput {
    /** NTOWFv2 of the user's password, user name and domain. */
    readonly responseKeyNt: Buffer;
    /** The 8-byte ServerChallenge of the CHALLENGE_MESSAGE. */
    readonly serverChallenge: Buffer;
    /** The 8-byte random challenge of the client. */
    readonly clientChallenge: Buffer;
    /** 8-byte FILETIME: 100-nanosecond intervals since 1601-01-01 UTC, little-endian. */
    readonly timestamp: Buffer;
    /** The serialized AV_PAIR list (ending with MsvAvEOL) that the client puts into its response. */
    readonly targetInfo: Buffer;
}

/** Result of the NTLMv2 response computation. */
export interface NtlmV2Response {
    /** NtChallengeResponse: NTProofStr followed by the NTLMv2_CLIENT_CHALLENGE ("temp"). */
    readonly ntChallengeResponse: Buffer;
    /** The 16-byte NTProofStr. */
    readonly ntProofStr: Buffer;
    /** SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr); NTLMv2's KeyExchangeKey equals it. */
    readonly sessionBaseKey: Buffer;
}

/**
 * Builds the NTLMv2_CLIENT_CHALLENGE structure ("temp" in MS-NLMP section 3.3.2):
 * RespType 1, HiRespType 1, 6 zero bytes, the timestamp, the client challenge, 4 zero bytes, the
 * AV pairs, then 4 zero bytes.
 */
export function buildClientChallengeBlob(
    timestamp: Buffer,
    clientChallenge: Buffer,
    targetInfo: Buffer,
): Buffer {
    return Buffer.concat([
        Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
        timestamp,
        clientChallenge,
        Buffer.alloc(4),
        targetInfo,
        Buffer.alloc(4),
    ]);
}

/** Computes NtChallengeResponse, NTProofStr and SessionBaseKey (MS-NLMP section 3.3.2). */
export function computeNtlmV2Response(input: NtlmV2ResponseInput): NtlmV2Response {
    const temp = buildClientChallengeBlob(input.timestamp, input.clientChallenge, input.targetInfo);
    const ntProofStr = hmacMd5(input.responseKeyNt, input.serverChallenge, temp);
    return {
        ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
        ntProofStr,
        sessionBaseKey: hmacMd5(input.responseKeyNt, ntProofStr),
    };
}

/**
 * Computes the LMv2 response (MS-NLMP section 3.3.2):
 * HMAC_MD5(ResponseKeyLM, ServerChallenge + ClientChallenge) followed by ClientChallenge.
 * In NTLMv2 ResponseKeyLM equals ResponseKeyNT.
 */
export function computeLmV2Response(
    responseKeyNt: Buffer,
    serverChallenge: Buffer,
    clientChallenge: Buffer,
): Buffer {
    return Buffer.concat([hmacMd5(responseKeyNt, serverChallenge, clientChallenge), clientChallenge]);
}

/** Direction of an application message protected by NTLM session security. */
export type NtlmDirection = "client-to-server" | "server-to-client";

/** Computes SIGNKEY (MS-NLMP section 3.4.5.2) for extended session security. */
export function signKey(exportedSessionKey: Buffer, direction: NtlmDirection): Buffer {
    const magic = `session key to ${direction} signing key magic constant\0`;
    return md5(exportedSessionKey, Buffer.from(magic, "ascii"));
}

/**
 * Computes SEALKEY (MS-NLMP section 3.4.5.3) for extended session security: the session key is
 * cut to 16 bytes with NEGOTIATE_128, 7 bytes with NEGOTIATE_56, and 5 bytes otherwise, then
 * hashed with the direction's magic constant.
 */
export function sealKey(flags: number, exportedSessionKey: Buffer, direction: NtlmDirection): Buffer {
    let keyMaterial: Buffer;
    if ((flags & NegotiateFlags.NEGOTIATE_128) !== 0) {
        keyMaterial = exportedSessionKey;
    } else if ((flags & NegotiateFlags.NEGOTIATE_56) !== 0) {
        keyMaterial = exportedSessionKey.subarray(0, 7);
    } else {
        keyMaterial = exportedSessionKey.subarray(0, 5);
    }
    const magic = `session key to ${direction} sealing key magic constant\0`;
    return md5(keyMaterial, Buffer.from(magic, "ascii"));
}

/** Converts a time to an 8-byte little-endian FILETIME (100 ns intervals since 1601-01-01 UTC). */
export function toFileTime(date: Date): Buffer {
    const epochOffsetMs = 11644473600000n;
    const ticks = (BigInt(date.getTime()) + epochOffsetMs) * 10000n;
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(ticks);
    return buffer;
}

/** Compares two buffers in constant time; buffers of different length are unequal. */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
    return a.length === b.length && crypto.timingSafeEqual(a, b);
}
