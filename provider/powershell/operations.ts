import type { RawHostFacts, RawService, RawVmSwitch } from "./facts";

/**
 * Typed contracts of the host operations: for each operation name, the JSON input its script
 * decodes and the JSON result it prints in a successful envelope. Each operation is the script
 * `provider/powershell/scripts/<name>.ps1`.
 */

/** Input of an operation that takes none. */
export type NoInput = Record<string, never>;

/** An HNS endpoint as `get-hns-endpoints` projects `Get-HnsEndpoint` output. */
export interface RawHnsEndpoint {
    ID: string;
    Name: string;
    /** Id of the HNS network the endpoint is on. */
    VirtualNetwork: string;
    VirtualNetworkName: string;
    /** Empty while DHCP has not given the endpoint an address. */
    IPAddress: string;
    PrefixLength: number | null;
    GatewayAddress: string;
    MacAddress: string;
    DNSServerList: string;
    DNSSuffix: string;
    /** Ids of the containers sharing the endpoint. */
    SharedContainers: string[];
}

export interface GetHnsEndpointsInput {
    /** Keeps only the endpoints of this HNS network; GUIDs match in either case. */
    networkId?: string;
}

export interface GetHnsEndpointsResult {
    endpoints: RawHnsEndpoint[];
}

export interface DaemonJsonFile {
    /** `%ProgramData%\docker\config\daemon.json` on the host. */
    path: string;
    exists: boolean;
    /** File text without a byte order mark, or null when the file does not exist. */
    content: string | null;
}

/** A JSON value as daemon.json stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface WriteDaemonJsonInput {
    /** Top-level keys to set; other keys keep their values and order. */
    set?: Record<string, JsonValue>;
    /** Top-level keys to remove; a key that is absent is ignored. */
    remove?: string[];
}

export interface WriteDaemonJsonResult {
    path: string;
    /** False when no value changed; the file is then left as it was, byte for byte. */
    changed: boolean;
    oldContent: string | null;
    newContent: string;
}

export interface RestartContainerServicesInput {
    /** Maximum wait for the engine to respond to GET /_ping after the restart, in seconds (default 120). */
    timeoutSeconds?: number;
}

export interface RestartContainerServicesResult {
    services: { hns: RawService | null; docker: RawService | null };
    /** Time from the restart request until the engine responded to GET /_ping, in milliseconds. */
    waitedMs: number;
}

/** An HNS network that apply-host-nat-config removes while docker is stopped. */
export interface HnsNetworkRef {
    /** HNS network id (a GUID, matched in either case). */
    id: string;
    /**
     * Name the network had when the request was made. When the id now has another name, the
     * operation fails before it changes anything; an empty name skips that check.
     */
    name: string;
}

export interface ApplyHostNatConfigInput {
    /** Top-level daemon.json keys to set, such as `fixed-cidr` or `bridge`. Other keys keep their values and order. */
    set?: Record<string, JsonValue>;
    /** Top-level daemon.json keys to remove. A key that is absent is ignored. */
    remove?: string[];
    /** HNS networks to remove while docker is stopped. An id that no longer exists is skipped. */
    removeHnsNetworks?: HnsNetworkRef[];
    /**
     * Maximum wait for the engine to respond to GET /_ping after docker starts, in seconds
     * (default 120). A failed start waits up to this long twice: once with the new daemon.json
     * and once after restoring the old one.
     */
    timeoutSeconds?: number;
}

export interface ApplyHostNatConfigResult {
    path: string;
    /**
     * True when the operation stopped docker and changed the host (daemon.json, HNS networks or
     * both). False when there was nothing to change, and then the services were left alone.
     */
    changed: boolean;
    /** daemon.json text before the operation, or null when the file did not exist. */
    oldContent: string | null;
    /** daemon.json text afterwards, or null when the file still does not exist. */
    newContent: string | null;
    /** Ids of the HNS networks removed, as Get-HnsNetwork reported them. */
    removedHnsNetworks: string[];
    services: { hns: RawService | null; docker: RawService | null };
    /** Time from the docker start until the engine responded to GET /_ping, in milliseconds (0 when unchanged). */
    waitedMs: number;
}

/** The state of daemon.json after a failed apply-host-nat-config that had stopped docker. */
export type HostNatConfigOutcome =
    /** daemon.json was not changed (the failure came before the write, or there was nothing to write). */
    | "unchanged"
    /** docker did not start with the new daemon.json, and the old file was put back (or the new one deleted). */
    | "rolled-back"
    /** docker did not start with the new daemon.json, and restoring the old file failed: it has the new content. */
    | "rollback-failed";

/** State of the host after a failed apply-host-nat-config, read from the error's FullyQualifiedErrorId. */
export interface HostNatConfigFailure {
    outcome: HostNatConfigOutcome;
    /** True when docker runs again after the failure. */
    dockerRunning: boolean;
}

const HOST_NAT_CONFIG_OUTCOMES: Record<string, HostNatConfigOutcome> = {
    HostNatConfigUnchanged: "unchanged",
    HostNatConfigRolledBack: "rolled-back",
    HostNatConfigRollbackFailed: "rollback-failed",
};

/**
 * Reads the FullyQualifiedErrorId of a failed apply-host-nat-config (`<outcome>.DockerRunning` or
 * `<outcome>.DockerStopped`). Returns undefined for failures before docker was stopped, which
 * changed nothing on the host.
 */
export function parseHostNatConfigFailure(fullyQualifiedErrorId: string): HostNatConfigFailure | undefined {
    const match = /^(\w+)\.Docker(Running|Stopped)$/.exec(fullyQualifiedErrorId.trim());
    const outcome = match === null ? undefined : HOST_NAT_CONFIG_OUTCOMES[match[1]];
    if (match === null || outcome === undefined) {
        return undefined;
    }
    return { outcome, dockerRunning: match[2] === "Running" };
}

/**
 * Minimum runner time limit for apply-host-nat-config, in milliseconds: two engine waits (the
 * start and the start after a rollback) plus a minute for stopping docker and removing networks.
 * A shorter limit can end the script between stopping docker and starting it again.
 */
export function hostNatConfigTimeoutMs(input: ApplyHostNatConfigInput): number {
    return (2 * (input.timeoutSeconds ?? 120) + 60) * 1000;
}

/** A Hyper-V switch as the vSwitch operations print it: the host-facts projection plus teaming. */
export interface RawVmSwitchState extends RawVmSwitch {
    EmbeddedTeamingEnabled: boolean;
}

export interface NewVSwitchInput {
    /** Name of the new external switch. */
    name: string;
    /** Adapters to bind, by `Get-NetAdapter` name. More than one makes a SET team (`-EnableEmbeddedTeaming`). */
    adapterNames: string[];
    allowManagementOS: boolean;
    /** Text for the switch's `Notes` (`New-VMSwitch -Notes`); empty or absent leaves them empty. */
    notes?: string;
}

export interface VSwitchResult {
    switch: RawVmSwitchState;
}

export interface SetVSwitchInput {
    name: string;
    /**
     * Lower-case GUID the switch had when the request was made. When the switch of that name now
     * has another id, the operation fails before it changes anything.
     */
    id: string;
    allowManagementOS: boolean;
}

export interface RemoveVSwitchInput {
    name: string;
    /** Lower-case GUID, checked as in {@link SetVSwitchInput}. */
    id: string;
    /**
     * Remove the HNS networks layered on the switch that no Docker network of a user created, such
     * as the transparent network HNS makes for an adopted switch, before removing the switch.
     */
    removeSwitchNetworks: boolean;
}

export interface RemoveVSwitchResult {
    /** False when no switch of that name and id existed. */
    removed: boolean;
    /** Ids of the HNS networks removed with the switch. */
    removedHnsNetworks: string[];
}

export interface SetVmMacSpoofingInput {
    /** Name of the virtual machine on the Hyper-V host the operation runs on. */
    vmName: string;
    enabled: boolean;
}

export interface RawVmNetworkAdapter {
    Name: string;
    VMName: string;
    /** `On` or `Off`. */
    MacAddressSpoofing: string;
}

export interface SetVmMacSpoofingResult {
    /** Network adapters of the VM after the change. */
    adapters: RawVmNetworkAdapter[];
    /** False when every adapter already had the requested setting. */
    changed: boolean;
}

/** Every operation: its input and result types. */
export interface OperationContracts {
    "get-host-facts": { input: NoInput; result: RawHostFacts };
    "get-hns-endpoints": { input: GetHnsEndpointsInput; result: GetHnsEndpointsResult };
    "read-daemon-json": { input: NoInput; result: DaemonJsonFile };
    "write-daemon-json": { input: WriteDaemonJsonInput; result: WriteDaemonJsonResult };
    "restart-container-services": {
        input: RestartContainerServicesInput;
        result: RestartContainerServicesResult;
    };
    "apply-host-nat-config": { input: ApplyHostNatConfigInput; result: ApplyHostNatConfigResult };
    "new-vswitch": { input: NewVSwitchInput; result: VSwitchResult };
    "set-vswitch": { input: SetVSwitchInput; result: VSwitchResult };
    "remove-vswitch": { input: RemoveVSwitchInput; result: RemoveVSwitchResult };
    "set-vm-mac-spoofing": { input: SetVmMacSpoofingInput; result: SetVmMacSpoofingResult };
}

export type OperationName = keyof OperationContracts;
export type OperationInput<Name extends OperationName> = OperationContracts[Name]["input"];
export type OperationResult<Name extends OperationName> = OperationContracts[Name]["result"];

/** Names of all operations, in a stable order. */
export const OPERATION_NAMES: readonly OperationName[] = [
    "get-host-facts",
    "get-hns-endpoints",
    "read-daemon-json",
    "write-daemon-json",
    "restart-container-services",
    "apply-host-nat-config",
    "new-vswitch",
    "set-vswitch",
    "remove-vswitch",
    "set-vm-mac-spoofing",
];

/** Returns true when `name` names an operation. */
export function isOperationName(name: string): name is OperationName {
    return (OPERATION_NAMES as readonly string[]).includes(name);
}
