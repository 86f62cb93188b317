import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { RawHostFacts, RawNetAdapter, RawService } from "../../powershell/facts";
import { OperationError } from "../../powershell/operation";
import type {
    ApplyHostNatConfigInput,
    DaemonJsonFile,
    NewVSwitchInput,
    GetHnsEndpointsResult,
    OperationInput,
    OperationName,
    OperationResult,
    RawHnsEndpoint,
    RemoveVSwitchInput,
    SetVmMacSpoofingInput,
    SetVSwitchInput,
    WriteDaemonJsonInput,
    WriteDaemonJsonResult,
} from "../../powershell/operations";
import { hnsSwitchGuid } from "../hns";
import type { HnsNetwork, HostState, ServiceName } from "../model";
import { getProfile } from "../profiles";
import { readHostState, updateHostState } from "../state";
import { computeDaemonJsonEdit, readTextFile, writeTextFile } from "./daemon-json-twin";
import { applyHostNatConfigTwin } from "./host-nat-config-twin";
import { applyServiceAction } from "./service-cli";
import { newVSwitchTwin, removeVSwitchTwin, setVmMacSpoofingTwin, setVSwitchTwin } from "./vswitch-twin";

/**
 * TypeScript twins of the operation scripts: each operation computed directly from the simulator
 * state, with the result the script prints when it runs in pwsh against WcnSimulatedHost.psm1. The
 * simulated WinRM endpoint uses them where pwsh is not installed. daemon.json is the same file
 * the simulated module uses, under the simulated ProgramData folder.
 */

export interface TwinOptions {
    /** Simulated `%ProgramData%`; default `<state file>.ProgramData`, as in WcnSimulatedHost.psm1. */
    programDataPath?: string;
    /** PowerShell edition and version that the host-facts twin reports (default Desktop 5.1). */
    powershell?: { edition: string; version: string };
    /** Cmdlets the simulated host lacks, as WCN_SIM_ABSENT_CMDLETS leaves them out of the module. */
    absentCmdlets?: string[];
}

/** Windows Server release per profile, as the simulated `Get-CimInstance Win32_OperatingSystem` reports it. */
const OS_CAPTIONS: Record<string, string> = {
    ws2016: "Microsoft Windows Server 2016 Datacenter",
    "ws2016-rtm": "Microsoft Windows Server 2016 Datacenter",
    ws2019: "Microsoft Windows Server 2019 Datacenter",
    ws2022: "Microsoft Windows Server 2022 Datacenter",
    ws2025: "Microsoft Windows Server 2025 Datacenter",
};

const DEFAULT_TWIN_POWERSHELL = { edition: "Desktop", version: "5.1" };

/** Path of daemon.json on the simulated host, as the simulated module sets `$env:ProgramData`. */
export function simulatedDaemonJsonPath(statePath: string, programDataPath?: string): string {
    const programData = programDataPath ?? `${path.resolve(statePath)}.ProgramData`;
    return path.join(programData, "docker", "config", "daemon.json");
}

/** Runs the twin of operation `name` on the simulated host in `statePath`. */
export async function runOperationTwin<Name extends OperationName>(
    statePath: string,
    name: Name,
    input: OperationInput<Name>,
    options: TwinOptions = {},
): Promise<OperationResult<Name>> {
    const daemonJsonPath = simulatedDaemonJsonPath(statePath, options.programDataPath);
    await initializeDaemonJson(statePath, daemonJsonPath);
    const twins: { [Key in OperationName]: () => Promise<OperationResult<Key>> } = {
        "get-host-facts": async () => hostFactsTwin(await readHostState(statePath), daemonJsonPath, options),
        "get-hns-endpoints": async () =>
            hnsEndpointsTwin(await readHostState(statePath), input as OperationInput<"get-hns-endpoints">),
        "read-daemon-json": () => readDaemonJsonTwin(daemonJsonPath),
        "write-daemon-json": () => writeDaemonJsonTwin(daemonJsonPath, input as WriteDaemonJsonInput),
        "restart-container-services": () => restartTwin(statePath, daemonJsonPath),
        "apply-host-nat-config": () =>
            applyHostNatConfigTwin(statePath, daemonJsonPath, input as ApplyHostNatConfigInput, {
                absentCmdlets: options.absentCmdlets ?? [],
            }),
        "new-vswitch": () => newVSwitchTwin(statePath, input as NewVSwitchInput),
        "set-vswitch": () => setVSwitchTwin(statePath, input as SetVSwitchInput),
        "remove-vswitch": () =>
            removeVSwitchTwin(statePath, input as RemoveVSwitchInput, options.absentCmdlets ?? []),
        "set-vm-mac-spoofing": () => setVmMacSpoofingTwin(statePath, input as SetVmMacSpoofingInput),
    };
    return twins[name]() as Promise<OperationResult<Name>>;
}

/** Writes the state's daemon.json to the file when the file is missing, as the module does on import. */
async function initializeDaemonJson(statePath: string, daemonJsonPath: string): Promise<void> {
    if ((await readTextFile(daemonJsonPath)) !== null) {
        return;
    }
    const state = await readHostState(statePath);
    if (state.daemonJson === null) {
        return;
    }
    await fs.mkdir(path.dirname(daemonJsonPath), { recursive: true });
    await fs.writeFile(daemonJsonPath, state.daemonJson, "utf8");
}

function hostFactsTwin(
    state: HostState,
    daemonJsonPath: string,
    options: TwinOptions,
): Promise<RawHostFacts> {
    return readTextFile(daemonJsonPath).then((content) => ({
        os: osFacts(state),
        powershell: options.powershell ?? DEFAULT_TWIN_POWERSHELL,
        hypervPresent: true,
        netNat: state.winNats.map((nat) => ({
            Name: nat.name,
            InternalIPInterfaceAddressPrefix: nat.internalIPInterfaceAddressPrefix,
            Active: nat.active,
        })),
        vmSwitches: state.vmSwitches.map((vmSwitch) => {
            const descriptions = vmSwitch.netAdapterNames.map((adapterName) =>
                adapterDescription(state, adapterName),
            );
            return {
                Name: vmSwitch.name,
                Id: vmSwitch.id.toLowerCase(),
                SwitchType: vmSwitch.switchType,
                AllowManagementOS: vmSwitch.allowManagementOS,
                NetAdapterInterfaceDescription: descriptions[0] ?? null,
                NetAdapterInterfaceDescriptions: descriptions,
                Notes: vmSwitch.notes ?? "",
            };
        }),
        netAdapters: state.adapters.map(
            (adapter): RawNetAdapter => ({
                Name: adapter.name,
                InterfaceDescription: adapter.interfaceDescription,
                InterfaceIndex: adapter.ifIndex,
                MacAddress: adapter.macAddress,
                Status: adapter.status,
                Virtual: adapter.kind === "virtual",
                PhysicalMediaType: adapter.physicalMediaType,
            }),
        ),
        ipAddresses: state.adapters.flatMap((adapter) =>
            adapter.ipv4Addresses.map((assignment) => ({
                InterfaceAlias: adapter.name,
                InterfaceIndex: adapter.ifIndex,
                IPAddress: assignment.address,
                PrefixLength: assignment.prefixLength,
            })),
        ),
        hnsSource: "Get-HnsNetwork",
        hnsNetworks: state.hnsNetworks.map((network) => hnsNetworkJson(state, network)),
        daemonJson: { path: daemonJsonPath, exists: content !== null, content },
        services: { hns: serviceState(state, "hns"), docker: serviceState(state, "docker") },
    }));
}

function osFacts(state: HostState): RawHostFacts["os"] {
    const build = String(getProfile(state.profile).build);
    return {
        caption: OS_CAPTIONS[state.profile] ?? "",
        version: `10.0.${build}`,
        buildNumber: build,
        ubr: null,
    };
}

function adapterDescription(state: HostState, adapterName: string): string {
    return state.adapters.find((adapter) => adapter.name === adapterName)?.interfaceDescription ?? "";
}

function serviceState(state: HostState, name: ServiceName): RawService {
    return { Status: state.services[name].status, StartType: "Automatic" };
}

/** An HNS network in the JSON shape HNS returns: PascalCase names, absent optional fields left out. */
function hnsNetworkJson(state: HostState, network: HnsNetwork): Record<string, unknown> {
    const json: Record<string, unknown> = {
        ID: network.id,
        Name: network.name,
        Type: network.type,
        Subnets: network.subnets.map((subnet) =>
            subnet.gatewayAddress === null
                ? { AddressPrefix: subnet.addressPrefix }
                : { AddressPrefix: subnet.addressPrefix, GatewayAddress: subnet.gatewayAddress },
        ),
        MacPools: network.macPools.map((pool) => ({
            EndMacAddress: pool.endMacAddress,
            StartMacAddress: pool.startMacAddress,
        })),
        Policies: [
            ...(network.vlanId === null ? [] : [{ Type: "VLAN", VLAN: network.vlanId }]),
            ...(network.vsid === null ? [] : [{ Type: "VSID", VSID: network.vsid }]),
        ],
    };
    const optional: [string, string | null][] = [
        ["NetworkAdapterName", network.networkAdapterName],
        ["NatName", network.natName],
        ["DNSServerList", network.dnsServerList],
        ["DNSSuffix", network.dnsSuffix],
        ["SwitchGuid", hnsSwitchGuid(state, network)],
        ["SwitchName", network.switchName],
    ];
    for (const [key, value] of optional) {
        if (value !== null) {
            json[key] = value;
        }
    }
    return json;
}

function hnsEndpointsTwin(
    state: HostState,
    input: OperationInput<"get-hns-endpoints">,
): Promise<GetHnsEndpointsResult> {
    const networkId = input.networkId?.toLowerCase();
    const endpoints = state.hnsEndpoints
        .filter((endpoint) => networkId === undefined || endpoint.virtualNetwork.toLowerCase() === networkId)
        .map(
            (endpoint): RawHnsEndpoint => ({
                ID: endpoint.id,
                Name: endpoint.name,
                VirtualNetwork: endpoint.virtualNetwork,
                VirtualNetworkName: endpoint.virtualNetworkName,
                IPAddress: endpoint.ipAddress,
                PrefixLength: endpoint.prefixLength,
                GatewayAddress: endpoint.gatewayAddress,
                MacAddress: endpoint.macAddress,
                DNSServerList: endpoint.dnsServerList,
                DNSSuffix: endpoint.dnsSuffix,
                SharedContainers: [endpoint.containerId],
            }),
        );
    return Promise.resolve({ endpoints });
}

async function readDaemonJsonTwin(daemonJsonPath: string): Promise<DaemonJsonFile> {
    const content = await readTextFile(daemonJsonPath);
    return { path: daemonJsonPath, exists: content !== null, content };
}

async function writeDaemonJsonTwin(
    daemonJsonPath: string,
    input: WriteDaemonJsonInput,
): Promise<WriteDaemonJsonResult> {
    const edit = await computeDaemonJsonEdit(daemonJsonPath, input, "write-daemon-json");
    if (edit.changed) {
        await writeTextFile(daemonJsonPath, edit.newContent);
    }
    return edit;
}

async function restartTwin(
    statePath: string,
    daemonJsonPath: string,
): Promise<OperationResult<"restart-container-services">> {
    const startedAt = Date.now();
    const daemonJson = await readTextFile(daemonJsonPath);
    const services = await updateHostState(statePath, (state) => {
        applyServiceAction(state, "restart", "hns", daemonJson);
        applyServiceAction(state, "start", "docker", daemonJson);
        return state.services;
    });
    if (services.docker.status !== "Running") {
        throw new OperationError("restart-container-services", {
            message:
                "Service 'Docker Engine (docker)' cannot be started due to the following error: Cannot start service docker on computer '.'.",
            category: "OpenError",
            hresult: "0x80131509",
            win32Code: null,
            fullyQualifiedErrorId:
                "CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand,Start-Service",
            exceptionType: "System.InvalidOperationException",
        });
    }
    return {
        services: {
            hns: { Status: services.hns.status, StartType: "Automatic" },
            docker: { Status: services.docker.status, StartType: "Automatic" },
        },
        waitedMs: Date.now() - startedAt,
    };
}
