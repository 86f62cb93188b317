import { expect } from "chai";

import {
    createNtlmClient,
    createNtlmSession,
    formatNegotiateHeader,
    NegotiateFlags,
    NtlmError,
    parseNegotiateHeader,
    splitUserName,
} from "../../../provider/winrm/ntlm";
import {
    computeLmV2Response,
    computeNtlmV2Response,
    md4Digest,
    ntowfV2,
    Rc4,
    sealKey,
    signKey,
} from "../../../provider/winrm/ntlmCrypto";
import {
    AvId,
    decodeAuthenticateMessage,
    decodeChallengeMessage,
    decodeNegotiateMessage,
    encodeAvPairs,
    encodeChallengeMessage,
    findAvPair,
} from "../../../provider/winrm/ntlmMessages";
import { createNtlmServer, NtlmAuthenticationError } from "../../../provider/winrm/ntlmServer";

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");

// MS-NLMP section 4.2.1 (common values) and section 4.2.4 (NTLMv2 authentication).
const SPEC = {
    user: "User",
    domain: "Domain",
    password: "Password",
    serverChallenge: hex("01 23 45 67 89 ab cd ef"),
    clientChallenge: Buffer.alloc(8, 0xaa),
    randomSessionKey: Buffer.alloc(16, 0x55),
    // NEGOTIATE_KEY_EXCH, 56, 128, VERSION, TARGET_INFO, EXTENDED_SESSIONSECURITY,
    // TARGET_TYPE_SERVER, ALWAYS_SIGN, NTLM, SEAL, SIGN, OEM, UNICODE.
    challengeFlags: 0xe28a8233,
    targetInfo: encodeAvPairs([
        { id: AvId.MsvAvNbDomainName, value: Buffer.from("Domain", "utf16le") },
        { id: AvId.MsvAvNbComputerName, value: Buffer.from("Server", "utf16le") },
    ]),
    ntowfV2: hex("0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f"),
    lmV2Response: hex("86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa aa aa aa aa"),
    ntProofStr: hex("68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c"),
    sessionBaseKey: hex("8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3"),
    encryptedSessionKey: hex("c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e"),
    clientSealKey: hex("59 f6 00 97 3c c4 96 0a 25 48 0a 7c 19 6e 4c 58"),
    clientSignKey: hex("47 88 dc 86 1b 47 82 f3 5d 43 fd 98 fe 1a 2d 39"),
    plaintext: Buffer.from("Plaintext", "utf16le"),
    sealedData: hex("54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f"),
    signature: hex("01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00"),
};

/** The FILETIME zero (1601-01-01) that section 4.2.4 uses as the client timestamp. */
const FILETIME_ZERO = new Date(-11644473600000);

function fixedRandom(...chunks: Buffer[]): (size: number) => Buffer {
    const queue = [...chunks];
    return (size: number) => {
        const next = queue.shift();
        if (next === undefined || next.length !== size) {
            throw new Error(`unexpected random request of ${size} bytes`);
        }
        return next;
    };
}

describe("NTLM MS-NLMP 4.2.4 test vectors", () => {
    it("computes NTOWFv2", () => {
        expect(ntowfV2(SPEC.password, SPEC.user, SPEC.domain).toString("hex")).to.equal(
            SPEC.ntowfV2.toString("hex"),
        );
    });

    it("computes the NT hash with MD4", () => {
        expect(md4Digest(Buffer.from("Password", "utf16le")).toString("hex")).to.equal(
            "a4f49c406510bdcab6824ee7c30fd852",
        );
        expect(md4Digest(Buffer.alloc(0)).toString("hex")).to.equal("31d6cfe0d16ae931b73c59d7e0c089c0");
    });

    it("computes the LMv2 response", () => {
        const response = computeLmV2Response(SPEC.ntowfV2, SPEC.serverChallenge, SPEC.clientChallenge);
        expect(response.toString("hex")).to.equal(SPEC.lmV2Response.toString("hex"));
    });

    it("computes NTProofStr and the session base key", () => {
        const response = computeNtlmV2Response({
            responseKeyNt: SPEC.ntowfV2,
            serverChallenge: SPEC.serverChallenge,
            clientChallenge: SPEC.clientChallenge,
            timestamp: Buffer.alloc(8),
            targetInfo: SPEC.targetInfo,
        });
        expect(response.ntProofStr.toString("hex")).to.equal(SPEC.ntProofStr.toString("hex"));
        expect(response.sessionBaseKey.toString("hex")).to.equal(SPEC.sessionBaseKey.toString("hex"));
        expect(response.ntChallengeResponse.subarray(0, 16).equals(SPEC.ntProofStr)).to.equal(true);
    });

    it("encrypts the random session key with the key exchange key", () => {
        const encrypted = new Rc4(SPEC.sessionBaseKey).update(SPEC.randomSessionKey);
        expect(encrypted.toString("hex")).to.equal(SPEC.encryptedSessionKey.toString("hex"));
    });

    it("derives the client sealing and signing keys", () => {
        expect(
            sealKey(SPEC.challengeFlags, SPEC.randomSessionKey, "client-to-server").toString("hex"),
        ).to.equal(SPEC.clientSealKey.toString("hex"));
        expect(signKey(SPEC.randomSessionKey, "client-to-server").toString("hex")).to.equal(
            SPEC.clientSignKey.toString("hex"),
        );
    });

    it("seals and signs the sample message", () => {
        const session = createNtlmSession({
            flags: SPEC.challengeFlags,
            exportedSessionKey: SPEC.randomSessionKey,
            side: "client",
        });
        const { sealed, signature } = session.seal(SPEC.plaintext);
        expect(sealed.toString("hex")).to.equal(SPEC.sealedData.toString("hex"));
        expect(signature.toString("hex")).to.equal(SPEC.signature.toString("hex"));
    });

    it("unseals the sample message on the server side", () => {
        const server = createNtlmSession({
            flags: SPEC.challengeFlags,
            exportedSessionKey: SPEC.randomSessionKey,
            side: "server",
        });
        expect(server.unseal(SPEC.sealedData, SPEC.signature).equals(SPEC.plaintext)).to.equal(true);
    });

    it("client builds the AUTHENTICATE of the vectors", () => {
        const client = createNtlmClient({
            username: SPEC.user,
            password: SPEC.password,
            domain: SPEC.domain,
            workstation: "COMPUTER",
            randomBytes: fixedRandom(SPEC.clientChallenge, SPEC.randomSessionKey),
            now: () => FILETIME_ZERO,
        });
        client.createNegotiateMessage();
        const challenge = encodeChallengeMessage({
            flags: SPEC.challengeFlags,
            serverChallenge: SPEC.serverChallenge,
            targetName: "Server",
            targetInfo: [],
            targetInfoBytes: SPEC.targetInfo,
        });
        const authenticate = decodeAuthenticateMessage(client.createAuthenticateMessage(challenge));

        expect(authenticate.lmChallengeResponse.toString("hex")).to.equal(SPEC.lmV2Response.toString("hex"));
        expect(authenticate.ntChallengeResponse.subarray(0, 16).toString("hex")).to.equal(
            SPEC.ntProofStr.toString("hex"),
        );
        expect(authenticate.encryptedRandomSessionKey.toString("hex")).to.equal(
            SPEC.encryptedSessionKey.toString("hex"),
        );
        expect(authenticate.userName).to.equal("User");
        expect(authenticate.domain).to.equal("Domain");
        expect(authenticate.workstation).to.equal("COMPUTER");
        expect(authenticate.mic).to.equal(undefined);
        expect(authenticate.flags & NegotiateFlags.NEGOTIATE_OEM).to.equal(0);

        const session = client.session;
        expect(session).to.not.equal(undefined);
        const { sealed, signature } = session!.seal(SPEC.plaintext);
        expect(sealed.toString("hex")).to.equal(SPEC.sealedData.toString("hex"));
        expect(signature.toString("hex")).to.equal(SPEC.signature.toString("hex"));
    });
});

describe("RC4 keystream", () => {
    const vectors: Array<[string, string, string]> = [
        ["Key", "Plaintext", "bbf316e8d940af0ad3"],
        ["Wiki", "pedia", "1021bf0420"],
        ["Secret", "Attack at dawn", "45a01f645fc35b383552544b9bf5"],
    ];
    for (const [key, plaintext, expected] of vectors) {
        it(`encrypts "${plaintext}" with key "${key}"`, () => {
            const output = new Rc4(Buffer.from(key, "ascii")).update(Buffer.from(plaintext, "ascii"));
            expect(output.toString("hex")).to.equal(expected);
        });
    }

    it("continues the keystream across calls", () => {
        const whole = new Rc4(Buffer.from("Secret")).update(Buffer.from("Attack at dawn"));
        const handle = new Rc4(Buffer.from("Secret"));
        const pieces = Buffer.concat([
            handle.update(Buffer.from("Attack")),
            handle.update(Buffer.from(" at dawn")),
        ]);
        expect(pieces.equals(whole)).to.equal(true);
    });

    it("rejects an empty key", () => {
        expect(() => new Rc4(Buffer.alloc(0))).to.throw(RangeError);
    });
});

interface Authenticated {
    readonly client: ReturnType<typeof createNtlmClient>;
    readonly result: ReturnType<
        ReturnType<ReturnType<typeof createNtlmServer>["createAuthentication"]>["acceptAuthenticateMessage"]
    >;
    readonly negotiate: Buffer;
    readonly challenge: Buffer;
    readonly authenticate: Buffer;
}

const USERS = { Administrator: "S3cret!pass", deploy: "another-Passw0rd" };

function authenticate(
    username: string,
    password: string,
    serverOptions: { domains?: string[] } = {},
): Authenticated {
    const server = createNtlmServer({ users: USERS, computerName: "WINHOST", ...serverOptions });
    const context = server.createAuthentication();
    const client = createNtlmClient({ username, password, workstation: "LINUXCI" });
    const negotiate = client.createNegotiateMessage();
    const challenge = context.createChallengeMessage(negotiate);
    const authenticateMessage = client.createAuthenticateMessage(challenge);
    const result = context.acceptAuthenticateMessage(authenticateMessage);
    return { client, result, negotiate, challenge, authenticate: authenticateMessage };
}

function expectAuthenticationFailure(action: () => unknown, reason: string): NtlmAuthenticationError {
    try {
        action();
    } catch (error) {
        expect(error).to.be.instanceOf(NtlmAuthenticationError);
        const failure = error as NtlmAuthenticationError;
        expect(failure.reason).to.equal(reason);
        return failure;
    }
    throw new Error(`expected an NtlmAuthenticationError with reason ${reason}`);
}

describe("NTLM client and server", () => {
    it("authenticates a configured user", () => {
        const { result } = authenticate("Administrator", USERS.Administrator);
        expect(result.userName).to.equal("Administrator");
        expect(result.domain).to.equal("");
        expect(result.workstation).to.equal("LINUXCI");
    });

    it("matches user names case-insensitively", () => {
        const { result } = authenticate("ADMINISTRATOR", USERS.Administrator);
        expect(result.userName).to.equal("Administrator");
    });

    it("accepts DOMAIN\\user names", () => {
        const { result } = authenticate("winhost\\deploy", USERS.deploy);
        expect(result.userName).to.equal("deploy");
        expect(result.domain).to.equal("winhost");
    });

    it("restricts domains when configured", () => {
        const { result } = authenticate("WINHOST\\deploy", USERS.deploy, { domains: ["winhost", ""] });
        expect(result.domain).to.equal("WINHOST");
        expectAuthenticationFailure(
            () => authenticate("OTHER\\deploy", USERS.deploy, { domains: ["WINHOST"] }),
            "unknown-domain",
        );
    });

    it("rejects a wrong password without revealing it", () => {
        const failure = expectAuthenticationFailure(
            () => authenticate("Administrator", "not-the-password"),
            "wrong-password",
        );
        expect(failure.message).to.not.include("not-the-password");
        expect(failure.message).to.not.include(USERS.Administrator);
        expect(failure.message).to.include("Administrator");
    });

    it("rejects an unknown user", () => {
        expectAuthenticationFailure(() => authenticate("nobody", "whatever"), "unknown-user");
    });

    it("sends a MIC that the server checks", () => {
        const server = createNtlmServer({ users: USERS });
        const context = server.createAuthentication();
        const client = createNtlmClient({ username: "deploy", password: USERS.deploy });
        const challenge = context.createChallengeMessage(client.createNegotiateMessage());
        const message = client.createAuthenticateMessage(challenge);
        expect(decodeAuthenticateMessage(message).mic).to.have.length(16);

        // Clearing NEGOTIATE_ALWAYS_SIGN leaves the NTLMv2 proof valid but breaks the MIC.
        const altered = Buffer.from(message);
        altered.writeUInt32LE((altered.readUInt32LE(60) & ~NegotiateFlags.NEGOTIATE_ALWAYS_SIGN) >>> 0, 60);
        expectAuthenticationFailure(() => context.acceptAuthenticateMessage(altered), "invalid-mic");
    });

    it("server challenge carries target info and timestamp", () => {
        const server = createNtlmServer({ users: USERS, computerName: "WINHOST" });
        const client = createNtlmClient({ username: "deploy", password: USERS.deploy });
        const negotiate = client.createNegotiateMessage();
        expect(decodeNegotiateMessage(negotiate).flags).to.equal(0xe2888237);
        const challenge = decodeChallengeMessage(
            server.createAuthentication().createChallengeMessage(negotiate),
        );
        expect(challenge.targetName).to.equal("WINHOST");
        expect(findAvPair(challenge.targetInfo, AvId.MsvAvNbComputerName)?.toString("utf16le")).to.equal(
            "WINHOST",
        );
        expect(findAvPair(challenge.targetInfo, AvId.MsvAvTimestamp)).to.have.length(8);
        expect(challenge.flags & NegotiateFlags.NEGOTIATE_UNICODE).to.not.equal(0);
        expect(challenge.flags & NegotiateFlags.NEGOTIATE_SEAL).to.not.equal(0);
        expect(challenge.flags & NegotiateFlags.NEGOTIATE_KEY_EXCH).to.not.equal(0);
    });

    it("rejects AUTHENTICATE before CHALLENGE", () => {
        const context = createNtlmServer({ users: USERS }).createAuthentication();
        expectAuthenticationFailure(
            () => context.acceptAuthenticateMessage(Buffer.alloc(100)),
            "out-of-order",
        );
    });

    it("rejects malformed NEGOTIATE messages", () => {
        const context = createNtlmServer({ users: USERS }).createAuthentication();
        expectAuthenticationFailure(
            () => context.createChallengeMessage(Buffer.from("NTLMSSP\0garbage")),
            "malformed-message",
        );
    });

    it("client rejects a challenge without sealing", () => {
        const client = createNtlmClient({ username: "deploy", password: USERS.deploy });
        client.createNegotiateMessage();
        const challenge = encodeChallengeMessage({
            flags:
                NegotiateFlags.NEGOTIATE_UNICODE |
                NegotiateFlags.NEGOTIATE_NTLM |
                NegotiateFlags.NEGOTIATE_SIGN,
            serverChallenge: Buffer.alloc(8, 1),
            targetName: "",
            targetInfo: [],
        });
        expect(() => client.createAuthenticateMessage(challenge)).to.throw(NtlmError, /sealing/);
    });

    it("client rejects a truncated challenge", () => {
        const client = createNtlmClient({ username: "deploy", password: USERS.deploy });
        client.createNegotiateMessage();
        expect(() => client.createAuthenticateMessage(Buffer.from("NTLMSSP\0"))).to.throw(NtlmError);
    });
});

describe("NTLM session security", () => {
    it("seals several messages in both directions", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        const clientSession = client.session!;
        const serverSession = result.session;
        for (let round = 0; round < 5; round++) {
            const request = Buffer.from(`<request number="${round}"/>`.repeat(round + 1));
            const sealedRequest = clientSession.seal(request);
            expect(sealedRequest.sealed.equals(request)).to.equal(false);
            expect(sealedRequest.signature.readUInt32LE(12)).to.equal(round);
            expect(
                serverSession.unseal(sealedRequest.sealed, sealedRequest.signature).equals(request),
            ).to.equal(true);

            const response = Buffer.from(`<response number="${round}"/>`);
            const sealedResponse = serverSession.seal(response);
            expect(
                clientSession.unseal(sealedResponse.sealed, sealedResponse.signature).equals(response),
            ).to.equal(true);
        }
    });

    it("keeps each direction's sequence independent", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        const first = client.session!.seal(Buffer.from("one"));
        const second = client.session!.seal(Buffer.from("two"));
        const reply = result.session.seal(Buffer.from("reply"));
        expect(reply.signature.readUInt32LE(12)).to.equal(0);
        expect(result.session.unseal(first.sealed, first.signature).toString()).to.equal("one");
        expect(result.session.unseal(second.sealed, second.signature).toString()).to.equal("two");
        expect(client.session!.unseal(reply.sealed, reply.signature).toString()).to.equal("reply");
    });

    it("detects a tampered sealed message", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        const { sealed, signature } = client.session!.seal(Buffer.from("<Envelope>secret</Envelope>"));
        sealed[3] ^= 0x01;
        expect(() => result.session.unseal(sealed, signature)).to.throw(NtlmError, /does not match/);
    });

    it("detects a tampered signature", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        const { sealed, signature } = client.session!.seal(Buffer.from("<Envelope/>"));
        signature[5] ^= 0x80;
        expect(() => result.session.unseal(sealed, signature)).to.throw(NtlmError, /does not match/);
    });

    it("detects a skipped message", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        client.session!.seal(Buffer.from("lost"));
        const { sealed, signature } = client.session!.seal(Buffer.from("second"));
        expect(() => result.session.unseal(sealed, signature)).to.throw(
            NtlmError,
            /sequence number is 1, expected 0/,
        );
    });

    it("rejects a session from a wrong password", () => {
        const key = Buffer.alloc(16, 7);
        const flags = 0xe28a8233;
        const sender = createNtlmSession({ flags, exportedSessionKey: key, side: "client" });
        const receiver = createNtlmSession({
            flags,
            exportedSessionKey: Buffer.alloc(16, 8),
            side: "server",
        });
        const { sealed, signature } = sender.seal(Buffer.from("hello"));
        expect(() => receiver.unseal(sealed, signature)).to.throw(NtlmError);
    });

    it("signs and verifies without sealing", () => {
        const { client, result } = authenticate("deploy", USERS.deploy);
        const message = Buffer.from("signed only");
        const signature = client.session!.sign(message);
        expect(() => result.session.verify(message, signature)).to.not.throw();
        const next = Buffer.from("next");
        const nextSignature = client.session!.sign(next);
        expect(() => result.session.verify(Buffer.from("nexT"), nextSignature)).to.throw(NtlmError);
    });

    it("works without key exchange", () => {
        const flags = (SPEC.challengeFlags & ~NegotiateFlags.NEGOTIATE_KEY_EXCH) >>> 0;
        const sender = createNtlmSession({ flags, exportedSessionKey: SPEC.sessionBaseKey, side: "server" });
        const receiver = createNtlmSession({
            flags,
            exportedSessionKey: SPEC.sessionBaseKey,
            side: "client",
        });
        const { sealed, signature } = sender.seal(Buffer.from("no key exchange"));
        expect(receiver.unseal(sealed, signature).toString()).to.equal("no key exchange");
    });

    it("requires extended session security", () => {
        expect(() =>
            createNtlmSession({
                flags: NegotiateFlags.NEGOTIATE_SEAL,
                exportedSessionKey: Buffer.alloc(16),
                side: "client",
            }),
        ).to.throw(NtlmError, /EXTENDED_SESSIONSECURITY/);
    });
});

describe("NTLM helpers", () => {
    it("splits DOMAIN\\user", () => {
        expect(splitUserName("CORP\\alice", "")).to.deep.equal({ domain: "CORP", user: "alice" });
        expect(splitUserName("alice", "DEFAULT")).to.deep.equal({ domain: "DEFAULT", user: "alice" });
        expect(splitUserName("alice@corp.example", "")).to.deep.equal({
            domain: "",
            user: "alice@corp.example",
        });
    });

    it("formats and parses Negotiate headers", () => {
        const token = Buffer.from("NTLMSSP\0token");
        const header = formatNegotiateHeader(token);
        expect(header).to.equal(`Negotiate ${token.toString("base64")}`);
        expect(parseNegotiateHeader(header)?.equals(token)).to.equal(true);
        expect(
            parseNegotiateHeader(["Basic realm=x", `negotiate ${token.toString("base64")}`])?.equals(token),
        ).to.equal(true);
        expect(parseNegotiateHeader("Negotiate")).to.equal(undefined);
        expect(parseNegotiateHeader("Basic abc")).to.equal(undefined);
        expect(parseNegotiateHeader(undefined)).to.equal(undefined);
    });
});
