// apply-host-nat-config against seeded simulated hosts: the script in real pwsh with the simulated
// cmdlets, and its TypeScript twin on a copy of the same state, step by step. Each step checks
// the result, daemon.json and the simulator state of both, and that the two results agree.

import { expect } from "chai";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { classifyPowerShellError } from "../../../provider/powershell/classify";
import { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import { OperationError, runOperation } from "../../../provider/powershell/operation";
import {
    type ApplyHostNatConfigInput,
    type ApplyHostNatConfigResult,
    type HnsNetworkRef,
    hostNatConfigTimeoutMs,
    parseHostNatConfigFailure,
} from "../../../provider/powershell/operations";
import type { Container, HostState } from "../../../provider/simulator/model";
import { setDaemonJson, stopService } from "../../../provider/simulator/out-of-band";
import { runOperationTwin } from "../../../provider/simulator/powershell/twins";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { readHostState, updateHostState } from "../../../provider/simulator/state";
import { requireOrSkip } from "../../support/components";
import { findPwsh, SIMULATED_MODULE } from "../../unit/powershell/pwsh";
import { createSimulatedHost, createSimulatedRunner, type SimulatedHost } from "./simulated-host";

const OPERATION = "apply-host-nat-config";
const TIMEOUT_SECONDS = 20;

/** daemon.json with keys the operation does not manage, which every step must keep. */
const UNMANAGED_DAEMON_JSON =
    '{\n    "debug": true,\n    "registry-mirrors": ["https://mirror.example.test"]\n}\n';
const UNMANAGED_KEYS = { debug: true, "registry-mirrors": ["https://mirror.example.test"] };

/** Overlaps the seeded "Ethernet" adapter's 192.168.50.10/24. */
const OVERLAPPING_PREFIX = "192.168.50.0/24";

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

type Outcome = { result: ApplyHostNatConfigResult } | { error: OperationError };

/** One way of running the operation: the script in pwsh, or the twin. */
interface Target {
    label: "pwsh" | "twin";
    host: SimulatedHost;
    run(input: ApplyHostNatConfigInput): Promise<Outcome>;
}

async function outcomeOf(action: () => Promise<ApplyHostNatConfigResult>): Promise<Outcome> {
    try {
        return { result: await action() };
    } catch (error) {
        if (!OperationError.isInstance(error)) {
            throw error;
        }
        return { error };
    }
}

function pwshTarget(runner: LocalPowerShellRunner, host: SimulatedHost): Target {
    return {
        label: "pwsh",
        host,
        run: (input) =>
            outcomeOf(() =>
                runOperation(runner, OPERATION, input, { timeoutMs: hostNatConfigTimeoutMs(input) }),
            ),
    };
}

function twinTarget(host: SimulatedHost, absentCmdlets: string[] = []): Target {
    return {
        label: "twin",
        host,
        run: (input) =>
            outcomeOf(() => runOperationTwin(host.statePath, OPERATION, input, { absentCmdlets })),
    };
}

function resultOf(outcome: Outcome, label: string): ApplyHostNatConfigResult {
    if ("error" in outcome) {
        expect.fail(`${label} failed: ${outcome.error.message}`);
    }
    return outcome.result;
}

function errorOf(outcome: Outcome, label: string): OperationError {
    if ("result" in outcome) {
        expect.fail(`${label} succeeded: ${JSON.stringify(outcome.result)}`);
    }
    return outcome.error;
}

/**
 * Replaces what differs between the two hosts by design: the temporary folder, HNS ids (each
 * engine start makes new GUIDs) and the measured wait.
 */
function normalize(outcome: Outcome, folder: string): unknown {
    const body =
        "result" in outcome
            ? { result: { ...outcome.result, waitedMs: "<waitedMs>" } }
            : {
                  error: {
                      message: outcome.error.message,
                      category: outcome.error.category,
                      hresult: outcome.error.hresult,
                      win32Code: outcome.error.win32Code,
                      fullyQualifiedErrorId: outcome.error.fullyQualifiedErrorId,
                      exceptionType: outcome.error.exceptionType,
                  },
              };
    return JSON.parse(JSON.stringify(body).split(folder).join("<folder>").replace(GUID, "<guid>"));
}

function expectSameOutcome(
    fromScript: Outcome,
    fromTwin: Outcome,
    scriptHost: SimulatedHost,
    twinHost: SimulatedHost,
): void {
    expect(normalize(fromTwin, twinHost.folder), "twin outcome").to.deep.equal(
        normalize(fromScript, scriptHost.folder),
    );
}

/** Returns the subnets of the engine's default nat network and its HNS network, or undefined when there is none. */
function defaultNat(
    state: HostState,
): { subnet: string | undefined; hnsSubnet: string | undefined } | undefined {
    const network = state.dockerNetworks.find((candidate) => candidate.name === "nat");
    if (network === undefined) {
        return undefined;
    }
    const hns = state.hnsNetworks.find((candidate) => candidate.id === network.hnsNetworkId);
    return { subnet: network.ipamConfig[0]?.subnet, hnsSubnet: hns?.subnets[0]?.addressPrefix };
}

/** Internal prefixes of the active WinNATs, as Get-NetNat lists them. */
function winNatPrefixes(state: HostState): string[] {
    return state.winNats
        .filter((winNat) => winNat.active)
        .map((winNat) => winNat.internalIPInterfaceAddressPrefix);
}

/** Returns the HNS networks named nat, as the operation's input names them. */
function natRefs(state: HostState): HnsNetworkRef[] {
    return state.hnsNetworks
        .filter((network) => network.name === "nat")
        .map((network) => ({ id: network.id, name: network.name }));
}

function daemonJsonOf(host: SimulatedHost): Record<string, unknown> {
    return JSON.parse(readFileSync(host.daemonJsonPath, "utf8")) as Record<string, unknown>;
}

/** Writes daemon.json where the simulated module reads it, before any script created it. */
function writeDaemonJsonFile(host: SimulatedHost, text: string): void {
    mkdirSync(path.dirname(host.daemonJsonPath), { recursive: true });
    writeFileSync(host.daemonJsonPath, text);
}

/** Adds a running container without networks, which stops only when the docker service stops. */
async function addRunningContainer(host: SimulatedHost): Promise<void> {
    await updateHostState(host.statePath, (state) => {
        const image = state.images[0];
        const container: Container = {
            id: "a".repeat(64),
            name: "sentinel",
            image: image.repoTags[0],
            imageId: image.id,
            created: "2026-01-01T00:00:00Z",
            status: "running",
            startedAt: "2026-01-01T00:00:01Z",
            finishedAt: "0001-01-01T00:00:00Z",
            exitCode: 0,
            hostname: "sentinel",
            cmd: ["ping", "-t", "localhost"],
            labels: {},
            networkMode: "none",
            isolation: "process",
            portBindings: [],
            attachments: [],
        };
        state.containers.push(container);
    });
}

async function containerStatus(host: SimulatedHost): Promise<string | undefined> {
    const state = await readHostState(host.statePath);
    return state.containers.find((container) => container.name === "sentinel")?.status;
}

/** Identity of the state file: every state change replaces it with a new file. */
function stateFileIdentity(host: SimulatedHost): string {
    const stats = statSync(host.statePath);
    return `${stats.ino}:${stats.mtimeMs}`;
}

describe("apply-host-nat-config", function () {
    this.timeout(120_000);

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

    for (const profile of ["ws2022", "ws2016"] as ProfileName[]) {
        describe(`${profile} round trip`, function () {
            let scriptHost: SimulatedHost;
            let twinHost: SimulatedHost;
            let runner: LocalPowerShellRunner;
            let targets: Target[];
            /** Active WinNAT prefixes expected with this default nat prefix: WS2016 keeps NAT in one WinNAT. */
            const expectedWinNats = (prefix: string | null): string[] =>
                profile === "ws2016" && prefix !== null ? [prefix] : [];
            /** HNS ids the first step removed, per target. */
            let firstRemoved: string[][] = [];

            before(async function () {
                scriptHost = await createSimulatedHost(profile);
                await setDaemonJson(scriptHost.statePath, UNMANAGED_DAEMON_JSON);
                await addRunningContainer(scriptHost);
                twinHost = await createSimulatedHost(profile);
                copyFileSync(scriptHost.statePath, twinHost.statePath);
                runner = createSimulatedRunner(pwsh, scriptHost);
                targets = [pwshTarget(runner, scriptHost), twinTarget(twinHost)];
            });

            after(async function () {
                await runner?.dispose();
                scriptHost?.remove();
                twinHost?.remove();
            });

            /** Runs one step on both targets, each with the input built from its own state. */
            async function runStep(
                build: (state: HostState, index: number) => ApplyHostNatConfigInput,
            ): Promise<[Outcome, Outcome]> {
                const outcomes: Outcome[] = [];
                for (const [index, target] of targets.entries()) {
                    outcomes.push(await target.run(build(await readHostState(target.host.statePath), index)));
                }
                expectSameOutcome(outcomes[0], outcomes[1], scriptHost, twinHost);
                return [outcomes[0], outcomes[1]];
            }

            it("sets a fixed-cidr", async function () {
                const natIds = await Promise.all(
                    targets.map(async (target) =>
                        natRefs(await readHostState(target.host.statePath)).map((ref) => ref.id),
                    ),
                );
                const outcomes = await runStep((state) => ({
                    set: { "fixed-cidr": "172.30.0.0/16" },
                    removeHnsNetworks: natRefs(state),
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const result = resultOf(outcomes[index], target.label);
                    const state = await readHostState(target.host.statePath);
                    expect(result.changed, `${target.label} changed`).to.equal(true);
                    expect(result.oldContent, `${target.label} oldContent`).to.equal(UNMANAGED_DAEMON_JSON);
                    expect(result.removedHnsNetworks, `${target.label} removed`).to.have.length(1);
                    expect(result.services.docker?.Status, `${target.label} docker`).to.equal("Running");
                    expect(daemonJsonOf(target.host), `${target.label} daemon.json`).to.deep.equal({
                        ...UNMANAGED_KEYS,
                        "fixed-cidr": "172.30.0.0/16",
                    });
                    expect(readFileSync(target.host.daemonJsonPath, "utf8"), `${target.label} file`).to.equal(
                        result.newContent,
                    );
                    expect(defaultNat(state), `${target.label} default nat`).to.deep.equal({
                        subnet: "172.30.0.0/16",
                        hnsSubnet: "172.30.0.0/16",
                    });
                    expect(winNatPrefixes(state), `${target.label} WinNAT`).to.deep.equal(
                        expectedWinNats("172.30.0.0/16"),
                    );
                    expect(state.services.docker.status, `${target.label} docker state`).to.equal("Running");
                    expect(await containerStatus(target.host), `${target.label} container`).to.equal(
                        "exited",
                    );
                }
                firstRemoved = outcomes.map(
                    (outcome, index) => resultOf(outcome, targets[index].label).removedHnsNetworks,
                );
                expect(firstRemoved, "removed ids").to.deep.equal(natIds);
            });

            it("second apply changes nothing", async function () {
                await updateHostState(scriptHost.statePath, (state) => {
                    state.containers.forEach((container) => (container.status = "running"));
                });
                await updateHostState(twinHost.statePath, (state) => {
                    state.containers.forEach((container) => (container.status = "running"));
                });
                const files = targets.map((target) => readFileSync(target.host.daemonJsonPath));
                const stateFiles = targets.map((target) => stateFileIdentity(target.host));
                // The same input as the first step, whose nat network is gone now.
                const outcomes = await runStep((_, index) => ({
                    set: { "fixed-cidr": "172.30.0.0/16" },
                    removeHnsNetworks: firstRemoved[index].map((id) => ({ id, name: "nat" })),
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const result = resultOf(outcomes[index], target.label);
                    expect(result.changed, `${target.label} changed`).to.equal(false);
                    expect(result.removedHnsNetworks, `${target.label} removed`).to.deep.equal([]);
                    expect(result.waitedMs, `${target.label} waitedMs`).to.equal(0);
                    expect(result.newContent, `${target.label} newContent`).to.equal(result.oldContent);
                    expect(
                        readFileSync(target.host.daemonJsonPath).equals(files[index]),
                        `${target.label} bytes`,
                    ).to.equal(true);
                    expect(stateFileIdentity(target.host), `${target.label} state file`).to.equal(
                        stateFiles[index],
                    );
                    expect(await containerStatus(target.host), `${target.label} container`).to.equal(
                        "running",
                    );
                }
            });

            it("changes the fixed-cidr", async function () {
                const outcomes = await runStep((state) => ({
                    set: { "fixed-cidr": "172.31.0.0/16" },
                    removeHnsNetworks: natRefs(state),
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const result = resultOf(outcomes[index], target.label);
                    const state = await readHostState(target.host.statePath);
                    expect(result.changed, `${target.label} changed`).to.equal(true);
                    expect(
                        JSON.parse(result.oldContent ?? "null"),
                        `${target.label} oldContent`,
                    ).to.deep.equal({
                        ...UNMANAGED_KEYS,
                        "fixed-cidr": "172.30.0.0/16",
                    });
                    expect(daemonJsonOf(target.host)["fixed-cidr"], `${target.label} fixed-cidr`).to.equal(
                        "172.31.0.0/16",
                    );
                    expect(defaultNat(state), `${target.label} default nat`).to.deep.equal({
                        subnet: "172.31.0.0/16",
                        hnsSubnet: "172.31.0.0/16",
                    });
                    expect(winNatPrefixes(state), `${target.label} WinNAT`).to.deep.equal(
                        expectedWinNats("172.31.0.0/16"),
                    );
                    expect(natRefs(state), `${target.label} HNS nat networks`).to.have.length(1);
                }
            });

            it("sets bridge none", async function () {
                const outcomes = await runStep((state) => ({
                    set: { bridge: "none" },
                    remove: ["fixed-cidr"],
                    removeHnsNetworks: natRefs(state),
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const result = resultOf(outcomes[index], target.label);
                    const state = await readHostState(target.host.statePath);
                    expect(result.changed, `${target.label} changed`).to.equal(true);
                    expect(daemonJsonOf(target.host), `${target.label} daemon.json`).to.deep.equal({
                        ...UNMANAGED_KEYS,
                        bridge: "none",
                    });
                    expect(defaultNat(state), `${target.label} default nat`).to.equal(undefined);
                    expect(natRefs(state), `${target.label} HNS nat networks`).to.deep.equal([]);
                    expect(winNatPrefixes(state), `${target.label} WinNAT`).to.deep.equal([]);
                    expect(state.services.docker.status, `${target.label} docker`).to.equal("Running");
                }
            });

            it("restores the default nat", async function () {
                const outcomes = await runStep(() => ({
                    remove: ["bridge", "fixed-cidr"],
                    removeHnsNetworks: [],
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const result = resultOf(outcomes[index], target.label);
                    const state = await readHostState(target.host.statePath);
                    expect(result.changed, `${target.label} changed`).to.equal(true);
                    expect(daemonJsonOf(target.host), `${target.label} daemon.json`).to.deep.equal(
                        UNMANAGED_KEYS,
                    );
                    const nat = defaultNat(state);
                    expect(nat, `${target.label} default nat`).to.not.equal(undefined);
                    expect(nat?.hnsSubnet, `${target.label} HNS subnet`).to.equal(nat?.subnet);
                    expect(winNatPrefixes(state), `${target.label} WinNAT`).to.deep.equal(
                        expectedWinNats("172.16.0.0/12"),
                    );
                    expect(state.services.docker.status, `${target.label} docker`).to.equal("Running");
                }
            });

            it("rolls back an overlapping prefix", async function () {
                const before = targets.map((target) => readFileSync(target.host.daemonJsonPath));
                const outcomes = await runStep((state) => ({
                    set: { "fixed-cidr": OVERLAPPING_PREFIX },
                    removeHnsNetworks: natRefs(state),
                    timeoutSeconds: TIMEOUT_SECONDS,
                }));
                for (const [index, target] of targets.entries()) {
                    const error = errorOf(outcomes[index], target.label);
                    const state = await readHostState(target.host.statePath);
                    expect(error.message, `${target.label} message`).to.contain(
                        "docker did not start with the new daemon.json",
                    );
                    expect(error.message, `${target.label} message`).to.contain(
                        "The previous daemon.json was restored",
                    );
                    expect(error.message, `${target.label} message`).to.contain("docker is running again");
                    expect(error.message, `${target.label} message`).to.contain("are not restored");
                    expect(
                        parseHostNatConfigFailure(error.fullyQualifiedErrorId),
                        `${target.label} marker`,
                    ).to.deep.equal({
                        outcome: "rolled-back",
                        dockerRunning: true,
                    });
                    const classified = classifyPowerShellError(error);
                    expect(classified.retryable, `${target.label} retryable`).to.equal(false);
                    expect(
                        readFileSync(target.host.daemonJsonPath).equals(before[index]),
                        `${target.label} bytes`,
                    ).to.equal(true);
                    expect(state.services.docker.status, `${target.label} docker`).to.equal("Running");
                    // The engine re-created the default nat network it lost, on a prefix of its choice.
                    const nat = defaultNat(state);
                    expect(nat, `${target.label} default nat`).to.not.equal(undefined);
                    expect(nat?.subnet, `${target.label} subnet`).to.not.equal(OVERLAPPING_PREFIX);
                    expect(winNatPrefixes(state), `${target.label} WinNAT`).to.deep.equal(
                        expectedWinNats("172.16.0.0/12"),
                    );
                }
            });
        });
    }

    describe("failures", function () {
        let host: SimulatedHost;
        let twinHost: SimulatedHost;
        const runners: LocalPowerShellRunner[] = [];

        beforeEach(async function () {
            host = await createSimulatedHost("ws2022");
            await setDaemonJson(host.statePath, UNMANAGED_DAEMON_JSON);
            twinHost = await createSimulatedHost("ws2022");
            copyFileSync(host.statePath, twinHost.statePath);
            writeDaemonJsonFile(host, UNMANAGED_DAEMON_JSON);
            writeDaemonJsonFile(twinHost, UNMANAGED_DAEMON_JSON);
        });

        afterEach(async function () {
            await Promise.all(runners.splice(0).map((runner) => runner.dispose()));
            host?.remove();
            twinHost?.remove();
        });

        function runnerFor(simulated: SimulatedHost, env?: Record<string, string>): LocalPowerShellRunner {
            const runner = new LocalPowerShellRunner({
                executablePath: pwsh,
                simulatedHost: { modulePath: SIMULATED_MODULE, statePath: simulated.statePath },
                env,
            });
            runners.push(runner);
            return runner;
        }

        /** Runs the input on both hosts, checks that it failed and changed nothing on either, and returns both errors. */
        async function expectNothingChanged(
            script: Target,
            twin: Target,
            input: (state: HostState) => ApplyHostNatConfigInput,
        ): Promise<[OperationError, OperationError]> {
            const errors: OperationError[] = [];
            for (const target of [script, twin]) {
                const daemonJson = readFileSync(target.host.daemonJsonPath);
                const stateFile = stateFileIdentity(target.host);
                const outcome = await target.run(input(await readHostState(target.host.statePath)));
                const error = errorOf(outcome, target.label);
                expect(
                    parseHostNatConfigFailure(error.fullyQualifiedErrorId),
                    `${target.label} marker`,
                ).to.equal(undefined);
                expect(
                    readFileSync(target.host.daemonJsonPath).equals(daemonJson),
                    `${target.label} bytes`,
                ).to.equal(true);
                expect(stateFileIdentity(target.host), `${target.label} state file`).to.equal(stateFile);
                errors.push(error);
            }
            return [errors[0], errors[1]];
        }

        it("missing Remove-HnsNetwork", async function () {
            const script = pwshTarget(runnerFor(host, { WCN_SIM_ABSENT_CMDLETS: "Remove-HnsNetwork" }), host);
            const [fromScript, fromTwin] = await expectNothingChanged(
                script,
                twinTarget(twinHost, ["Remove-HnsNetwork"]),
                (state) => ({ set: { "fixed-cidr": "172.30.0.0/16" }, removeHnsNetworks: natRefs(state) }),
            );
            expect(fromScript.message).to.contain("Remove-HnsNetwork was not found");
            expect(fromScript.message).to.contain("HostNetworkingService module");
            expect(fromScript.fullyQualifiedErrorId).to.equal("HnsCommandNotFound");
            expect(normalize({ error: fromTwin }, twinHost.folder)).to.deep.equal(
                normalize({ error: fromScript }, host.folder),
            );
        });

        it("invalid JSON in daemon.json", async function () {
            for (const simulated of [host, twinHost]) {
                writeDaemonJsonFile(simulated, '{ "debug": true,');
            }
            const [fromScript, fromTwin] = await expectNothingChanged(
                pwshTarget(runnerFor(host), host),
                twinTarget(twinHost),
                (state) => ({ set: { "fixed-cidr": "172.30.0.0/16" }, removeHnsNetworks: natRefs(state) }),
            );
            for (const error of [fromScript, fromTwin]) {
                expect(error.message).to.contain("is not valid JSON, so it was not changed");
                expect(error.exceptionType).to.equal("System.IO.InvalidDataException");
                expect(error.category).to.equal(fromScript.category);
            }
        });

        it("renamed HNS network", async function () {
            const [fromScript, fromTwin] = await expectNothingChanged(
                pwshTarget(runnerFor(host), host),
                twinTarget(twinHost),
                (state) => ({
                    set: { "fixed-cidr": "172.30.0.0/16" },
                    removeHnsNetworks: natRefs(state).map((ref) => ({ ...ref, name: "lan" })),
                }),
            );
            expect(fromScript.message).to.contain('is named "nat", not "lan"');
            expect(normalize({ error: fromTwin }, twinHost.folder)).to.deep.equal(
                normalize({ error: fromScript }, host.folder),
            );
        });

        it("unknown key rolls back", async function () {
            const before = [host, twinHost].map((simulated) => readFileSync(simulated.daemonJsonPath));
            const outcomes = [
                await pwshTarget(runnerFor(host), host).run({ set: { "no-such-option": true } }),
                await twinTarget(twinHost).run({ set: { "no-such-option": true } }),
            ];
            expect(normalize(outcomes[1], twinHost.folder)).to.deep.equal(
                normalize(outcomes[0], host.folder),
            );
            for (const [index, simulated] of [host, twinHost].entries()) {
                const error = errorOf(outcomes[index], index === 0 ? "pwsh" : "twin");
                expect(error.message).to.contain("The previous daemon.json was restored");
                expect(error.message).to.contain("No HNS network was removed");
                expect(parseHostNatConfigFailure(error.fullyQualifiedErrorId)).to.deep.equal({
                    outcome: "rolled-back",
                    dockerRunning: true,
                });
                expect(readFileSync(simulated.daemonJsonPath).equals(before[index]), "bytes").to.equal(true);
                expect((await readHostState(simulated.statePath)).services.docker.status).to.equal("Running");
            }
        });

        it("failed start without file change", async function () {
            // daemon.json was edited behind the running engine's back, so only the next start reads it.
            const broken = '{ "no-such-option": true }';
            writeDaemonJsonFile(host, broken);
            writeDaemonJsonFile(twinHost, broken);
            const outcomes = [
                await pwshTarget(runnerFor(host), host).run({
                    removeHnsNetworks: natRefs(await readHostState(host.statePath)),
                }),
                await twinTarget(twinHost).run({
                    removeHnsNetworks: natRefs(await readHostState(twinHost.statePath)),
                }),
            ];
            expect(normalize(outcomes[1], twinHost.folder)).to.deep.equal(
                normalize(outcomes[0], host.folder),
            );
            for (const [index, simulated] of [host, twinHost].entries()) {
                const error = errorOf(outcomes[index], index === 0 ? "pwsh" : "twin");
                expect(error.message).to.contain("docker did not start after the HNS networks were removed");
                expect(error.message).to.contain("daemon.json was not changed");
                expect(error.message).to.contain("docker is NOT running");
                expect(parseHostNatConfigFailure(error.fullyQualifiedErrorId)).to.deep.equal({
                    outcome: "unchanged",
                    dockerRunning: false,
                });
                expect(readFileSync(simulated.daemonJsonPath, "utf8")).to.equal(broken);
                const state = await readHostState(simulated.statePath);
                expect(state.services.docker.status).to.equal("Stopped");
                expect(natRefs(state)).to.deep.equal([]);
            }
        });

        it("repeated apply starts a stopped docker", async function () {
            // A run that lost its connection after writing the file leaves docker stopped.
            const input: ApplyHostNatConfigInput = { set: { debug: true } };
            for (const [simulated, target] of [
                [host, pwshTarget(runnerFor(host), host)],
                [twinHost, twinTarget(twinHost)],
            ] as const) {
                await stopService(simulated.statePath, "docker");
                const result = resultOf(await target.run(input), target.label);
                expect(result.changed, target.label).to.equal(false);
                const state = await readHostState(simulated.statePath);
                expect(state.services.docker.status, target.label).to.equal("Running");
            }
        });

        it("no daemon.json stays absent", async function () {
            const fresh = await createSimulatedHost("ws2022");
            try {
                const identity = stateFileIdentity(fresh);
                const input: ApplyHostNatConfigInput = { remove: ["bridge", "fixed-cidr"] };
                const outcome = await pwshTarget(runnerFor(fresh), fresh).run(input);
                const result = resultOf(outcome, "pwsh");
                expect(result.changed).to.equal(false);
                expect(result.oldContent).to.equal(null);
                expect(result.newContent).to.equal(null);
                expect(stateFileIdentity(fresh), "state file").to.equal(identity);
                expect(() => statSync(fresh.daemonJsonPath)).to.throw(/ENOENT/);
                const fromTwin = await twinTarget(fresh).run(input);
                expect(normalize(fromTwin, fresh.folder)).to.deep.equal(normalize(outcome, fresh.folder));
            } finally {
                fresh.remove();
            }
        });
    });
});
