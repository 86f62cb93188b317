// Every host operation runs through each runner against a freshly seeded simulated host: local
// pwsh, SSH remoting into a network namespace, and WinRM over Basic with HTTPS and over NTLM with
// message encryption. Each result is compared field by field with the operation's TypeScript twin
// on a copy of the same state. Every runner reaches the same pwsh and the simulated cmdlets module.

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OperationError, runOperation } from "../../../provider/powershell/operation";
import {
    OPERATION_NAMES,
    type OperationInput,
    type OperationName,
} from "../../../provider/powershell/operations";
import type { PowerShellRunner } from "../../../provider/powershell/runner";
import { SshRunner } from "../../../provider/powershell/sshRunner";
import { addVirtualMachine, setDaemonJson } from "../../../provider/simulator/out-of-band";
import { runOperationTwin, type TwinOptions } from "../../../provider/simulator/powershell/twins";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { defaultExecutor } from "../../../provider/simulator/winrm/default-executor";
import { NtlmAuthentication } from "../../../provider/winrm/negotiate";
import { WinRmRunner } from "../../../provider/winrm/runner";
import { requireOrSkip } from "../../support/components";
import { checkSshHostPrerequisites, startSshHost, type SshHost } from "../../support/sshd";
import { makeCertificates, opensslAvailable, type TestCertificates } from "../../support/tls";
import { clientOptions, startTestEndpoint, TEST_ACCOUNT, type TestEndpoint } from "../../support/winrm";
import { findPwsh, REPOSITORY_ROOT, SIMULATED_MODULE } from "../../unit/powershell/pwsh";
import {
    addHnsEndpoint,
    createSimulatedHost,
    createSimulatedRunner,
    type SimulatedHost,
} from "./simulated-host";

const SCRIPT_TIMEOUT_MS = 60_000;

const DAEMON_JSON = readFileSync(
    path.join(REPOSITORY_ROOT, "test", "fixtures", "windows", "C12-daemon.json"),
    "utf8",
);

/** Operations in order, each with its input. Later steps see the effects of earlier ones. */
const STEPS: { [Name in OperationName]: [Name, OperationInput<Name>] }[OperationName][] = [
    ["get-host-facts", {}],
    ["get-hns-endpoints", {}],
    ["get-hns-endpoints", { networkId: "00000000-0000-0000-0000-000000000000" }],
    ["read-daemon-json", {}],
    [
        "write-daemon-json",
        { set: { "fixed-cidr": "172.30.0.0/16", "log-level": "warn", debug: false }, remove: ["bridge"] },
    ],
    ["write-daemon-json", { set: { "log-level": "warn" } }],
    ["read-daemon-json", {}],
    ["restart-container-services", { timeoutSeconds: 20 }],
    ["get-host-facts", {}],
    ["write-daemon-json", { set: { "fixed-cidr": "bad" } }],
    ["restart-container-services", { timeoutSeconds: 5 }],
    ["get-host-facts", {}],
    // Writing a valid fixed-cidr starts the stopped docker again.
    ["apply-host-nat-config", { set: { "fixed-cidr": "172.29.0.0/16" }, timeoutSeconds: 20 }],
    ["get-host-facts", {}],
    // Switch ids are random per host, so only steps whose results carry no new id are compared here.
    ["new-vswitch", { name: "wifi", adapterNames: ["Wi-Fi"], allowManagementOS: true }],
    ["set-vswitch", { name: "absent", id: "00000000-0000-0000-0000-000000000000", allowManagementOS: false }],
    [
        "remove-vswitch",
        { name: "absent", id: "00000000-0000-0000-0000-000000000000", removeSwitchNetworks: true },
    ],
    ["set-vm-mac-spoofing", { vmName: "node1", enabled: true }],
    ["set-vm-mac-spoofing", { vmName: "node1", enabled: true }],
];

/**
 * Indexes of the steps that fail: docker does not start with an invalid fixed-cidr, Wi-Fi cannot
 * be bound to a switch, and set-vswitch finds no switch of that name.
 */
const FAILING_STEPS = [10, 14, 15];

type Outcome = { result: Record<string, unknown> } | { error: Record<string, unknown> };

type RunnerKind = "local" | "ssh" | "winrm-basic-https" | "winrm-ntlm-http";

const RUNNER_KINDS: RunnerKind[] = ["local", "ssh", "winrm-basic-https", "winrm-ntlm-http"];

async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
    try {
        return { result: (await action()) as Record<string, unknown> };
    } catch (error) {
        if (!OperationError.isInstance(error)) {
            throw error;
        }
        return {
            error: {
                message: error.message,
                category: error.category,
                hresult: error.hresult,
                win32Code: error.win32Code,
                fullyQualifiedErrorId: error.fullyQualifiedErrorId,
                exceptionType: error.exceptionType,
            },
        };
    }
}

/**
 * Replaces the two documented differences: the host's temporary folder, which appears in paths,
 * and `waitedMs`, a measured time. The PowerShell edition and version are not replaced, because
 * the twin is given the pwsh edition and version instead.
 */
function normalize(outcome: Outcome, folder: string): Outcome {
    const normalized = JSON.parse(JSON.stringify(outcome).split(folder).join("<folder>")) as Outcome;
    if ("result" in normalized && normalized.result !== null && "waitedMs" in normalized.result) {
        expect(normalized.result.waitedMs).to.be.a("number");
        normalized.result.waitedMs = "<waitedMs>";
    }
    return normalized;
}

/** Asserts that the two outcomes have the same fields, then compares each field on its own. */
function expectSameFields(actual: Outcome, expected: Outcome, label: string): void {
    const actualBody = "result" in actual ? actual.result : actual.error;
    const expectedBody = "result" in expected ? expected.result : expected.error;
    expect("result" in actual, `${label}: succeeded`).to.equal("result" in expected);
    expect(Object.keys(actualBody ?? {}), `${label}: field names`).to.deep.equal(
        Object.keys(expectedBody ?? {}),
    );
    for (const key of Object.keys(expectedBody ?? {})) {
        expect(actualBody[key], `${label}: field ${key}`).to.deep.equal(expectedBody[key]);
    }
}

/** Quotes `text` as a PowerShell single-quoted string literal. */
function quotePowerShell(text: string): string {
    return `'${text.replace(/'/g, "''")}'`;
}

describe("operations through all runners", function () {
    this.timeout(180_000);

    let pwsh: string;
    let twinPowerShell: NonNullable<TwinOptions["powershell"]>;
    let sshHost: SshHost | undefined;
    let certificatesFolder: string | undefined;
    let certificates: TestCertificates;

    before(async function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
        const ssh = checkSshHostPrerequisites({ pwshPath: pwsh });
        requireOrSkip(this, "sshd in a network namespace", ssh.available, ssh.reason);
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");

        // The scripts report the PowerShell that runs them, which is pwsh 7 here for every
        // runner, where the twin defaults to Windows PowerShell 5.1.
        const [edition, version] = execFileSync(
            pwsh,
            [
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                "$PSVersionTable.PSEdition; $PSVersionTable.PSVersion.ToString()",
            ],
            { encoding: "utf8", env: { ...process.env, TERM: "dumb" } },
        )
            .trim()
            .split(/\r?\n/);
        twinPowerShell = { edition, version };

        certificatesFolder = mkdtempSync(path.join(os.tmpdir(), "wcn-all-runners-tls-"));
        certificates = makeCertificates(certificatesFolder);
        sshHost = await startSshHost({ pwshPath: pwsh });
    });

    after(async function () {
        await sshHost?.stop();
        if (certificatesFolder !== undefined) {
            rmSync(certificatesFolder, { recursive: true, force: true });
        }
    });

    it("cover every operation", function () {
        const covered = new Set(STEPS.map(([name]) => name));
        for (const name of OPERATION_NAMES) {
            expect(covered.has(name), `${name} is in the steps`).to.equal(true);
        }
    });

    /** Resources of one runner, released by `close`. */
    interface RunnerUnderTest {
        runner: PowerShellRunner;
        close(): Promise<void>;
        /** Endpoint of a WinRM runner, for its counters. */
        endpoint?: TestEndpoint;
    }

    async function startRunner(kind: RunnerKind, host: SimulatedHost): Promise<RunnerUnderTest> {
        if (kind === "local") {
            const runner = createSimulatedRunner(pwsh, host);
            return { runner, close: () => runner.dispose() };
        }
        if (kind === "ssh") {
            return startSshRunner(host);
        }
        const executor = defaultExecutor({ statePath: host.statePath, pwshPath: pwsh });
        const endpoint =
            kind === "winrm-basic-https"
                ? await startTestEndpoint(certificates, { executor })
                : await startTestEndpoint(undefined, { ntlm: true, executor });
        const runner = new WinRmRunner({
            client:
                kind === "winrm-basic-https"
                    ? clientOptions(endpoint)
                    : {
                          endpoint: endpoint.endpoint.url,
                          authentication: new NtlmAuthentication({
                              username: TEST_ACCOUNT.username,
                              password: TEST_ACCOUNT.password,
                          }),
                      },
            hostKey: `all-runners-${kind}-${path.basename(host.folder)}`,
        });
        return {
            runner,
            endpoint,
            close: async () => {
                await runner.dispose();
                await endpoint.close();
            },
        };
    }

    /**
     * Opens an SSH runner and prepares its session: the remote session is one PSSession that
     * every later script reuses, so a first script sets the module's environment variables and
     * imports the simulated cmdlets globally. The namespace shares this machine's filesystem, so
     * the state file and module paths are the same on both ends.
     */
    async function startSshRunner(host: SimulatedHost): Promise<RunnerUnderTest> {
        const server = sshHost as SshHost;
        const runner = new SshRunner({
            host: server.address,
            port: server.port,
            user: server.user,
            privateKey: { path: server.keyFile },
            knownHosts: { path: server.knownHostsFile },
            pwshPath: server.pwshPath,
            connectTimeoutMs: 30_000,
        });
        try {
            const setup = [
                "$ErrorActionPreference = 'Stop'",
                `$env:WCN_SIM_STATE = ${quotePowerShell(host.statePath)}`,
                // The module puts daemon.json under WCN_SIM_PROGRAMDATA, or beside the state file when unset.
                "Remove-Item -Path Env:WCN_SIM_PROGRAMDATA -ErrorAction SilentlyContinue",
                // sshd starts the subsystem with a short PATH, so name the node that runs service-cli.js.
                `$env:WCN_SIM_NODE = ${quotePowerShell(process.execPath)}`,
                `Import-Module -Name ${quotePowerShell(SIMULATED_MODULE)} -Force -Global -DisableNameChecking`,
                "'ready'",
            ].join("\n");
            const prepared = await runner.runScript({ script: setup, timeoutMs: SCRIPT_TIMEOUT_MS });
            expect(prepared.stderr, "SSH session setup stderr").to.equal("");
            expect(prepared.stdout.trim(), "SSH session setup output").to.equal("ready");
        } catch (error) {
            await runner.dispose();
            throw error;
        }
        return { runner, close: () => runner.dispose() };
    }

    for (const profile of ["ws2022", "ws2016"] as ProfileName[]) {
        describe(profile, function () {
            for (const kind of RUNNER_KINDS) {
                it(`${kind} matches the twins`, async function () {
                    const runnerHost = await createSimulatedHost(profile);
                    const twinHost = await createSimulatedHost(profile);
                    let underTest: RunnerUnderTest | undefined;
                    try {
                        await addHnsEndpoint(
                            runnerHost,
                            "5e6298c2-4638-494e-be6b-ff6fef942c06",
                            "172.27.148.101",
                        );
                        await setDaemonJson(runnerHost.statePath, DAEMON_JSON);
                        await addVirtualMachine(runnerHost.statePath, "node1");
                        // Seeding gives new ids, so the twin works on a copy of the runner's state.
                        copyFileSync(runnerHost.statePath, twinHost.statePath);
                        underTest = await startRunner(kind, runnerHost);

                        for (const [index, [name, input]] of STEPS.entries()) {
                            const label = `${kind} ${profile} step ${index} ${name}`;
                            const fromRunner = await outcomeOf(() =>
                                runOperation(underTest!.runner, name, input as never, {
                                    timeoutMs: SCRIPT_TIMEOUT_MS,
                                }),
                            );
                            const fromTwin = await outcomeOf(() =>
                                runOperationTwin(twinHost.statePath, name, input as never, {
                                    powershell: twinPowerShell,
                                }),
                            );
                            expect("error" in fromRunner, `${label}: failed`).to.equal(
                                FAILING_STEPS.includes(index),
                            );
                            expectSameFields(
                                normalize(fromRunner, runnerHost.folder),
                                normalize(fromTwin, twinHost.folder),
                                label,
                            );
                        }

                        expect(readFileSync(runnerHost.daemonJsonPath, "utf8"), "daemon.json").to.equal(
                            readFileSync(twinHost.daemonJsonPath, "utf8"),
                        );
                        const stats = underTest.runner.stats;
                        expect(stats.shellsOpened, `${kind} shells opened`).to.equal(
                            kind === "local" ? 0 : 1,
                        );
                        if (underTest.endpoint !== undefined) {
                            // WinRM starts one PowerShell process per script on the host.
                            expect(underTest.endpoint.endpoint.stats.commandsStarted).to.equal(STEPS.length);
                            expect(underTest.endpoint.endpoint.stats.shellsCreated).to.equal(1);
                        }
                    } finally {
                        await underTest?.close();
                        runnerHost.remove();
                        twinHost.remove();
                    }
                });
            }
        });
    }
});
