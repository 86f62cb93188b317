// The simulated WinRM endpoint against pywinrm (Debian python3-winrm, the client Ansible uses)
// and against this project's client, case by case, over Basic with HTTPS.

import { expect } from "chai";
import { BasicAuthentication } from "../../../provider/winrm/auth";
import { WinRmClient } from "../../../provider/winrm/client";
import { encodePowerShellCommand } from "../../../provider/winrm/command-line";
import { WinRmError } from "../../../provider/winrm/faults";
import { NtlmAuthentication } from "../../../provider/winrm/negotiate";
import { findPwsh } from "../../../provider/simulator/winrm/executors";
import { requireOrSkip } from "../../support/components";
import { opensslAvailable, type TestCertificates } from "../../support/tls";
import {
    clientOptions,
    makeWinRmCertificates,
    pywinrmUnavailableReason,
    runPywinrm,
    startTestEndpoint,
    TEST_ACCOUNT,
    testClient,
    type TestEndpoint,
} from "../../support/winrm";

/** Runs a command through the TS client the way pywinrm's run_cmd does (codepage 437, through cmd). */
async function tsRunCmd(client: WinRmClient, command: string, args: string[] = []) {
    const output = await client.runInNewShell(command, args, undefined, { shell: { codepage: 437 } });
    return {
        stdout: output.stdout.toString("utf8"),
        stderr: output.stderr.toString("utf8"),
        exitCode: output.exitCode,
    };
}

/** Runs a script the way pywinrm's run_ps does: `powershell -encodedcommand <UTF-16LE base64>`. */
function runPsCommand(script: string): string {
    return `powershell -encodedcommand ${encodePowerShellCommand(script)}`;
}

describe("WinRM endpoint with pywinrm and the TS client", function () {
    let certificates: TestCertificates;
    let https: TestEndpoint;

    before(async function () {
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");
        requireOrSkip(
            this,
            "pywinrm",
            pywinrmUnavailableReason() === undefined,
            pywinrmUnavailableReason() ?? "",
        );
        certificates = makeWinRmCertificates();
        https = await startTestEndpoint(certificates);
    });

    after(async () => {
        await https?.close();
    });

    describe("run_cmd over Basic with HTTPS", () => {
        const cases: Array<{ command: string; args: string[]; stdout: string; exitCode: number }> = [
            { command: "echo", args: ["hello", "world"], stdout: "hello world\r\n", exitCode: 0 },
            { command: "hostname", args: [], stdout: "WCN-SIM\r\n", exitCode: 0 },
            { command: "exit", args: ["/b", "7"], stdout: "", exitCode: 7 },
        ];
        for (const testCase of cases) {
            it(`pywinrm runs ${testCase.command}`, async () => {
                const result = await runPywinrm({
                    endpoint: https.endpoint.url,
                    ca_file: certificates.caFile,
                    action: "run_cmd",
                    command: testCase.command,
                    args: testCase.args,
                });
                expect(result.error, result.message).to.equal(undefined);
                expect(result.std_out).to.equal(testCase.stdout);
                expect(result.status_code).to.equal(testCase.exitCode);
            });

            it(`TS client runs ${testCase.command}`, async () => {
                const client = testClient(https);
                try {
                    const result = await tsRunCmd(client, testCase.command, testCase.args);
                    expect(result.stdout).to.equal(testCase.stdout);
                    expect(result.exitCode).to.equal(testCase.exitCode);
                } finally {
                    client.close();
                }
            });
        }

        it("pywinrm gets cmd's error for an unknown command", async () => {
            const result = await runPywinrm({
                endpoint: https.endpoint.url,
                ca_file: certificates.caFile,
                action: "run_cmd",
                command: "no-such-command",
            });
            expect(result.status_code).to.equal(9009);
            expect(result.std_err).to.contain("is not recognized as an internal or external command");
        });

        it("TS client gets cmd's error for an unknown command", async () => {
            const client = testClient(https);
            try {
                const result = await tsRunCmd(client, "no-such-command");
                expect(result.exitCode).to.equal(9009);
                expect(result.stderr).to.contain("is not recognized as an internal or external command");
            } finally {
                client.close();
            }
        });

        it("leaves no shell open after either client", () => {
            expect(https.endpoint.shellIds()).to.deep.equal([]);
        });
    });

    describe("run_ps in pwsh", function () {
        before(function () {
            requireOrSkip(this, "pwsh", findPwsh() !== undefined, "pwsh is not installed (see .ci/run)");
        });

        const script =
            '$items = @(1, 2, 3)\n$sum = 0\nforeach ($i in $items) { $sum += $i }\nWrite-Output "sum=$sum"\nexit 5';

        it("pywinrm run_ps returns output and exit code", async () => {
            const result = await runPywinrm({
                endpoint: https.endpoint.url,
                ca_file: certificates.caFile,
                action: "run_ps",
                script,
            });
            expect(result.error, result.message).to.equal(undefined);
            expect(result.std_out?.trim()).to.equal("sum=6");
            expect(result.status_code).to.equal(5);
        });

        it("TS client runs the same encoded command", async () => {
            const client = testClient(https);
            try {
                const result = await tsRunCmd(client, runPsCommand(script));
                expect(result.stdout.trim()).to.equal("sum=6");
                expect(result.exitCode).to.equal(5);
            } finally {
                client.close();
            }
        });

        it("pywinrm survives TimedOut long polls", async () => {
            const result = await runPywinrm({
                endpoint: https.endpoint.url,
                ca_file: certificates.caFile,
                action: "run_ps",
                script: "Start-Sleep -Seconds 3; Write-Output 'woke'",
                operation_timeout_sec: 1,
                read_timeout_sec: 5,
            });
            expect(result.error, result.message).to.equal(undefined);
            expect(result.std_out?.trim()).to.equal("woke");
        });

        it("TS client survives TimedOut long polls", async () => {
            const client = testClient(https, { operationTimeoutSec: 1 });
            try {
                const before = client.roundTrips;
                const result = await tsRunCmd(
                    client,
                    runPsCommand("Start-Sleep -Seconds 3; Write-Output 'woke'"),
                );
                expect(result.stdout.trim()).to.equal("woke");
                // Create, Command, at least two timed-out Receives and the final one, Signal, Delete.
                expect(client.roundTrips - before).to.be.at.least(6);
            } finally {
                client.close();
            }
        });
    });

    describe("authentication and TLS", () => {
        it("pywinrm gets InvalidCredentialsError for a wrong password", async () => {
            const result = await runPywinrm({
                endpoint: https.endpoint.url,
                ca_file: certificates.caFile,
                password: "wrong-password",
                action: "run_cmd",
                command: "echo",
                args: ["x"],
            });
            expect(result.error).to.equal("InvalidCredentialsError");
        });

        it("TS client reports 401 without the password", async () => {
            const secret = "wrong-Secret-123";
            const client = new WinRmClient(
                clientOptions(https, {}, new BasicAuthentication(TEST_ACCOUNT.username, secret)),
            );
            try {
                const error = await client.createShell().then(
                    () => undefined,
                    (caught: unknown) => caught,
                );
                expect(error).to.be.instanceOf(WinRmError);
                expect((error as WinRmError).kind).to.equal("authentication");
                expect((error as WinRmError).message).to.not.contain(secret);
                expect(JSON.stringify(error)).to.not.contain(secret);
            } finally {
                client.close();
            }
        });

        it("pywinrm rejects the certificate without the CA", async () => {
            const result = await runPywinrm({
                endpoint: https.endpoint.url,
                action: "run_cmd",
                command: "echo",
                args: ["x"],
            });
            expect(result.error).to.match(/SSLError/);
        });

        it("TS client rejects the certificate without the CA", async () => {
            const client = new WinRmClient(clientOptions(https, { tls: {} }));
            try {
                const error = await client.createShell().then(
                    () => undefined,
                    (caught: unknown) => caught,
                );
                expect((error as WinRmError).kind).to.equal("tls");
            } finally {
                client.close();
            }
        });
    });

    describe("Basic over plain HTTP", () => {
        it("endpoint rejects pywinrm without AllowUnencrypted", async () => {
            const plain = await startTestEndpoint(undefined);
            try {
                const result = await runPywinrm({
                    endpoint: plain.endpoint.url,
                    action: "run_cmd",
                    command: "echo",
                    args: ["x"],
                });
                expect(result.error).to.equal("InvalidCredentialsError");
            } finally {
                await plain.close();
            }
        });

        it("endpoint accepts pywinrm with AllowUnencrypted", async () => {
            const plain = await startTestEndpoint(undefined, { allowUnencrypted: true });
            try {
                const result = await runPywinrm({
                    endpoint: plain.endpoint.url,
                    action: "run_cmd",
                    command: "echo",
                    args: ["x"],
                });
                expect(result.error, result.message).to.equal(undefined);
                expect(result.std_out).to.equal("x\r\n");
            } finally {
                await plain.close();
            }
        });

        it("TS client needs allowUnencrypted for Basic", async () => {
            const plain = await startTestEndpoint(undefined, { allowUnencrypted: true });
            try {
                expect(() => testClient(plain)).to.throw(WinRmError, /allowUnencrypted/);
                const client = testClient(plain, { allowUnencrypted: true });
                try {
                    const result = await tsRunCmd(client, "echo", ["x"]);
                    expect(result.stdout).to.equal("x\r\n");
                } finally {
                    client.close();
                }
            } finally {
                await plain.close();
            }
        });
    });

    describe("NTLM with message encryption over HTTP", function () {
        let plain: TestEndpoint;

        before(async () => {
            plain = await startTestEndpoint(undefined, { ntlm: true });
        });

        after(async () => {
            await plain?.close();
        });

        function ntlmClient(password: string = TEST_ACCOUNT.password): WinRmClient {
            const authentication = new NtlmAuthentication({ username: TEST_ACCOUNT.username, password });
            return new WinRmClient({ endpoint: plain.endpoint.url, authentication });
        }

        it("pywinrm runs echo with encryption always", async () => {
            const result = await runPywinrm({
                endpoint: plain.endpoint.url,
                transport: "ntlm",
                message_encryption: "always",
                action: "run_cmd",
                command: "echo",
                args: ["sealed"],
            });
            expect(result.error, result.message).to.equal(undefined);
            expect(result.std_out).to.equal("sealed\r\n");
            expect(result.status_code).to.equal(0);
        });

        it("TS client runs echo with encryption", async () => {
            const client = ntlmClient();
            try {
                const result = await tsRunCmd(client, "echo", ["sealed"]);
                expect(result.stdout).to.equal("sealed\r\n");
                expect(result.exitCode).to.equal(0);
            } finally {
                client.close();
            }
        });

        it("pywinrm run_ps with encryption", async function () {
            requireOrSkip(this, "pwsh", findPwsh() !== undefined, "pwsh is not installed (see .ci/run)");
            const result = await runPywinrm({
                endpoint: plain.endpoint.url,
                transport: "ntlm",
                message_encryption: "always",
                action: "run_ps",
                script: "Write-Output ('n=' + (2 * 21))",
            });
            expect(result.error, result.message).to.equal(undefined);
            expect(result.std_out?.trim()).to.equal("n=42");
        });

        it("pywinrm without encryption is rejected", async () => {
            const result = await runPywinrm({
                endpoint: plain.endpoint.url,
                transport: "ntlm",
                message_encryption: "never",
                action: "run_cmd",
                command: "echo",
                args: ["x"],
            });
            expect(result.error).to.equal("InvalidCredentialsError");
        });

        it("pywinrm with a wrong password is rejected", async () => {
            const result = await runPywinrm({
                endpoint: plain.endpoint.url,
                transport: "ntlm",
                password: "wrong-password",
                message_encryption: "always",
                action: "run_cmd",
                command: "echo",
                args: ["x"],
            });
            expect(result.error).to.equal("InvalidCredentialsError");
        });

        it("TS client with a wrong password gets 401", async () => {
            const secret = "Wrong-Secret-456";
            const client = ntlmClient(secret);
            try {
                const error = await client.createShell().then(
                    () => undefined,
                    (caught: unknown) => caught,
                );
                expect((error as WinRmError).kind).to.equal("authentication");
                expect((error as WinRmError).message).to.not.contain(secret);
            } finally {
                client.close();
            }
        });

        it("TS client re-authenticates a new connection", async () => {
            const client = ntlmClient();
            try {
                const first = await tsRunCmd(client, "echo", ["one"]);
                client.transport.close();
                const second = await tsRunCmd(client, "echo", ["two"]);
                expect(first.stdout).to.equal("one\r\n");
                expect(second.stdout).to.equal("two\r\n");
            } finally {
                client.close();
            }
        });
    });

    describe("NTLM over HTTPS", () => {
        it("TS client runs echo without message encryption", async () => {
            const secure = await startTestEndpoint(certificates, { ntlm: true, disableBasic: true });
            try {
                const authentication = new NtlmAuthentication({
                    username: TEST_ACCOUNT.username,
                    password: TEST_ACCOUNT.password,
                });
                const client = new WinRmClient(clientOptions(secure, {}, authentication));
                try {
                    const result = await tsRunCmd(client, "echo", ["tls"]);
                    expect(result.stdout).to.equal("tls\r\n");
                } finally {
                    client.close();
                }
            } finally {
                await secure.close();
            }
        });

        it("pywinrm runs echo over HTTPS", async () => {
            const secure = await startTestEndpoint(certificates, { ntlm: true, disableBasic: true });
            try {
                const result = await runPywinrm({
                    endpoint: secure.endpoint.url,
                    ca_file: certificates.caFile,
                    transport: "ntlm",
                    action: "run_cmd",
                    command: "echo",
                    args: ["tls"],
                });
                expect(result.error, result.message).to.equal(undefined);
                expect(result.std_out).to.equal("tls\r\n");
            } finally {
                await secure.close();
            }
        });
    });
});
