/**
 * HTTP message encryption for WinRM with Negotiate/NTLM (MS-WSMV section 2.2.9.1.1): the SOAP
 * envelope is sealed with NTLM session security and sent as a `multipart/encrypted` body.
 * Both the client (requests) and the simulated endpoint (responses) use these functions.
 *
 * API:
 *
 *     ENCRYPTED_CONTENT_TYPE: string
 *         // multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"
 *     encryptMessage(session: MessageSealer, soap: Buffer | string): Buffer
 *         // the HTTP body; send it with Content-Type: ENCRYPTED_CONTENT_TYPE
 *     decryptMessage(session: MessageUnsealer, body: Buffer, contentType?: string): Buffer
 *         // the SOAP bytes; throws EncryptionFormatError (framing) or NtlmError (signature)
 *     isEncryptedContentType(contentType: string | undefined): boolean
 *
 * `NtlmSession` from `ntlm.ts` satisfies both `MessageSealer` and `MessageUnsealer`.
 *
 * Body layout, byte for byte as pywinrm 0.3 (winrm/encryption.py) writes and reads it:
 *
 *     --Encrypted Boundary\r\n
 *     \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
 *     \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext bytes>\r\n
 *     --Encrypted Boundary\r\n
 *     \tContent-Type: application/octet-stream\r\n
 *     <signature length, 4 bytes little-endian><signature><sealed bytes>--Encrypted Boundary--\r\n
 *
 * CredSSP's 16 KiB chunking (`multipart/x-multi-encrypted`) is not implemented.
 */

/** Boundary of the multipart body. */
export const ENCRYPTED_BOUNDARY = "Encrypted Boundary";

/** `protocol` parameter for Negotiate (SPNEGO and NTLM) encryption. */
export const SPNEGO_ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted";

/** Content-Type of an encrypted request or response. */
export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${SPNEGO_ENCRYPTED_PROTOCOL}";boundary="${ENCRYPTED_BOUNDARY}"`;

/** Content type of the plaintext that the OriginalContent header describes. */
const ORIGINAL_CONTENT_TYPE = "application/soap+xml;charset=UTF-8";

/** Anything that seals like `NtlmSession.seal`. */
export interface MessageSealer {
    seal(message: Buffer): { signature: Buffer; sealed: Buffer };
}

/** Anything that unseals like `NtlmSession.unseal`. */
export interface MessageUnsealer {
    unseal(sealed: Buffer, signature: Buffer): Buffer;
}

/** The body does not have the `multipart/encrypted` layout. */
export class EncryptionFormatError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EncryptionFormatError";
    }
}

const BOUNDARY_LINE = Buffer.from(`--${ENCRYPTED_BOUNDARY}\r\n`, "ascii");
const CLOSING_BOUNDARY = Buffer.from(`--${ENCRYPTED_BOUNDARY}--\r\n`, "ascii");
const OCTET_STREAM_HEADER = "\tContent-Type: application/octet-stream\r\n";

/**
 * Seals `soap` (a string is encoded as UTF-8) with `session` and returns the multipart body.
 * Each call uses the session's next outgoing sequence number.
 */
export function encryptMessage(session: MessageSealer, soap: Buffer | string): Buffer {
    const plaintext = typeof soap === "string" ? Buffer.from(soap, "utf8") : soap;
    const { signature, sealed } = session.seal(plaintext);
    const signatureLength = Buffer.alloc(4);
    signatureLength.writeUInt32LE(signature.length);
    const headers =
        `--${ENCRYPTED_BOUNDARY}\r\n` +
        `\tContent-Type: ${SPNEGO_ENCRYPTED_PROTOCOL}\r\n` +
        `\tOriginalContent: type=${ORIGINAL_CONTENT_TYPE};Length=${plaintext.length}\r\n` +
        `--${ENCRYPTED_BOUNDARY}\r\n` +
        OCTET_STREAM_HEADER;
    return Buffer.concat([
        Buffer.from(headers, "ascii"),
        signatureLength,
        signature,
        sealed,
        CLOSING_BOUNDARY,
    ]);
}

/**
 * Returns true when `contentType` is `multipart/encrypted` with the SPNEGO encryption protocol
 * (media type and parameter names compared case-insensitively, quotes optional).
 */
export function isEncryptedContentType(contentType: string | undefined): boolean {
    if (contentType === undefined) {
        return false;
    }
    const [mediaType, ...parameters] = contentType.split(";").map((part) => part.trim());
    if (mediaType.toLowerCase() !== "multipart/encrypted") {
        return false;
    }
    return parameters.some((parameter) => {
        const separator = parameter.indexOf("=");
        if (separator < 0 || parameter.slice(0, separator).trim().toLowerCase() !== "protocol") {
            return false;
        }
        const value = parameter
            .slice(separator + 1)
            .trim()
            .replace(/^"|"$/g, "");
        return value.toLowerCase() === SPNEGO_ENCRYPTED_PROTOCOL.toLowerCase();
    });
}

/**
 * Parses a multipart/encrypted body, unseals every part with `session` in order and returns the
 * concatenated plaintext. When `contentType` is given it must be the encrypted content type.
 * The sealed data of each part is exactly `Length` bytes long, because RC4 keeps the length,
 * so the parser locates the end of a part by length and not by searching for the boundary.
 * Throws `EncryptionFormatError` for a malformed body and lets `NtlmError` from `unseal`
 * (altered message, wrong sequence number) pass through.
 */
export function decryptMessage(session: MessageUnsealer, body: Buffer, contentType?: string): Buffer {
    if (contentType !== undefined && !isEncryptedContentType(contentType)) {
        throw new EncryptionFormatError(
            `expected an encrypted body with Content-Type ${ENCRYPTED_CONTENT_TYPE}, got "${contentType}"`,
        );
    }
    const plaintexts: Buffer[] = [];
    let offset = 0;
    for (;;) {
        if (body.subarray(offset).equals(CLOSING_BOUNDARY)) {
            break;
        }
        if (plaintexts.length > 0 && offset === body.length) {
            // pywinrm accepts a body whose closing boundary is missing; so does this parser.
            break;
        }
        const part = readEncryptedPart(body, offset);
        plaintexts.push(session.unseal(part.sealed, part.signature));
        offset = part.end;
    }
    if (plaintexts.length === 0) {
        throw new EncryptionFormatError("encrypted body contains no encrypted part");
    }
    return Buffer.concat(plaintexts);
}

interface EncryptedPart {
    readonly signature: Buffer;
    readonly sealed: Buffer;
    readonly end: number;
}

function expectBytes(body: Buffer, offset: number, expected: Buffer, expectedText: string): number {
    if (!body.subarray(offset, offset + expected.length).equals(expected)) {
        throw new EncryptionFormatError(`invalid encrypted body: expected ${expectedText} at byte ${offset}`);
    }
    return offset + expected.length;
}

/** Reads one header part and the octet-stream part that follows it, starting at `offset`. */
function readEncryptedPart(body: Buffer, offset: number): EncryptedPart {
    let position = expectBytes(body, offset, BOUNDARY_LINE, `"--${ENCRYPTED_BOUNDARY}"`);
    const nextBoundary = body.indexOf(BOUNDARY_LINE, position);
    if (nextBoundary < 0) {
        throw new EncryptionFormatError("invalid encrypted body: the octet-stream part is missing");
    }
    const length = parseOriginalLength(body.subarray(position, nextBoundary).toString("latin1"));
    position = expectBytes(body, nextBoundary, BOUNDARY_LINE, `"--${ENCRYPTED_BOUNDARY}"`);
    position = skipOctetStreamHeader(body, position);

    if (position + 4 > body.length) {
        throw new EncryptionFormatError("invalid encrypted body: the signature length is missing");
    }
    const signatureLength = body.readUInt32LE(position);
    position += 4;
    const end = position + signatureLength + length;
    if (end > body.length) {
        throw new EncryptionFormatError(
            `invalid encrypted body: the part needs a ${signatureLength}-byte signature and ${length} sealed bytes ` +
                `but only ${body.length - position} bytes follow`,
        );
    }
    const signature = Buffer.from(body.subarray(position, position + signatureLength));
    const sealed = Buffer.from(body.subarray(position + signatureLength, end));
    return { signature, sealed, end };
}

/** Reads `Length=<n>` from the OriginalContent header of a header part. */
function parseOriginalLength(headerText: string): number {
    for (const line of headerText.split("\r\n")) {
        const trimmed = line.trim();
        const separator = trimmed.indexOf(":");
        if (separator < 0 || trimmed.slice(0, separator).trim().toLowerCase() !== "originalcontent") {
            continue;
        }
        const match = /(?:^|;)\s*length\s*=\s*(\d+)\s*(?:;|$)/i.exec(trimmed.slice(separator + 1));
        if (match === null) {
            throw new EncryptionFormatError(
                `invalid encrypted body: OriginalContent has no Length: "${trimmed}"`,
            );
        }
        return Number.parseInt(match[1], 10);
    }
    throw new EncryptionFormatError("invalid encrypted body: the OriginalContent header is missing");
}

/** Skips the `Content-Type: application/octet-stream` header line, with or without its tab. */
function skipOctetStreamHeader(body: Buffer, position: number): number {
    const lineEnd = body.indexOf("\r\n", position, "latin1");
    if (lineEnd < 0) {
        throw new EncryptionFormatError("invalid encrypted body: the octet-stream part has no header line");
    }
    const line = body.subarray(position, lineEnd).toString("latin1").trim();
    if (!/^content-type:\s*application\/octet-stream$/i.test(line)) {
        throw new EncryptionFormatError(
            `invalid encrypted body: expected "Content-Type: application/octet-stream", got "${line}"`,
        );
    }
    return lineEnd + 2;
}
