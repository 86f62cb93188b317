// The WinRM runner against the simulated endpoint running real pwsh, with the simulated cmdlets
// module, over Basic with HTTPS and over NTLM with message encryption.

import { expect } from "chai";
import * as path from "path";
import { NtlmAuthentication } from "../../../provider/winrm/negotiate";
import { WinRmRunner } from "../../../provider/winrm/runner";
import { defaultExecutor } from "../../../provider/simulator/winrm/default-executor";
import { findPwsh } from "../../../provider/simulator/winrm/executors";
import { ensureHostState } from "../../../provider/simulator/seed";
import { requireOrSkip } from "../../support/components";
import { opensslAvailable, type TestCertificates } from "../../support/tls";
import {
    clientOptions,
    makeWinRmCertificates,
    startTestEndpoint,
    TEST_ACCOUNT,
    type TestEndpoint,
} from "../../support/winrm";
import { makeTempDir } from "../../support/tempDir";

describe("WinRM runner with pwsh", function () {
    let certificates: TestCertificates;
    let test: TestEndpoint;
    let runner: WinRmRunner;
    let statePath: string;

    before(async function () {
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");
        requireOrSkip(this, "pwsh", findPwsh() !== undefined, "pwsh is not installed (see .ci/run)");
        certificates = makeWinRmCertificates();
        statePath = path.join(makeTempDir("wcn-winrm-state-"), "host.json");
        await ensureHostState(statePath);
        test = await startTestEndpoint(certificates, { executor: defaultExecutor({ statePath }) });
        runner = new WinRmRunner({
            client: clientOptions(test, { operationTimeoutSec: 2 }),
            hostKey: "pwsh-runner",
        });
    });

    after(async () => {
        await runner?.dispose();
        await test?.close();
    });

    it("runs a 100 KB multi-line script", async () => {
        const payload = "0123456789".repeat(10500);
        const script = [
            "$data = @'",
            payload,
            "'@",
            "if ($data.Length -gt 100000) {",
            "    Write-Output ('length=' + $data.Length)",
            "}",
            "exit 0",
        ].join("\n");
        const result = await runner.runScript({ script, timeoutMs: 60000 });
        expect(result.stdout.trim()).to.equal(`length=${payload.length}`);
        expect(result.exitCode).to.equal(0);
    });

    it("runs the script as one block", async () => {
        const script = [
            "$ErrorActionPreference = 'Stop'",
            "try {",
            "    throw 'boom'",
            "    Write-Output 'not reached'",
            "} catch {",
            '    Write-Output "caught $($_.Exception.Message)"',
            "    exit 7",
            "}",
        ].join("\n");
        const result = await runner.runScript({ script, timeoutMs: 60000 });
        expect(result.stdout.trim()).to.equal("caught boom");
        expect(result.exitCode).to.equal(7);
    });

    it("keeps non-ASCII text intact", async () => {
        const result = await runner.runScript({
            script: "Write-Output 'Ethernet-Ä Straße €'",
            timeoutMs: 60000,
        });
        expect(result.stdout.trim()).to.equal("Ethernet-Ä Straße €");
    });

    it("outlasts the operation timeout", async () => {
        const result = await runner.runScript({
            script: "Start-Sleep -Seconds 5; Write-Output 'late'",
            timeoutMs: 60000,
        });
        expect(result.stdout.trim()).to.equal("late");
    });

    it("calls the simulated cmdlets", async () => {
        const script = "(Get-CimInstance -ClassName Win32_OperatingSystem).Caption";
        const result = await runner.runScript({ script, timeoutMs: 60000 });
        expect(result.stderr).to.equal("");
        expect(result.stdout).to.match(/Windows Server/);
    });

    it("reuses one shell for the run", () => {
        expect(runner.stats.shellsOpened).to.equal(1);
        expect(runner.stats.processesStarted).to.be.at.least(5);
    });

    it("runs over NTLM with message encryption", async () => {
        const plain = await startTestEndpoint(undefined, {
            ntlm: true,
            executor: defaultExecutor({ statePath }),
        });
        const authentication = new NtlmAuthentication({
            username: TEST_ACCOUNT.username,
            password: TEST_ACCOUNT.password,
        });
        const ntlmRunner = new WinRmRunner({
            client: { endpoint: plain.endpoint.url, authentication },
            hostKey: "ntlm-runner",
        });
        try {
            const script = `$x = '${"z".repeat(50000)}'\nWrite-Output $x.Length`;
            const result = await ntlmRunner.runScript({ script, timeoutMs: 60000 });
            expect(result.stdout.trim()).to.equal("50000");
            expect(result.exitCode).to.equal(0);
        } finally {
            await ntlmRunner.dispose();
            await plain.close();
        }
    });
});
