import { expect } from "chai";
import * as fs from "fs";
import { WinRmClient } from "../../../provider/winrm/client";
import { bootstrapCommand, bootstrapInput } from "../../../provider/winrm/command-line";
import { WinRmError, WSMAN_FAULT } from "../../../provider/winrm/faults";
import { certificateFingerprint } from "../../../provider/winrm/transport";
import { requireOrSkip } from "../../support/components";
import { opensslAvailable, type TestCertificates } from "../../support/tls";
import {
    clientOptions,
    makeWinRmCertificates,
    startTestEndpoint,
    testClient,
    type TestEndpoint,
} from "../../support/winrm";
import { echoScriptExecutor, expectedEcho } from "../../support/winrm-executors";

async function rejection(promise: Promise<unknown>): Promise<WinRmError> {
    const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
    );
    expect(error, "expected a WinRmError").to.be.instanceOf(WinRmError);
    return error as WinRmError;
}

/** Runs a script through the bootstrap command in a new shell. */
async function runBootstrap(client: WinRmClient, script: string) {
    const { command, args } = bootstrapCommand();
    return client.runInNewShell(command, args, bootstrapInput(script), {
        command: { consoleModeStdin: false, skipCmdShell: true },
    });
}

describe("WinRM client against the simulated endpoint", function () {
    let certificates: TestCertificates;
    const endpoints: TestEndpoint[] = [];

    async function start(options: Parameters<typeof startTestEndpoint>[1] = {}): Promise<TestEndpoint> {
        const started = await startTestEndpoint(certificates, { executor: echoScriptExecutor(), ...options });
        endpoints.push(started);
        return started;
    }

    before(function () {
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");
        certificates = makeWinRmCertificates();
    });

    afterEach(async () => {
        for (const started of endpoints.splice(0)) {
            await started.close();
        }
    });

    it("runs a script fed through stdin", async () => {
        const test = await start();
        const client = testClient(test);
        try {
            const output = await runBootstrap(client, "Get-Date");
            expect(output.stdout.toString()).to.equal(expectedEcho("Get-Date"));
            expect(output.exitCode).to.equal(0);
            expect(test.endpoint.shellIds()).to.deep.equal([]);
        } finally {
            client.close();
        }
    });

    it("returns stderr and exit code", async () => {
        const test = await start();
        const client = testClient(test);
        try {
            const output = await runBootstrap(client, "fail 3");
            expect(output.stderr.toString()).to.equal("failed\r\n");
            expect(output.exitCode).to.equal(3);
        } finally {
            client.close();
        }
    });

    it("loops over TimedOut long polls", async () => {
        const test = await start();
        const client = testClient(test, { operationTimeoutSec: 1 });
        try {
            const before = test.endpoint.stats.requests;
            const output = await runBootstrap(client, "sleep 2500");
            expect(output.stdout.toString()).to.equal("slept\r\n");
            // Create, Command, Send, three or more Receives, Signal and Delete.
            expect(test.endpoint.stats.requests - before).to.be.at.least(8);
        } finally {
            client.close();
        }
    });

    it("raises QuotaLimit past MaxShellsPerUser", async () => {
        const test = await start({ maxShellsPerUser: 2 });
        const client = testClient(test);
        try {
            const first = await client.createShell();
            await client.createShell();
            const error = await rejection(client.createShell());
            expect(error.kind).to.equal("fault");
            expect(error.details.fault?.subcode).to.equal("w:QuotaLimit");
            expect(error.code).to.equal(WSMAN_FAULT.maxShellsPerUser);
            expect(error.isTransient()).to.equal(true);
            expect(error.message).to.contain("maximum number of 2 concurrent shells");
            await client.deleteShell(first);
            expect(await client.createShell()).to.be.a("string");
        } finally {
            client.close();
        }
    });

    it("raises InvalidSelectors for an expired shell", async () => {
        const test = await start();
        const client = testClient(test);
        try {
            const shellId = await client.createShell();
            test.endpoint.expireShell(shellId);
            const error = await rejection(client.startCommand(shellId, "echo", ["x"]));
            expect(error.isShellNotFound()).to.equal(true);
            expect(error.details.httpStatus).to.equal(500);
        } finally {
            client.close();
        }
    });

    it("terminates a command on Signal", async () => {
        const test = await start();
        const client = testClient(test);
        try {
            const shellId = await client.createShell();
            const { command, args } = bootstrapCommand();
            const commandId = await client.startCommand(shellId, command, args, { skipCmdShell: true });
            await client.sendInput(shellId, commandId, bootstrapInput("sleep 60000"), true);
            await client.signal(shellId, commandId, "terminate");
            const error = await rejection(client.receive(shellId, commandId));
            expect(error.isShellNotFound()).to.equal(true);
            await client.deleteShell(shellId);
        } finally {
            client.close();
        }
    });

    it("stops a command on ctrl_c", async () => {
        const test = await start();
        const client = testClient(test);
        try {
            const shellId = await client.createShell();
            const { command, args } = bootstrapCommand();
            const commandId = await client.startCommand(shellId, command, args, { skipCmdShell: true });
            await client.sendInput(shellId, commandId, bootstrapInput("sleep 60000"), true);
            await client.signal(shellId, commandId, "ctrlC");
            const output = await client.receiveAll(shellId, commandId, Date.now() + 10000);
            expect(output.exitCode).to.equal(0xc000013a);
            await client.deleteShell(shellId);
        } finally {
            client.close();
        }
    });

    it("gets 413 above MaxEnvelopeSizekb", async () => {
        const test = await start({ maxEnvelopeSizeKb: 8 });
        const client = testClient(test);
        try {
            const error = await rejection(runBootstrap(client, "x".repeat(20000)));
            expect(error.details.httpStatus).to.equal(413);
            expect(error.code).to.equal(WSMAN_FAULT.maxEnvelopeSize);
            expect(test.endpoint.shellIds()).to.deep.equal([]);
        } finally {
            client.close();
        }
    });

    it("chunks stdin below the envelope size", async () => {
        const test = await start({ maxEnvelopeSizeKb: 8 });
        const client = testClient(test, { maxEnvelopeSize: 8192 });
        try {
            const script = "y".repeat(20000);
            const before = test.endpoint.stats.requests;
            const output = await runBootstrap(client, script);
            expect(output.stdout.toString()).to.equal(expectedEcho(script));
            const input = bootstrapInput(script).length;
            const sends = Math.ceil(input / client.stdinChunkSize());
            expect(sends).to.be.at.least(5);
            // Create, Command, the Sends, at least one Receive, Signal and Delete.
            expect(test.endpoint.stats.requests - before).to.be.at.least(sends + 5);
        } finally {
            client.close();
        }
    });

    it("accepts a pinned certificate fingerprint", async () => {
        const test = await start();
        const fingerprint = certificateFingerprint(fs.readFileSync(certificates.serverCertFile));
        const client = new WinRmClient(clientOptions(test, { tls: { fingerprintSha256: fingerprint } }));
        try {
            const output = await client.runInNewShell("echo", ["pinned"]);
            expect(output.stdout.toString()).to.equal("pinned\r\n");
        } finally {
            client.close();
        }
    });

    it("rejects a wrong fingerprint before sending", async () => {
        const test = await start();
        const client = new WinRmClient(clientOptions(test, { tls: { fingerprintSha256: "AB".repeat(32) } }));
        try {
            const error = await rejection(client.createShell());
            expect(error.kind).to.equal("tls");
            expect(error.message).to.contain("does not match the pinned fingerprint");
            expect(test.endpoint.stats.requests).to.equal(0);
        } finally {
            client.close();
        }
    });

    it("rejects a socket timeout below the operation timeout", () => {
        expect(
            () => new WinRmClient({ ...clientOptionsFor(), operationTimeoutSec: 20, socketTimeoutMs: 20000 }),
        ).to.throw(WinRmError, /must exceed the operation timeout/);
    });
});

function clientOptionsFor() {
    return {
        endpoint: "https://127.0.0.1:1/wsman",
        authentication: {
            scheme: "test",
            encryptsMessages: false,
            exchange: () => Promise.reject(new Error("unused")),
        },
    };
}
