// Seeded simulated hosts in temporary folders, and local runners that import the simulated cmdlets.

import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import type { HnsEndpoint } from "../../../provider/simulator/model";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { resetHostState } from "../../../provider/simulator/seed";
import { updateHostState } from "../../../provider/simulator/state";
import { SIMULATED_MODULE } from "../../unit/powershell/pwsh";

export interface SimulatedHost {
    folder: string;
    statePath: string;
    /** daemon.json as the simulated module places it. */
    daemonJsonPath: string;
    remove(): void;
}

/** Seeds a simulated host of `profile` in a new temporary folder. */
export async function createSimulatedHost(profile: ProfileName): Promise<SimulatedHost> {
    const folder = mkdtempSync(path.join(os.tmpdir(), `wcn-ps-${profile}-`));
    const statePath = path.join(folder, "state.json");
    await resetHostState(statePath, profile);
    return {
        folder,
        statePath,
        daemonJsonPath: path.join(`${statePath}.ProgramData`, "docker", "config", "daemon.json"),
        remove: () => rmSync(folder, { recursive: true, force: true }),
    };
}

/** Creates a local runner on `pwsh` that imports the simulated cmdlets for `host`. */
export function createSimulatedRunner(pwsh: string, host: SimulatedHost): LocalPowerShellRunner {
    return new LocalPowerShellRunner({
        executablePath: pwsh,
        simulatedHost: { modulePath: SIMULATED_MODULE, statePath: host.statePath },
    });
}

/** Adds an HNS endpoint on the host's first HNS network, as a container attachment would. */
export async function addHnsEndpoint(
    host: SimulatedHost,
    id: string,
    ipAddress: string,
): Promise<HnsEndpoint> {
    return updateHostState(host.statePath, (state) => {
        const network = state.hnsNetworks[0];
        const endpoint: HnsEndpoint = {
            id,
            name: `endpoint-${id.slice(0, 8)}`,
            virtualNetwork: network.id,
            virtualNetworkName: network.name,
            ipAddress,
            prefixLength: 20,
            gatewayAddress: network.subnets[0]?.gatewayAddress ?? "",
            macAddress: "00-15-5D-00-00-01",
            dnsServerList: "192.0.2.53",
            dnsSuffix: "example.test",
            containerId: "c".repeat(64),
            isStatic: false,
        };
        state.hnsEndpoints.push(endpoint);
        return endpoint;
    });
}
