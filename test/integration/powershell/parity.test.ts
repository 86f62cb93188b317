// The TypeScript twins return what the scripts return in pwsh against the simulated cmdlets, on
// identical copies of the same seeded host.

import { expect } from "chai";
import { copyFileSync, promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import type { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import { OperationError, runOperation } from "../../../provider/powershell/operation";
import type { OperationInput, OperationName } from "../../../provider/powershell/operations";
import { addVirtualMachine, setDaemonJson } from "../../../provider/simulator/out-of-band";
import { runOperationTwin } from "../../../provider/simulator/powershell/twins";
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

/** Operations in order, each with its input; later steps see the effects of earlier ones. */
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

type Outcome = { result: unknown } | { error: Record<string, unknown> };

async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
    try {
        return { result: await action() };
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

/** Replaces what legitimately differs: the state folder, the PowerShell version and wait times. */
function normalize(outcome: Outcome, folder: string): unknown {
    const text = JSON.stringify(outcome).split(folder).join("<folder>");
    const value = JSON.parse(text) as { result?: Record<string, unknown> };
    if (value.result !== undefined && value.result !== null && typeof value.result === "object") {
        if ("powershell" in value.result) {
            value.result.powershell = "<powershell>";
        }
        if ("waitedMs" in value.result) {
            value.result.waitedMs = "<waitedMs>";
        }
    }
    return value;
}

describe("operation twins", function () {
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
            let scriptHost: SimulatedHost;
            let twinHost: SimulatedHost;
            let runner: LocalPowerShellRunner;

            before(async function () {
                scriptHost = await createSimulatedHost(profile);
                await addHnsEndpoint(scriptHost, "5e6298c2-4638-494e-be6b-ff6fef942c06", "172.27.148.101");
                await setDaemonJson(scriptHost.statePath, C12_DAEMON_JSON);
                await addVirtualMachine(scriptHost.statePath, "node1");
                twinHost = await createSimulatedHost(profile);
                copyFileSync(scriptHost.statePath, twinHost.statePath);
                runner = createSimulatedRunner(pwsh, scriptHost);
            });

            after(async function () {
                await runner?.dispose();
                scriptHost?.remove();
                twinHost?.remove();
            });

            it("match the scripts step by step", async function () {
                for (const [index, [name, input]] of STEPS.entries()) {
                    const fromScript = await outcomeOf(() =>
                        runOperation(runner, name, input as never, { timeoutMs: 60_000 }),
                    );
                    const fromTwin = await outcomeOf(() =>
                        runOperationTwin(twinHost.statePath, name, input as never),
                    );
                    // The restart after an invalid fixed-cidr, the Wi-Fi switch and the absent switch fail.
                    expect("error" in fromScript, `step ${index} ${name} failed`).to.equal(
                        [10, 14, 15].includes(index),
                    );
                    expect(normalize(fromTwin, twinHost.folder), `step ${index} ${name}`).to.deep.equal(
                        normalize(fromScript, scriptHost.folder),
                    );
                }
            });

            it("leave the same services", async function () {
                const scriptState = await readHostState(scriptHost.statePath);
                const twinState = await readHostState(twinHost.statePath);
                expect(twinState.services).to.deep.equal(scriptState.services);
                expect(twinState.daemonJson).to.equal(scriptState.daemonJson);
                const names = (state: typeof scriptState): string[] =>
                    state.dockerNetworks.map((network) => network.name).sort();
                expect(names(twinState)).to.deep.equal(names(scriptState));
                expect(await fs.readFile(twinHost.daemonJsonPath, "utf8")).to.equal(
                    await fs.readFile(scriptHost.daemonJsonPath, "utf8"),
                );
            });
        });
    }
});
