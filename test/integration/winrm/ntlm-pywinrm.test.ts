// Interop of this project's NTLM and message encryption with pywinrm's own implementation
// (python3-winrm 0.3.0 with requests-ntlm and ntlm-auth), driven through a JSON-lines helper
// process, without HTTP.

import { expect } from "chai";
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "child_process";
import * as path from "path";
import * as readline from "readline";

import {
    decryptMessage,
    ENCRYPTED_CONTENT_TYPE,
    encryptMessage,
    isEncryptedContentType,
} from "../../../provider/winrm/encryption";
import { createNtlmClient, createNtlmSession, NtlmError } from "../../../provider/winrm/ntlm";
import { decodeAuthenticateMessage, decodeNegotiateMessage } from "../../../provider/winrm/ntlmMessages";
import {
    createNtlmServer,
    NtlmAuthenticationError,
    NtlmServerAuthentication,
} from "../../../provider/winrm/ntlmServer";
import { requireOrSkip } from "../../support/components";

/** Debian's interpreter, whose module path contains python3-winrm's /usr/lib/python3/dist-packages. */
const PYTHON = process.env.WCN_PYWINRM_PYTHON ?? "/usr/bin/python3";
const REPOSITORY_ROOT = path.resolve(__dirname, "../../../..");
const PEER_SCRIPT = path.join(REPOSITORY_ROOT, "test/support/pywinrm_ntlm_peer.py");
const PEER_ENV = {
    ...process.env,
    OPENSSL_CONF: path.join(REPOSITORY_ROOT, "test/support/openssl-legacy.cnf"),
};

type Reply = Record<string, string>;

/** One pywinrm helper process. It replies to requests in order, one JSON line each. */
class PywinrmPeer {
    private readonly child: ChildProcessWithoutNullStreams;
    private readonly pending: Array<(line: string) => void> = [];
    private stderr = "";

    constructor() {
        this.child = spawn(PYTHON, [PEER_SCRIPT], { env: PEER_ENV });
        this.child.stderr.on("data", (chunk: Buffer) => {
            this.stderr += chunk.toString();
        });
        readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
            this.pending.shift()?.(line);
        });
    }

    /** Sends one request and returns the reply; a reply with `error` is returned, not thrown. */
    async call(request: Record<string, unknown>): Promise<Reply> {
        const line = new Promise<string>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`pywinrm peer timed out; stderr: ${this.stderr}`)),
                30000,
            );
            this.pending.push((text) => {
                clearTimeout(timer);
                resolve(text);
            });
        });
        this.child.stdin.write(`${JSON.stringify(request)}\n`);
        return JSON.parse(await line) as Reply;
    }

    /** Like `call`, but throws when the reply is an error. */
    async expectOk(request: Record<string, unknown>): Promise<Reply> {
        const reply = await this.call(request);
        if (reply.error !== undefined) {
            throw new Error(`pywinrm peer failed on ${String(request.op)}: ${reply.error}`);
        }
        return reply;
    }

    close(): void {
        this.child.stdin.end();
        this.child.kill();
    }
}

function pywinrmAvailability(): { available: boolean; reason: string } {
    const check = spawnSync(
        PYTHON,
        ["-c", "import hashlib, winrm, requests_ntlm, ntlm_auth; hashlib.new('md4', b'')"],
        { env: PEER_ENV, encoding: "utf8" },
    );
    if (check.error !== undefined) {
        return { available: false, reason: `${PYTHON} cannot run: ${check.error.message}` };
    }
    if (check.status !== 0) {
        return {
            available: false,
            reason: `${PYTHON} cannot import pywinrm with MD4 (install python3-winrm): ${check.stderr.trim()}`,
        };
    }
    return { available: true, reason: "" };
}

const USERS = { Administrator: "Adm1n!Password", wcn: "wcn-Passw0rd" };

/** Runs pywinrm's handshake against a fresh server authentication and returns both ends. */
async function pywinrmHandshake(
    peer: PywinrmPeer,
    username: string,
    password: string,
): Promise<{ context: NtlmServerAuthentication; negotiate: Buffer; authenticate: Buffer }> {
    const context = createNtlmServer({ users: USERS, computerName: "WCNSIM" }).createAuthentication();
    const negotiate = Buffer.from(
        (await peer.expectOk({ op: "negotiate", username, password })).token,
        "base64",
    );
    const challenge = context.createChallengeMessage(negotiate);
    const reply = await peer.expectOk({ op: "authenticate", token: challenge.toString("base64") });
    return { context, negotiate, authenticate: Buffer.from(reply.token, "base64") };
}

describe("NTLM interop with pywinrm", function () {
    let peer: PywinrmPeer | undefined;

    before(function () {
        const { available, reason } = pywinrmAvailability();
        requireOrSkip(this, "python3-winrm", available, reason);
    });

    beforeEach(() => {
        peer = new PywinrmPeer();
    });

    afterEach(() => {
        peer?.close();
        peer = undefined;
    });

    it("server accepts pywinrm's AUTHENTICATE with MIC", async () => {
        const { context, negotiate, authenticate } = await pywinrmHandshake(
            peer!,
            "Administrator",
            USERS.Administrator,
        );
        expect(decodeNegotiateMessage(negotiate).flags & 0x00080000).to.not.equal(0);
        expect(decodeAuthenticateMessage(authenticate).mic).to.have.length(16);

        const result = context.acceptAuthenticateMessage(authenticate);
        expect(result.userName).to.equal("Administrator");
        expect(result.domain).to.equal("");
    });

    it("server accepts DOMAIN\\user in another case", async () => {
        const { context, authenticate } = await pywinrmHandshake(peer!, "wcnsim\\WCN", USERS.wcn);
        const result = context.acceptAuthenticateMessage(authenticate);
        expect(result.userName).to.equal("wcn");
        expect(result.domain).to.equal("WCNSIM");
    });

    it("server rejects pywinrm with a wrong password", async () => {
        const { context, authenticate } = await pywinrmHandshake(peer!, "Administrator", "wrong-password");
        let failure: unknown;
        try {
            context.acceptAuthenticateMessage(authenticate);
        } catch (error) {
            failure = error;
        }
        expect(failure).to.be.instanceOf(NtlmAuthenticationError);
        expect((failure as NtlmAuthenticationError).reason).to.equal("wrong-password");
        expect((failure as Error).message).to.not.include('wrong-password"');
    });

    it("exchanges encrypted bodies with pywinrm", async () => {
        const { context, authenticate } = await pywinrmHandshake(peer!, "wcn", USERS.wcn);
        const { session } = context.acceptAuthenticateMessage(authenticate);

        for (let round = 0; round < 4; round++) {
            const request = Buffer.from(`<s:Envelope><s:Body>request ${round} ü</s:Body></s:Envelope>`);
            const encrypted = await peer!.expectOk({ op: "encrypt", message: request.toString("base64") });
            expect(isEncryptedContentType(encrypted.contentType)).to.equal(true);
            expect(encrypted.contentType).to.equal(ENCRYPTED_CONTENT_TYPE);
            const received = decryptMessage(
                session,
                Buffer.from(encrypted.body, "base64"),
                encrypted.contentType,
            );
            expect(received.equals(request)).to.equal(true);

            const response = Buffer.from(
                `<s:Envelope><s:Body>response ${round}</s:Body></s:Envelope>`.repeat(round + 1),
            );
            const decrypted = await peer!.expectOk({
                op: "decrypt",
                body: encryptMessage(session, response).toString("base64"),
                contentType: ENCRYPTED_CONTENT_TYPE,
            });
            expect(Buffer.from(decrypted.message, "base64").equals(response)).to.equal(true);
        }
    });

    it("pywinrm detects a tampered response", async () => {
        const { context, authenticate } = await pywinrmHandshake(peer!, "wcn", USERS.wcn);
        const { session } = context.acceptAuthenticateMessage(authenticate);
        const body = encryptMessage(session, "<s:Envelope/>");
        body[body.length - 26] ^= 0x01;
        const reply = await peer!.call({
            op: "decrypt",
            body: body.toString("base64"),
            contentType: ENCRYPTED_CONTENT_TYPE,
        });
        expect(reply.error).to.match(/signature checksum does not match/);
    });

    it("server detects a tampered pywinrm request", async () => {
        const { context, authenticate } = await pywinrmHandshake(peer!, "wcn", USERS.wcn);
        const { session } = context.acceptAuthenticateMessage(authenticate);
        const encrypted = await peer!.expectOk({
            op: "encrypt",
            message: Buffer.from("<s:Envelope/>").toString("base64"),
        });
        const body = Buffer.from(encrypted.body, "base64");
        body[body.length - 26] ^= 0x01;
        expect(() => decryptMessage(session, body, encrypted.contentType)).to.throw(
            NtlmError,
            /does not match/,
        );
    });

    it("client sessions interoperate with pywinrm's session security", async () => {
        // pywinrm has no NTLM server, so the client side is checked with ntlm-auth's
        // SessionSecurity in its server role, given the client's flags and session key.
        const exportedSessionKey = Buffer.from("00112233445566778899aabbccddeeff", "hex");
        const flags = 0xe2888235;
        const client = createNtlmSession({ flags, exportedSessionKey, side: "client" });
        await peer!.expectOk({
            op: "session",
            flags,
            key: exportedSessionKey.toString("base64"),
            source: "server",
        });

        for (let round = 0; round < 3; round++) {
            const request = Buffer.from(`client message ${round}`);
            const { sealed, signature } = client.seal(request);
            const unwrapped = await peer!.expectOk({
                op: "unwrap",
                sealed: sealed.toString("base64"),
                signature: signature.toString("base64"),
            });
            expect(Buffer.from(unwrapped.message, "base64").equals(request)).to.equal(true);

            const response = Buffer.from(`server message ${round}`);
            const wrapped = await peer!.expectOk({ op: "wrap", message: response.toString("base64") });
            const opened = client.unseal(
                Buffer.from(wrapped.sealed, "base64"),
                Buffer.from(wrapped.signature, "base64"),
            );
            expect(opened.equals(response)).to.equal(true);
        }
    });

    it("client AUTHENTICATE flags match pywinrm's for the same challenge", async () => {
        const context = createNtlmServer({ users: USERS }).createAuthentication();
        const client = createNtlmClient({ username: "wcn", password: USERS.wcn });
        const challenge = context.createChallengeMessage(client.createNegotiateMessage());
        const result = context.acceptAuthenticateMessage(client.createAuthenticateMessage(challenge));
        expect(result.session.flags & 0x20).to.not.equal(0);

        const pywinrm = await pywinrmHandshake(peer!, "wcn", USERS.wcn);
        const pywinrmFlags = decodeAuthenticateMessage(pywinrm.authenticate).flags;
        const sessionBits = 0x00080000 | 0x40000000 | 0x20000000 | 0x00000020 | 0x00000010;
        expect(result.session.flags & sessionBits).to.equal(pywinrmFlags & sessionBits);
    });
});
