// Every operation through the local runner in real pwsh, against the simulated cmdlets and a
// seeded simulator state.

import { expect } from "chai";
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import type { RawHostFacts } from "../../../provider/powershell/facts";
import type { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import {
    buildOperationScript,
    OperationError,
    readOperationOutput,
    runOperation,
    scriptsDirectory,
} from "../../../provider/powershell/operation";
import { RunnerError } from "../../../provider/powershell/runner";
import { setDaemonJson } from "../../../provider/simulator/out-of-band";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { readHostState } from "../../../provider/simulator/state";
import { requireOrSkip } from "../../support/components";
import { findPwsh, REPOSITORY_ROOT } from "../../unit/powershell/pwsh";
import {
    addHnsEndpoint,
    createSimulatedHost,
    createSimulatedRunner,
    type SimulatedHost,
} from "./simulated-host";

const C12_DAEMON_JSON = readFileSync(
    path.join(REPOSITORY_ROOT, "test", "fixtures", "windows", "C12-daemon.json"),
    "utf8",
);
const OPERATION_TIMEOUT = { timeoutMs: 60_000 };

async function captureRejection(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (error) {
        return error;
    }
    return undefined;
}

describe("local runner operations", function () {
    let pwsh: string;

    before(function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
    });

    for (const profile of ["ws2016", "ws2022"] as ProfileName[]) {
        describe(profile, function () {
            let host: SimulatedHost;
            let runner: LocalPowerShellRunner;

            beforeEach(async function () {
                host = await createSimulatedHost(profile);
                runner = createSimulatedRunner(pwsh, host);
            });

            afterEach(async function () {
                await runner.dispose();
                host.remove();
            });

            it("host facts match the state", async function () {
                const state = await readHostState(host.statePath);
                const facts: RawHostFacts = await runOperation(
                    runner,
                    "get-host-facts",
                    {},
                    OPERATION_TIMEOUT,
                );
                expect(facts.os.buildNumber).to.equal(profile === "ws2016" ? "14393" : "20348");
                expect(facts.powershell.edition).to.equal("Core");
                expect(facts.hypervPresent).to.equal(true);
                expect(facts.netNat).to.deep.equal(
                    state.winNats.map((nat) => ({
                        Name: nat.name,
                        InternalIPInterfaceAddressPrefix: nat.internalIPInterfaceAddressPrefix,
                        Active: nat.active,
                    })),
                );
                expect(facts.vmSwitches.map((vmSwitch) => vmSwitch.Id)).to.deep.equal(
                    state.vmSwitches.map((vmSwitch) => vmSwitch.id.toLowerCase()),
                );
                expect(facts.vmSwitches.map((vmSwitch) => vmSwitch.SwitchType)).to.deep.equal(
                    state.vmSwitches.map((vmSwitch) => vmSwitch.switchType),
                );
                expect(facts.netAdapters.map((adapter) => adapter.Name)).to.deep.equal(
                    state.adapters.map((adapter) => adapter.name),
                );
                expect(facts.netAdapters.map((adapter) => adapter.Virtual)).to.deep.equal(
                    state.adapters.map((adapter) => adapter.kind === "virtual"),
                );
                expect(
                    facts.ipAddresses.map((address) => `${address.IPAddress}/${address.PrefixLength}`),
                ).to.deep.equal(
                    state.adapters.flatMap((adapter) =>
                        adapter.ipv4Addresses.map(
                            (assignment) => `${assignment.address}/${assignment.prefixLength}`,
                        ),
                    ),
                );
                expect(facts.hnsSource).to.equal("Get-HnsNetwork");
                expect(facts.hnsNetworks.map((network) => (network as { ID: string }).ID)).to.deep.equal(
                    state.hnsNetworks.map((network) => network.id),
                );
                expect(facts.daemonJson).to.deep.equal({
                    path: host.daemonJsonPath,
                    exists: false,
                    content: null,
                });
                expect(facts.services).to.deep.equal({
                    hns: { Status: "Running", StartType: "Automatic" },
                    docker: { Status: "Running", StartType: "Automatic" },
                });
            });

            it("single items stay arrays", async function () {
                const facts = await runOperation(runner, "get-host-facts", {}, OPERATION_TIMEOUT);
                expect(facts.vmSwitches).to.be.an("array").with.lengthOf(1);
                expect(facts.hnsNetworks).to.be.an("array").with.lengthOf(1);
                expect(facts.netNat)
                    .to.be.an("array")
                    .with.lengthOf(profile === "ws2016" ? 1 : 0);
                expect(facts.vmSwitches[0].NetAdapterInterfaceDescriptions).to.be.an("array");
            });

            it("lists HNS endpoints", async function () {
                const endpoint = await addHnsEndpoint(
                    host,
                    "5e6298c2-4638-494e-be6b-ff6fef942c06",
                    "172.27.148.101",
                );
                const all = await runOperation(runner, "get-hns-endpoints", {}, OPERATION_TIMEOUT);
                expect(all.endpoints).to.have.lengthOf(1);
                expect(all.endpoints[0].ID).to.equal(endpoint.id);
                expect(all.endpoints[0].IPAddress).to.equal("172.27.148.101");
                expect(all.endpoints[0].PrefixLength).to.equal(20);
                expect(all.endpoints[0].SharedContainers).to.deep.equal([endpoint.containerId]);
                const sameNetwork = await runOperation(
                    runner,
                    "get-hns-endpoints",
                    { networkId: endpoint.virtualNetwork.toLowerCase() },
                    OPERATION_TIMEOUT,
                );
                expect(sameNetwork.endpoints).to.have.lengthOf(1);
                const otherNetwork = await runOperation(
                    runner,
                    "get-hns-endpoints",
                    { networkId: "00000000-0000-0000-0000-000000000000" },
                    OPERATION_TIMEOUT,
                );
                expect(otherNetwork.endpoints).to.deep.equal([]);
            });
        });
    }

    describe("daemon.json", function () {
        let host: SimulatedHost;
        let runner: LocalPowerShellRunner;

        beforeEach(async function () {
            host = await createSimulatedHost("ws2022");
            await setDaemonJson(host.statePath, C12_DAEMON_JSON);
            runner = createSimulatedRunner(pwsh, host);
        });

        afterEach(async function () {
            await runner.dispose();
            host.remove();
        });

        it("reads the seeded file", async function () {
            const file = await runOperation(runner, "read-daemon-json", {}, OPERATION_TIMEOUT);
            expect(file).to.deep.equal({ path: host.daemonJsonPath, exists: true, content: C12_DAEMON_JSON });
        });

        it("write keeps unmanaged keys", async function () {
            const written = await runOperation(
                runner,
                "write-daemon-json",
                { set: { "fixed-cidr": "172.30.0.0/16", experimental: false }, remove: ["absent-key"] },
                OPERATION_TIMEOUT,
            );
            expect(written.changed).to.equal(true);
            expect(written.oldContent).to.equal(C12_DAEMON_JSON);
            const config = JSON.parse(written.newContent) as Record<string, unknown>;
            expect(config).to.deep.equal({
                debug: true,
                experimental: false,
                bridge: "none",
                "fixed-cidr": "172.30.0.0/16",
            });
            expect(Object.keys(config)).to.deep.equal(["debug", "experimental", "bridge", "fixed-cidr"]);
            expect(await fs.readFile(host.daemonJsonPath, "utf8")).to.equal(written.newContent);
        });

        it("write removes keys", async function () {
            const written = await runOperation(
                runner,
                "write-daemon-json",
                { remove: ["bridge"] },
                OPERATION_TIMEOUT,
            );
            expect(JSON.parse(written.newContent)).to.deep.equal({ debug: true, experimental: true });
        });

        it("unchanged write keeps bytes", async function () {
            const written = await runOperation(
                runner,
                "write-daemon-json",
                { set: { bridge: "none" } },
                OPERATION_TIMEOUT,
            );
            expect(written.changed).to.equal(false);
            expect(await fs.readFile(host.daemonJsonPath, "utf8")).to.equal(C12_DAEMON_JSON);
        });

        it("writes no byte order mark", async function () {
            await runOperation(runner, "write-daemon-json", { set: { debug: false } }, OPERATION_TIMEOUT);
            const bytes = await fs.readFile(host.daemonJsonPath);
            expect(bytes[0]).to.equal("{".charCodeAt(0));
        });

        it("rejects invalid JSON unchanged", async function () {
            // The first operation imports the simulated module, which writes the seeded file.
            await runOperation(runner, "read-daemon-json", {}, OPERATION_TIMEOUT);
            await fs.writeFile(host.daemonJsonPath, '{"debug": true,', "utf8");
            const error = await captureRejection(
                runOperation(runner, "write-daemon-json", { set: { debug: false } }, OPERATION_TIMEOUT),
            );
            expect(OperationError.isInstance(error)).to.equal(true);
            expect((error as OperationError).exceptionType).to.equal("System.IO.InvalidDataException");
            expect(await fs.readFile(host.daemonJsonPath, "utf8")).to.equal('{"debug": true,');
        });

        it("restart applies daemon.json", async function () {
            const written = await runOperation(
                runner,
                "write-daemon-json",
                { set: { "fixed-cidr": "172.30.0.0/16" } },
                OPERATION_TIMEOUT,
            );
            expect((await readHostState(host.statePath)).daemonJson).to.equal(C12_DAEMON_JSON);
            const restarted = await runOperation(
                runner,
                "restart-container-services",
                { timeoutSeconds: 20 },
                OPERATION_TIMEOUT,
            );
            expect(restarted.services.docker).to.deep.equal({ Status: "Running", StartType: "Automatic" });
            expect(restarted.services.hns).to.deep.equal({ Status: "Running", StartType: "Automatic" });
            expect((await readHostState(host.statePath)).daemonJson).to.equal(written.newContent);
        });

        it("restart reports a failed start", async function () {
            await runOperation(
                runner,
                "write-daemon-json",
                { set: { "fixed-cidr": "not-a-prefix" } },
                OPERATION_TIMEOUT,
            );
            const error = await captureRejection(
                runOperation(runner, "restart-container-services", { timeoutSeconds: 5 }, OPERATION_TIMEOUT),
            );
            expect(OperationError.isInstance(error)).to.equal(true);
            expect((error as OperationError).category).to.equal("OpenError");
            expect((error as OperationError).fullyQualifiedErrorId).to.match(/^CouldNotStartService,/);
            const state = await readHostState(host.statePath);
            expect(state.services.docker.status).to.equal("Stopped");
            expect(state.services.docker.lastError).to.contain("invalid fixed-cidr not-a-prefix");
        });
    });

    describe("process handling", function () {
        let host: SimulatedHost;
        let runner: LocalPowerShellRunner;

        beforeEach(async function () {
            host = await createSimulatedHost("ws2022");
            runner = createSimulatedRunner(pwsh, host);
        });

        afterEach(async function () {
            await runner.dispose();
            host.remove();
        });

        it("reuses one process", async function () {
            for (let index = 0; index < 5; index++) {
                await runOperation(runner, "read-daemon-json", {}, OPERATION_TIMEOUT);
            }
            expect(runner.stats.processesStarted).to.equal(1);
            expect(runner.stats.roundTrips).to.equal(5);
        });

        it("timeout kills the process", async function () {
            const error = await captureRejection(
                runner.runScript({ script: "Start-Sleep -Seconds 60", timeoutMs: 1500 }),
            );
            expect(RunnerError.isInstance(error)).to.equal(true);
            expect((error as RunnerError).kind).to.equal("timeout");
            const file = await runOperation(runner, "read-daemon-json", {}, OPERATION_TIMEOUT);
            expect(file.exists).to.equal(false);
            expect(runner.stats.processesStarted).to.equal(2);
        });

        it("abort stops the script", async function () {
            const controller = new AbortController();
            setTimeout(() => controller.abort(), 500);
            const started = Date.now();
            const error = await captureRejection(
                runner.runScript({
                    script: "Start-Sleep -Seconds 60",
                    timeoutMs: 60_000,
                    signal: controller.signal,
                }),
            );
            expect((error as RunnerError).kind).to.equal("aborted");
            expect(Date.now() - started).to.be.lessThan(30_000);
        });

        it("names a script that calls exit", async function () {
            const error = await captureRejection(runner.runScript({ script: "exit 3", timeoutMs: 60_000 }));
            expect((error as RunnerError).kind).to.equal("transient");
            expect((error as RunnerError).scriptMayHaveRun).to.equal(true);
            expect((error as Error).message).to.match(/ended while the script ran: the script called exit/);
            expect((error as Error).message).not.to.include("undefined");
        });

        it("stderr alone is no failure", async function () {
            const script = `[Console]::Error.WriteLine('noise')\nWrite-Error 'non-terminating' -ErrorAction Continue\n${buildOperationScript("read-daemon-json", {})}`;
            const output = await runner.runScript({ script, timeoutMs: 60_000 });
            expect(output.stderr).to.contain("noise");
            expect(readOperationOutput("read-daemon-json", output).exists).to.equal(false);
        });

        it("runs scripts past 8191 characters", async function () {
            const script = `# ${"x".repeat(200_000)}\n${buildOperationScript("read-daemon-json", {})}`;
            const output = await runner.runScript({ script, timeoutMs: 60_000 });
            expect(readOperationOutput("read-daemon-json", output).exists).to.equal(false);
        });

        it("reports a missing executable", async function () {
            const { LocalPowerShellRunner } = await import("../../../provider/powershell/localRunner");
            const missing = new LocalPowerShellRunner({
                executablePath: path.join(host.folder, "no-such-pwsh"),
            });
            const error = await captureRejection(missing.runScript({ script: "1", timeoutMs: 5000 }));
            expect((error as RunnerError).kind).to.equal("configuration");
            expect((error as Error).message).to.contain("was not found");
            await missing.dispose();
        });
    });
});

describe("failure envelopes in pwsh", function () {
    let runner: LocalPowerShellRunner;
    let prelude: string;

    before(async function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        const { LocalPowerShellRunner } = await import("../../../provider/powershell/localRunner");
        runner = new LocalPowerShellRunner({ executablePath: found });
        prelude = readFileSync(path.join(scriptsDirectory(), "prelude.ps1"), "utf8");
    });

    after(async function () {
        await runner?.dispose();
    });

    /** Runs `body` as an operation body through the prelude and returns the failure it reports. */
    async function failureOf(body: string): Promise<OperationError> {
        const script = `${prelude}\nfunction Invoke-WcnOperationBody {\n    param($OperationInput)\n${body}\n}\nInvoke-WcnOperation -InputBase64 'e30='\n`;
        const output = await runner.runScript({ script, timeoutMs: 60_000 });
        let caught: unknown;
        try {
            readOperationOutput("get-host-facts", output);
        } catch (error) {
            caught = error;
        }
        expect(OperationError.isInstance(caught), output.stdout).to.equal(true);
        return caught as OperationError;
    }

    it("reports a Win32 HRESULT", async function () {
        const failure = await failureOf(
            "throw (New-Object -TypeName Runtime.InteropServices.COMException -ArgumentList 'The parameter is incorrect.', ([int]0x80070057))",
        );
        expect(failure.hresult).to.equal("0x80070057");
        expect(failure.win32Code).to.equal(87);
        expect(failure.exceptionType).to.equal("System.Runtime.InteropServices.COMException");
        expect(failure.message).to.contain("The parameter is incorrect.");
    });

    it("reports a Win32Exception code", async function () {
        const failure = await failureOf(
            "throw (New-Object -TypeName ComponentModel.Win32Exception -ArgumentList 5)",
        );
        expect(failure.win32Code).to.equal(5);
    });

    it("reads codes from error ids", async function () {
        const failure = await failureOf(
            "Write-Error -Message 'The parameter is incorrect.' -ErrorId 'Windows System Error 87,New-NetNat' -Category InvalidArgument",
        );
        expect(failure.win32Code).to.equal(87);
        expect(failure.category).to.equal("InvalidArgument");
        expect(failure.fullyQualifiedErrorId).to.match(/^Windows System Error 87,New-NetNat/);
        const cim = await failureOf(
            "Write-Error -Message 'Invalid class' -ErrorId 'HRESULT 0x80041010,Get-CimInstance' -Category InvalidType",
        );
        expect(cim.hresult).to.equal("0x80041010");
        expect(cim.win32Code).to.equal(null);
    });
});
