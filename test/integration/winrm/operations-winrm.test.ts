// Host operations through the WinRM runner and the simulated endpoint, once in real pwsh with
// the simulated cmdlets module and once through the operations' TypeScript twins.

import { expect } from "chai";
import * as path from "path";
import { runOperation } from "../../../provider/powershell/operation";
import { WinRmRunner } from "../../../provider/winrm/runner";
import { ensureHostState } from "../../../provider/simulator/seed";
import { defaultExecutor } from "../../../provider/simulator/winrm/default-executor";
import { findPwsh } from "../../../provider/simulator/winrm/executors";
import { requireOrSkip } from "../../support/components";
import { opensslAvailable, type TestCertificates } from "../../support/tls";
import {
    clientOptions,
    makeWinRmCertificates,
    startTestEndpoint,
    type TestEndpoint,
} from "../../support/winrm";
import { makeTempDir } from "../../support/tempDir";

async function newStatePath(): Promise<string> {
    const statePath = path.join(makeTempDir("wcn-winrm-ops-"), "host.json");
    await ensureHostState(statePath);
    return statePath;
}

describe("Host operations over WinRM", function () {
    let certificates: TestCertificates;
    const cleanups: Array<() => Promise<void>> = [];

    before(function () {
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");
        certificates = makeWinRmCertificates();
    });

    after(async () => {
        for (const cleanup of cleanups.splice(0)) {
            await cleanup();
        }
    });

    async function runnerFor(executorKind: "pwsh" | "twin", hostKey: string, sharedStatePath?: string) {
        const statePath = sharedStatePath ?? (await newStatePath());
        const executor = defaultExecutor({ statePath, pwshPath: executorKind === "pwsh" ? undefined : null });
        const test: TestEndpoint = await startTestEndpoint(certificates, { executor });
        const runner = new WinRmRunner({ client: clientOptions(test), hostKey });
        cleanups.push(async () => {
            await runner.dispose();
            await test.close();
        });
        return runner;
    }

    it("reads daemon.json through the twin", async () => {
        const runner = await runnerFor("twin", "ops-twin");
        const result = await runOperation(runner, "read-daemon-json", {});
        expect(result).to.be.an("object");
        expect(runner.stats.shellsOpened).to.equal(1);
    });

    it("reads host facts the same way in pwsh and the twin", async function () {
        requireOrSkip(this, "pwsh", findPwsh() !== undefined, "pwsh is not installed (see .ci/run)");
        const statePath = await newStatePath();
        const pwshRunner = await runnerFor("pwsh", "ops-pwsh", statePath);
        const twinRunner = await runnerFor("twin", "ops-twin-facts", statePath);
        const fromPwsh = await runOperation(pwshRunner, "get-host-facts", {});
        const fromTwin = await runOperation(twinRunner, "get-host-facts", {});
        // The twin reports Windows PowerShell 5.1 by default and pwsh reports itself.
        expect(fromPwsh.powershell.edition).to.equal("Core");
        expect(fromTwin.powershell.edition).to.equal("Desktop");
        expect({ ...fromTwin, powershell: null }).to.deep.equal({ ...fromPwsh, powershell: null });
    });

    it("reports twin failures in the envelope", async () => {
        const runner = await runnerFor("twin", "ops-twin-failure");
        const result = await runner.runScript({
            script: "Write-Output 'not an operation'",
            timeoutMs: 10000,
        });
        expect(result.exitCode).to.equal(1);
        expect(result.stderr).to.contain("no TypeScript twin");
    });
});
