/**
 * Wire formats of the three NTLM messages (MS-NLMP section 2.2.1) and of AV_PAIR lists (section
 * 2.2.2.1). Every parser checks lengths and offsets and throws `NtlmError` on malformed input.
 *
 * API:
 * - `NegotiateFlags`, `AvId`, `NtlmError`
 * - `encodeNegotiateMessage(message: NegotiateMessage): Buffer` / `decodeNegotiateMessage(data: Buffer)`
 * - `encodeChallengeMessage(message: ChallengeMessage): Buffer` / `decodeChallengeMessage(data: Buffer)`
 * - `encodeAuthenticateMessage(message: AuthenticateMessage): Buffer` /
 *   `decodeAuthenticateMessage(data: Buffer)`
 * - `encodeAvPairs(pairs: AvPair[]): Buffer` / `decodeAvPairs(data: Buffer): AvPair[]`
 */

/** Error raised for malformed NTLM messages, failed authentication and failed integrity checks. */
export class NtlmError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "NtlmError";
    }
}

/** NEGOTIATE flag bits (MS-NLMP section 2.2.2.5). */
export const NegotiateFlags = {
    NEGOTIATE_UNICODE: 0x00000001,
    NEGOTIATE_OEM: 0x00000002,
    REQUEST_TARGET: 0x00000004,
    NEGOTIATE_SIGN: 0x00000010,
    NEGOTIATE_SEAL: 0x00000020,
    NEGOTIATE_DATAGRAM: 0x00000040,
    NEGOTIATE_LM_KEY: 0x00000080,
    NEGOTIATE_NTLM: 0x00000200,
    ANONYMOUS: 0x00000800,
    NEGOTIATE_OEM_DOMAIN_SUPPLIED: 0x00001000,
    NEGOTIATE_OEM_WORKSTATION_SUPPLIED: 0x00002000,
    NEGOTIATE_ALWAYS_SIGN: 0x00008000,
    TARGET_TYPE_DOMAIN: 0x00010000,
    TARGET_TYPE_SERVER: 0x00020000,
    NEGOTIATE_EXTENDED_SESSIONSECURITY: 0x00080000,
    NEGOTIATE_IDENTIFY: 0x00100000,
    REQUEST_NON_NT_SESSION_KEY: 0x00400000,
    NEGOTIATE_TARGET_INFO: 0x00800000,
    NEGOTIATE_VERSION: 0x02000000,
    NEGOTIATE_128: 0x20000000,
    NEGOTIATE_KEY_EXCH: 0x40000000,
    NEGOTIATE_56: 0x80000000,
} as const;

/** AV_PAIR identifiers (MS-NLMP section 2.2.2.1). */
export const AvId = {
    MsvAvEOL: 0,
    MsvAvNbComputerName: 1,
    MsvAvNbDomainName: 2,
    MsvAvDnsComputerName: 3,
    MsvAvDnsDomainName: 4,
    MsvAvDnsTreeName: 5,
    MsvAvFlags: 6,
    MsvAvTimestamp: 7,
    MsvAvSingleHost: 8,
    MsvAvTargetName: 9,
    MsvAvChannelBindings: 10,
} as const;

/** MsvAvFlags bit set when the AUTHENTICATE_MESSAGE contains a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;

/** One AV_PAIR; `value` is the raw bytes (UTF-16LE text for the name pairs). */
export interface AvPair {
    readonly id: number;
    readonly value: Buffer;
}

/** The 8-byte VERSION structure (MS-NLMP section 2.2.2.10). */
export interface NtlmVersion {
    readonly major: number;
    readonly minor: number;
    readonly build: number;
}

/** Version sent when NEGOTIATE_VERSION is set: Windows 10 / Server 2016 and later, NTLM revision 15. */
export const DEFAULT_VERSION: NtlmVersion = { major: 10, minor: 0, build: 17763 };

const SIGNATURE = Buffer.from("NTLMSSP\0", "ascii");
const NTLM_REVISION_CURRENT = 15;
const MESSAGE_TYPE_NEGOTIATE = 1;
const MESSAGE_TYPE_CHALLENGE = 2;
const MESSAGE_TYPE_AUTHENTICATE = 3;

/** NEGOTIATE_MESSAGE fields. Domain and workstation are OEM (ASCII) strings, empty when absent. */
export interface NegotiateMessage {
    readonly flags: number;
    readonly domain: string;
    readonly workstation: string;
    readonly version?: NtlmVersion;
}

/** CHALLENGE_MESSAGE fields. */
export interface ChallengeMessage {
    readonly flags: number;
    readonly serverChallenge: Buffer;
    readonly targetName: string;
    readonly targetInfo: readonly AvPair[];
    /** Raw serialized target info as received; undefined when the message had none. */
    readonly targetInfoBytes?: Buffer;
    readonly version?: NtlmVersion;
}

/** AUTHENTICATE_MESSAGE fields. */
export interface AuthenticateMessage {
    readonly flags: number;
    readonly lmChallengeResponse: Buffer;
    readonly ntChallengeResponse: Buffer;
    readonly domain: string;
    readonly userName: string;
    readonly workstation: string;
    readonly encryptedRandomSessionKey: Buffer;
    readonly version?: NtlmVersion;
    /** The 16-byte MIC, or undefined when the message has no MIC field. */
    readonly mic?: Buffer;
}

/** A decoded message together with the offset of its MIC field, for MIC verification. */
export interface DecodedAuthenticateMessage extends AuthenticateMessage {
    /** Offset of the 16 bytes after VERSION, where a MIC would be. */
    readonly micOffset: number;
}

function encodeVersion(version: NtlmVersion | undefined): Buffer {
    const buffer = Buffer.alloc(8);
    if (version !== undefined) {
        buffer.writeUInt8(version.major, 0);
        buffer.writeUInt8(version.minor, 1);
        buffer.writeUInt16LE(version.build, 2);
        buffer.writeUInt8(NTLM_REVISION_CURRENT, 7);
    }
    return buffer;
}

function decodeVersion(data: Buffer, offset: number): NtlmVersion {
    return {
        major: data.readUInt8(offset),
        minor: data.readUInt8(offset + 1),
        build: data.readUInt16LE(offset + 2),
    };
}

function encodeString(text: string, unicode: boolean): Buffer {
    return Buffer.from(text, unicode ? "utf16le" : "latin1");
}

function decodeString(bytes: Buffer, unicode: boolean): string {
    return bytes.toString(unicode ? "utf16le" : "latin1");
}

/** Lays out payload fields after a fixed header and writes their 8-byte field descriptors. */
class PayloadWriter {
    private readonly parts: Buffer[] = [];
    private offset: number;

    constructor(
        private readonly header: Buffer,
        headerLength: number,
    ) {
        this.offset = headerLength;
    }

    add(descriptorOffset: number, value: Buffer): void {
        if (value.length > 0xffff) {
            throw new NtlmError(
                `NTLM message field is too long: ${value.length} bytes, the maximum is 65535`,
            );
        }
        this.header.writeUInt16LE(value.length, descriptorOffset);
        this.header.writeUInt16LE(value.length, descriptorOffset + 2);
        this.header.writeUInt32LE(this.offset, descriptorOffset + 4);
        this.parts.push(value);
        this.offset += value.length;
    }

    finish(): Buffer {
        return Buffer.concat([this.header, ...this.parts]);
    }
}

function readField(data: Buffer, descriptorOffset: number, fieldName: string): Buffer {
    const length = data.readUInt16LE(descriptorOffset);
    const offset = data.readUInt32LE(descriptorOffset + 4);
    if (length === 0) {
        return Buffer.alloc(0);
    }
    if (offset + length > data.length) {
        throw new NtlmError(
            `invalid NTLM message: field ${fieldName} (offset ${offset}, length ${length}) ` +
                `extends past the end of the ${data.length}-byte message`,
        );
    }
    return Buffer.from(data.subarray(offset, offset + length));
}

function checkHeader(data: Buffer, expectedType: number, minimumLength: number, messageName: string): void {
    if (data.length < minimumLength) {
        throw new NtlmError(
            `invalid NTLM ${messageName}: ${data.length} bytes, expected at least ${minimumLength}`,
        );
    }
    if (!data.subarray(0, 8).equals(SIGNATURE)) {
        throw new NtlmError(`invalid NTLM ${messageName}: the signature is not "NTLMSSP\\0"`);
    }
    const messageType = data.readUInt32LE(8);
    if (messageType !== expectedType) {
        throw new NtlmError(
            `invalid NTLM ${messageName}: message type is ${messageType}, expected ${expectedType}`,
        );
    }
}

/** Serializes an AV_PAIR list and appends MsvAvEOL; any MsvAvEOL in `pairs` is dropped. */
export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
    const parts: Buffer[] = [];
    for (const pair of pairs) {
        if (pair.id === AvId.MsvAvEOL) {
            continue;
        }
        const header = Buffer.alloc(4);
        header.writeUInt16LE(pair.id, 0);
        header.writeUInt16LE(pair.value.length, 2);
        parts.push(header, pair.value);
    }
    parts.push(Buffer.alloc(4));
    return Buffer.concat(parts);
}

/** Parses an AV_PAIR list up to MsvAvEOL; the returned list does not contain MsvAvEOL. */
export function decodeAvPairs(data: Buffer): AvPair[] {
    const pairs: AvPair[] = [];
    let offset = 0;
    while (offset + 4 <= data.length) {
        const id = data.readUInt16LE(offset);
        const length = data.readUInt16LE(offset + 2);
        offset += 4;
        if (id === AvId.MsvAvEOL) {
            return pairs;
        }
        if (offset + length > data.length) {
            throw new NtlmError(`invalid NTLM target info: AV pair ${id} of ${length} bytes is truncated`);
        }
        pairs.push({ id, value: Buffer.from(data.subarray(offset, offset + length)) });
        offset += length;
    }
    throw new NtlmError("invalid NTLM target info: the AV pair list has no MsvAvEOL terminator");
}

/** Returns the value of the first AV pair with `id`, or undefined. */
export function findAvPair(pairs: readonly AvPair[], id: number): Buffer | undefined {
    return pairs.find((pair) => pair.id === id)?.value;
}

/** Serializes a NEGOTIATE_MESSAGE (40-byte header including VERSION, then the OEM strings). */
export function encodeNegotiateMessage(message: NegotiateMessage): Buffer {
    const header = Buffer.alloc(40);
    SIGNATURE.copy(header, 0);
    header.writeUInt32LE(MESSAGE_TYPE_NEGOTIATE, 8);
    header.writeUInt32LE(message.flags >>> 0, 12);
    encodeVersion(
        (message.flags & NegotiateFlags.NEGOTIATE_VERSION) !== 0
            ? (message.version ?? DEFAULT_VERSION)
            : undefined,
    ).copy(header, 32);
    const writer = new PayloadWriter(header, 40);
    writer.add(16, encodeString(message.domain, false));
    writer.add(24, encodeString(message.workstation, false));
    return writer.finish();
}

/** Parses a NEGOTIATE_MESSAGE. Messages of 32 bytes (without VERSION) are accepted. */
export function decodeNegotiateMessage(data: Buffer): NegotiateMessage {
    checkHeader(data, MESSAGE_TYPE_NEGOTIATE, 32, "NEGOTIATE_MESSAGE");
    const flags = data.readUInt32LE(12);
    const hasVersion = (flags & NegotiateFlags.NEGOTIATE_VERSION) !== 0 && data.length >= 40;
    return {
        flags,
        domain: decodeString(readField(data, 16, "DomainName"), false),
        workstation: decodeString(readField(data, 24, "Workstation"), false),
        version: hasVersion ? decodeVersion(data, 32) : undefined,
    };
}

/** Serializes a CHALLENGE_MESSAGE (56-byte header including VERSION, then target name and info). */
export function encodeChallengeMessage(message: ChallengeMessage): Buffer {
    if (message.serverChallenge.length !== 8) {
        throw new NtlmError(`NTLM server challenge must be 8 bytes, got ${message.serverChallenge.length}`);
    }
    const unicode = (message.flags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0;
    const header = Buffer.alloc(56);
    SIGNATURE.copy(header, 0);
    header.writeUInt32LE(MESSAGE_TYPE_CHALLENGE, 8);
    header.writeUInt32LE(message.flags >>> 0, 20);
    message.serverChallenge.copy(header, 24);
    encodeVersion(
        (message.flags & NegotiateFlags.NEGOTIATE_VERSION) !== 0
            ? (message.version ?? DEFAULT_VERSION)
            : undefined,
    ).copy(header, 48);
    const writer = new PayloadWriter(header, 56);
    writer.add(12, encodeString(message.targetName, unicode));
    writer.add(40, message.targetInfoBytes ?? encodeAvPairs(message.targetInfo));
    return writer.finish();
}

/** Parses a CHALLENGE_MESSAGE, including its target info when NEGOTIATE_TARGET_INFO is set. */
export function decodeChallengeMessage(data: Buffer): ChallengeMessage {
    checkHeader(data, MESSAGE_TYPE_CHALLENGE, 48, "CHALLENGE_MESSAGE");
    const flags = data.readUInt32LE(20);
    const unicode = (flags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0;
    const targetInfoBytes =
        (flags & NegotiateFlags.NEGOTIATE_TARGET_INFO) !== 0 ? readField(data, 40, "TargetInfo") : undefined;
    const hasVersion = (flags & NegotiateFlags.NEGOTIATE_VERSION) !== 0 && data.length >= 56;
    return {
        flags,
        serverChallenge: Buffer.from(data.subarray(24, 32)),
        targetName: decodeString(readField(data, 12, "TargetName"), unicode),
        targetInfo:
            targetInfoBytes !== undefined && targetInfoBytes.length > 0 ? decodeAvPairs(targetInfoBytes) : [],
        targetInfoBytes,
        version: hasVersion ? decodeVersion(data, 48) : undefined,
    };
}

/**
 * Serializes an AUTHENTICATE_MESSAGE: a 64-byte header, the 8-byte VERSION, the 16-byte MIC
 * when `message.mic` is set, then the payload. Strings use UTF-16LE when NEGOTIATE_UNICODE is set.
 */
export function encodeAuthenticateMessage(message: AuthenticateMessage): Buffer {
    const unicode = (message.flags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0;
    const headerLength = message.mic === undefined ? 72 : 88;
    const header = Buffer.alloc(headerLength);
    SIGNATURE.copy(header, 0);
    header.writeUInt32LE(MESSAGE_TYPE_AUTHENTICATE, 8);
    header.writeUInt32LE(message.flags >>> 0, 60);
    encodeVersion(
        (message.flags & NegotiateFlags.NEGOTIATE_VERSION) !== 0
            ? (message.version ?? DEFAULT_VERSION)
            : undefined,
    ).copy(header, 64);
    if (message.mic !== undefined) {
        message.mic.copy(header, 72);
    }
    const writer = new PayloadWriter(header, headerLength);
    writer.add(28, encodeString(message.domain, unicode));
    writer.add(36, encodeString(message.userName, unicode));
    writer.add(44, encodeString(message.workstation, unicode));
    writer.add(12, message.lmChallengeResponse);
    writer.add(20, message.ntChallengeResponse);
    writer.add(52, message.encryptedRandomSessionKey);
    return writer.finish();
}

/**
 * Parses an AUTHENTICATE_MESSAGE. The MIC is read when the payload starts at offset 88 or later,
 * which is where every client that sends VERSION and MIC puts it.
 */
export function decodeAuthenticateMessage(data: Buffer): DecodedAuthenticateMessage {
    checkHeader(data, MESSAGE_TYPE_AUTHENTICATE, 64, "AUTHENTICATE_MESSAGE");
    const flags = data.readUInt32LE(60);
    const unicode = (flags & NegotiateFlags.NEGOTIATE_UNICODE) !== 0;
    let payloadStart = data.length;
    for (const descriptorOffset of [12, 20, 28, 36, 44, 52]) {
        if (data.readUInt16LE(descriptorOffset) > 0) {
            payloadStart = Math.min(payloadStart, data.readUInt32LE(descriptorOffset + 4));
        }
    }
    const micOffset = 72;
    return {
        flags,
        lmChallengeResponse: readField(data, 12, "LmChallengeResponse"),
        ntChallengeResponse: readField(data, 20, "NtChallengeResponse"),
        domain: decodeString(readField(data, 28, "DomainName"), unicode),
        userName: decodeString(readField(data, 36, "UserName"), unicode),
        workstation: decodeString(readField(data, 44, "Workstation"), unicode),
        encryptedRandomSessionKey: readField(data, 52, "EncryptedRandomSessionKey"),
        version: payloadStart >= 72 ? decodeVersion(data, 64) : undefined,
        mic:
            payloadStart >= micOffset + 16
                ? Buffer.from(data.subarray(micOffset, micOffset + 16))
                : undefined,
        micOffset,
    };
}
