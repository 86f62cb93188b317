import { expect } from "chai";

import {
    decryptMessage,
    ENCRYPTED_CONTENT_TYPE,
    encryptMessage,
    EncryptionFormatError,
    isEncryptedContentType,
} from "../../../provider/winrm/encryption";
import { createNtlmSession, NtlmError, NtlmSession } from "../../../provider/winrm/ntlm";

const FLAGS = 0xe28a8233;

function sessionPair(): { client: NtlmSession; server: NtlmSession } {
    const exportedSessionKey = Buffer.alloc(16, 0x42);
    return {
        client: createNtlmSession({ flags: FLAGS, exportedSessionKey, side: "client" }),
        server: createNtlmSession({ flags: FLAGS, exportedSessionKey, side: "server" }),
    };
}

const SOAP = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>é</s:Body></s:Envelope>';

describe("WinRM message encryption framing", () => {
    it("uses the MS-WSMV content type", () => {
        expect(ENCRYPTED_CONTENT_TYPE).to.equal(
            'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"',
        );
    });

    it("writes the exact part headers", () => {
        const { client } = sessionPair();
        const body = encryptMessage(client, SOAP);
        const plaintextLength = Buffer.byteLength(SOAP, "utf8");
        const expectedHeaders =
            "--Encrypted Boundary\r\n" +
            "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n" +
            `\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${plaintextLength}\r\n` +
            "--Encrypted Boundary\r\n" +
            "\tContent-Type: application/octet-stream\r\n";
        expect(body.subarray(0, expectedHeaders.length).toString("latin1")).to.equal(expectedHeaders);

        const payload = body.subarray(expectedHeaders.length);
        expect(payload.readUInt32LE(0)).to.equal(16);
        expect(payload.readUInt32LE(4)).to.equal(1);
        const trailer = "--Encrypted Boundary--\r\n";
        expect(payload.length).to.equal(4 + 16 + plaintextLength + trailer.length);
        expect(payload.subarray(payload.length - trailer.length).toString("latin1")).to.equal(trailer);
    });

    it("round-trips requests and responses", () => {
        const { client, server } = sessionPair();
        for (let round = 0; round < 4; round++) {
            const request = `${SOAP}<!-- request ${round} -->`;
            const received = decryptMessage(server, encryptMessage(client, request), ENCRYPTED_CONTENT_TYPE);
            expect(received.toString("utf8")).to.equal(request);

            const response = Buffer.from(`${SOAP}<!-- response ${round} -->`);
            expect(decryptMessage(client, encryptMessage(server, response)).equals(response)).to.equal(true);
        }
    });

    it("accepts a body without the closing boundary", () => {
        const { client, server } = sessionPair();
        const body = encryptMessage(client, SOAP);
        const withoutTrailer = body.subarray(0, body.length - "--Encrypted Boundary--\r\n".length);
        expect(decryptMessage(server, withoutTrailer).toString("utf8")).to.equal(SOAP);
    });

    it("decrypts several parts in one body", () => {
        const { client, server } = sessionPair();
        const trailer = Buffer.from("--Encrypted Boundary--\r\n");
        const first = encryptMessage(client, "<a/>");
        const second = encryptMessage(client, "<b/>");
        const body = Buffer.concat([first.subarray(0, first.length - trailer.length), second]);
        expect(decryptMessage(server, body).toString()).to.equal("<a/><b/>");
    });

    it("detects a tampered sealed body", () => {
        const { client, server } = sessionPair();
        const body = encryptMessage(client, SOAP);
        body[body.length - 30] ^= 0x20;
        expect(() => decryptMessage(server, body)).to.throw(NtlmError, /does not match/);
    });

    it("rejects a wrong Length", () => {
        const { client, server } = sessionPair();
        const body = encryptMessage(client, SOAP);
        const text = body.toString("latin1");
        const length = Buffer.byteLength(SOAP);
        const altered = Buffer.from(text.replace(`Length=${length}`, `Length=${length + 50}`), "latin1");
        expect(() => decryptMessage(server, altered)).to.throw(EncryptionFormatError, /only/);
    });

    it("rejects a body that is not multipart", () => {
        const { server } = sessionPair();
        expect(() => decryptMessage(server, Buffer.from(SOAP))).to.throw(EncryptionFormatError);
        expect(() => decryptMessage(server, Buffer.alloc(0))).to.throw(EncryptionFormatError);
    });

    it("rejects a plain SOAP content type", () => {
        const { client, server } = sessionPair();
        const body = encryptMessage(client, SOAP);
        expect(() => decryptMessage(server, body, "application/soap+xml;charset=UTF-8")).to.throw(
            EncryptionFormatError,
            /Content-Type/,
        );
    });

    it("recognizes encrypted content types", () => {
        expect(isEncryptedContentType(ENCRYPTED_CONTENT_TYPE)).to.equal(true);
        expect(
            isEncryptedContentType(
                'Multipart/Encrypted; Protocol="application/http-spnego-session-encrypted"; boundary="Encrypted Boundary"',
            ),
        ).to.equal(true);
        expect(
            isEncryptedContentType(
                'multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted"',
            ),
        ).to.equal(false);
        expect(isEncryptedContentType("application/soap+xml;charset=UTF-8")).to.equal(false);
        expect(isEncryptedContentType(undefined)).to.equal(false);
    });
});
