/**
 * Uplink rules for networks on an external Hyper-V switch (transparent, l2bridge, l2tunnel): which
 * host adapter may carry such a network, judged from the host's facts and the engine's networks.
 * Pure: the caller reads the host and reports the failures and warnings.
 */
import type { HnsNetwork } from "../host/hns";
import type { HostAdapter, HostFacts, VmSwitch } from "../host/facts";
import type { FailureList } from "./failures";
import type { ObservedNetwork } from "./networkInspect";
import { isHnsNetworkOnSwitch, sameNames } from "./vSwitchBinding";
import { EXTERNAL_SWITCH_DRIVERS, WindowsOptionKey } from "./windowsOptions";

/** Property path of the adapter in ContainerNetwork inputs. */
const ADAPTER_PATH = "windows.adapterName";
/** Property path of the binding in ContainerNetwork args. */
const BINDING_PATH = "vSwitchBinding";

/** The switch and adapters a VSwitchBinding provides, as the ContainerNetwork input `vSwitch` carries them. */
export interface VSwitchReference {
    switchName: string;
    adapterNames: string[];
}

/** The planned network, as far as the uplink rules need it. */
export interface PlannedUplink {
    /** Docker network name; a network of this name on the host is the one being replaced. */
    networkName: string;
    driver: string;
    /** `windows.adapterName`. */
    adapterName: string;
    /** `windows.hnsNetworkName`, the HNS name of the planned network when set. */
    hnsNetworkName?: string;
    /** The binding's switch, when the network is declared on a VSwitchBinding. */
    vSwitch?: VSwitchReference;
    /** True when the network is declared on a VSwitchBinding whose outputs are not known yet (preview). */
    bindingPending?: boolean;
}

/** The host's facts and the engine's networks. */
export interface UplinkHost {
    hostName: string;
    facts: HostFacts;
    networks: ObservedNetwork[];
}

/** True for the drivers whose networks need an uplink adapter. */
export function needsUplink(driver: string): boolean {
    return EXTERNAL_SWITCH_DRIVERS.includes(driver);
}

/**
 * Adds a failure for every reason the planned network cannot use its adapter on this host, and
 * returns warnings. The adapter must exist and be a wired physical adapter, must not carry another
 * external network, and must not be bound to a switch that Docker does not see yet. With a
 * binding whose outputs are unknown or whose switch does not exist yet (preview of a new binding),
 * only the adapters' existence is checked.
 */
export function checkUplink(planned: PlannedUplink, host: UplinkHost, failures: FailureList): string[] {
    const { facts, hostName } = host;
    const warnings = clientEditionWarnings(planned, host);
    const bindingSwitch =
        planned.vSwitch === undefined ? undefined : findSwitch(facts.vmSwitches, planned.vSwitch.switchName);

    const adapterNames = [planned.adapterName, ...(planned.vSwitch?.adapterNames ?? [])];
    const missing = unique(adapterNames).filter((name) => findAdapter(facts, name) === undefined);
    for (const name of missing) {
        failures.add(
            name.toLowerCase() === planned.adapterName.toLowerCase() ? ADAPTER_PATH : BINDING_PATH,
            `"${name}" is not a network adapter on host ${hostName}. ${describeCandidates(facts)}`,
        );
    }
    const adapter = findAdapter(facts, planned.adapterName);
    // A binding whose adapters differ from its switch on the host replaces that switch before the
    // network is created, so the switch as it is now says nothing about the network's uplink.
    const switchReplaced =
        planned.vSwitch !== undefined &&
        bindingSwitch !== undefined &&
        bindingSwitch.adapterNames.length > 0 &&
        !sameNames(bindingSwitch.adapterNames, planned.vSwitch.adapterNames);
    const switchPending =
        planned.bindingPending === true ||
        (planned.vSwitch !== undefined && bindingSwitch === undefined) ||
        switchReplaced;
    if (adapter === undefined || switchPending) {
        return warnings;
    }
    if (!checkAdapterKind(adapter, hostName, facts, failures)) {
        return warnings;
    }
    if (adapter.status !== undefined && adapter.status.toLowerCase() !== "up") {
        warnings.push(
            `adapter "${adapter.name}" on host ${hostName} is ${adapter.status}; HNS cannot bind a switch to an adapter ` +
                'without a link and fails with "The parameter is incorrect". Connect it before the network is created',
        );
    }
    const boundSwitch =
        adapter.boundSwitch === undefined
            ? undefined
            : findSwitch(facts.vmSwitches, adapter.boundSwitch.name);
    if (planned.vSwitch !== undefined && bindingSwitch !== undefined) {
        checkBindingSwitch(planned, adapter, bindingSwitch, hostName, failures);
    } else if (boundSwitch !== undefined && !isSeenByDocker(boundSwitch, facts)) {
        failures.add(ADAPTER_PATH, outOfBandSwitchMessage(adapter, boundSwitch, hostName));
        return warnings;
    }
    for (const other of networksOnUplink(planned, adapter, boundSwitch ?? bindingSwitch, host)) {
        failures.add(
            ADAPTER_PATH,
            `"${adapter.name}" on host ${hostName} already carries ${other}. Each transparent, l2bridge or l2tunnel ` +
                "network needs its own adapter: choose another adapter, or remove that network first",
        );
    }
    return warnings;
}

/** Adds the failure for an adapter that is not wired and physical; returns false when there was one. */
function checkAdapterKind(
    adapter: HostAdapter,
    hostName: string,
    facts: HostFacts,
    failures: FailureList,
): boolean {
    const where = `"${adapter.name}" on host ${hostName}`;
    switch (adapter.kind) {
        case "physical":
            return true;
        case "host-vnic": {
            const switchName = adapter.hostVnicSwitchName ?? switchOfVnic(adapter, facts);
            failures.add(ADAPTER_PATH, hostVnicMessage(adapter, switchName, hostName, facts));
            return false;
        }
        case "wifi":
            failures.add(
                ADAPTER_PATH,
                `${where} is a Wi-Fi adapter (${adapter.description}). HNS cannot bind an external switch to Wi-Fi and ` +
                    'fails with "The parameter is incorrect. (0x57)". Name a wired physical adapter instead. ' +
                    describeCandidates(facts),
            );
            return false;
        case "bridge-or-team":
            failures.add(
                ADAPTER_PATH,
                `${where} is a Network Bridge or LBFO team (${adapter.description}), which HNS rejects as an uplink ` +
                    'with "The parameter is incorrect. (0x57)". Name one wired physical adapter, or bind several through a ' +
                    "VSwitchBinding (a SET team). " +
                    describeCandidates(facts),
            );
            return false;
        default:
            failures.add(
                ADAPTER_PATH,
                `${where} is a ${adapter.kind} adapter (${adapter.description}), not a wired physical one, so HNS cannot ` +
                    `bind an external switch to it. ${describeCandidates(facts)}`,
            );
            return false;
    }
}

/**
 * Explains a host vNIC as uplink: HNS rejects it with 0x57, and the adapter to name is the
 * physical NIC under the vNIC's switch, which shares the vNIC's MAC address.
 */
function hostVnicMessage(
    adapter: HostAdapter,
    switchName: string | undefined,
    hostName: string,
    facts: HostFacts,
): string {
    const physical = adapter.sharesMacWith
        .map((name) => findAdapter(facts, name))
        .find((twin) => twin?.kind === "physical");
    const owner = switchName === undefined ? "a Hyper-V switch" : `Hyper-V switch "${switchName}"`;
    const nic =
        physical === undefined
            ? "the physical adapter with the same MAC address"
            : `"${physical.name}", the physical adapter with the same MAC address (${physical.mac ?? "unknown"})`;
    const binding =
        switchName === undefined
            ? ""
            : `, or use switch "${switchName}" through a VSwitchBinding with adopt: true and pass it as vSwitchBinding`;
    return (
        `"${adapter.name}" on host ${hostName} is the host vNIC of ${owner}, and HNS rejects a host vNIC as uplink with ` +
        `"The parameter is incorrect. (0x57)". Name ${nic}${binding}`
    );
}

/** Finds the switch of a host vNIC that is not named `vEthernet (X)`, by its MAC twin's binding. */
function switchOfVnic(adapter: HostAdapter, facts: HostFacts): string | undefined {
    return adapter.sharesMacWith
        .map((name) => findAdapter(facts, name)?.boundSwitch?.name)
        .find((name) => name !== undefined);
}

/** Checks that the network's adapter is one the binding's switch is bound to on the host. */
function checkBindingSwitch(
    planned: PlannedUplink,
    adapter: HostAdapter,
    bindingSwitch: VmSwitch,
    hostName: string,
    failures: FailureList,
): void {
    if (bindingSwitch.switchType !== "external") {
        failures.add(
            BINDING_PATH,
            `switch "${bindingSwitch.name}" on host ${hostName} is ${bindingSwitch.switchType || "of unknown type"}, ` +
                "not External, so it has no uplink adapter; fix the VSwitchBinding (refresh shows the drift)",
        );
        return;
    }
    const bound = bindingSwitch.adapterNames.some(
        (name) => name.toLowerCase() === adapter.name.toLowerCase(),
    );
    if (!bound && bindingSwitch.adapterNames.length > 0) {
        failures.add(
            ADAPTER_PATH,
            `"${planned.adapterName}" is not bound to switch "${bindingSwitch.name}" on host ${hostName}, which is bound to ` +
                `${quoteList(bindingSwitch.adapterNames)}; name one of those adapters`,
        );
    }
}

/**
 * True when HNS lists a network on the external switch, which is when Docker can use the switch.
 * HNS lists a switch made out of band (New-VMSwitch) only after the hns and docker services
 * restart, and then as a transparent network named after the switch.
 */
export function isSeenByDocker(vmSwitch: VmSwitch, facts: HostFacts): boolean {
    return facts.hnsNetworks.some((network) => isOnSwitch(network, vmSwitch));
}

/**
 * True when an HNS network sits on the switch: by the SwitchName HNS prints, or, for outputs
 * without it, by the network's uplink adapter (NetworkAdapterName) or the name HNS gives the
 * network of an adopted switch.
 */
function isOnSwitch(network: HnsNetwork, vmSwitch: VmSwitch): boolean {
    return (
        needsUplink(network.type) &&
        (sameName(network.switchName, vmSwitch.name) ||
            sameName(network.name, vmSwitch.name) ||
            vmSwitch.adapterNames.some((name) => sameName(name, network.adapterName)))
    );
}

/** Returns the switch an external HNS network sits on, when the facts tell. */
export function switchOfHnsNetwork(network: HnsNetwork, facts: HostFacts): VmSwitch | undefined {
    return facts.vmSwitches.find(
        (vmSwitch) => vmSwitch.switchType === "external" && isOnSwitch(network, vmSwitch),
    );
}

/** The switch an external HNS network was layered on, as HNS still records it. */
export interface RemovedSwitch {
    /** `SwitchName` of the HNS network, when HNS prints it. */
    name?: string;
    /** `SwitchGuid` of the HNS network (lower-case GUID), when HNS prints it. */
    id?: string;
}

/**
 * Returns the switch an external HNS network was layered on when that switch no longer exists,
 * for example after `Remove-VMSwitch`. HNS keeps such a network, with the old switch's id, until
 * the hns service restarts, and Docker lists its network until then. Returns undefined when the
 * switch exists, when the facts do not list the HNS network, and when HNS prints neither
 * `SwitchGuid` nor `SwitchName` for it, because then the facts cannot tell.
 */
export function findRemovedSwitch(hnsId: string, facts: HostFacts): RemovedSwitch | undefined {
    const network = facts.hnsNetworks.find((candidate) => candidate.id === hnsId.toLowerCase());
    if (network === undefined || !needsUplink(network.type)) {
        return undefined;
    }
    if (network.switchGuid === undefined && network.switchName === undefined) {
        return undefined;
    }
    if (facts.vmSwitches.some((vmSwitch) => isHnsNetworkOnSwitch(network, vmSwitch))) {
        return undefined;
    }
    return { name: network.switchName, id: network.switchGuid };
}

/** Names a removed switch for messages, for example `switch "ext-lan" (id 3773d379-...)`. */
export function describeRemovedSwitch(removed: RemovedSwitch): string {
    const name = removed.name === undefined ? "switch" : `switch "${removed.name}"`;
    return removed.id === undefined ? name : `${name} (id ${removed.id})`;
}

function outOfBandSwitchMessage(adapter: HostAdapter, vmSwitch: VmSwitch, hostName: string): string {
    return (
        `"${adapter.name}" on host ${hostName} is bound to Hyper-V switch "${vmSwitch.name}", which was created outside ` +
        "Docker and which Docker does not see until the hns and docker services restart; until then HNS tries to create " +
        `a second switch on the adapter and fails. Declare a VSwitchBinding with switchName "${vmSwitch.name}", ` +
        `adapterNames ["${adapter.name}"] and adopt: true (it restarts hns and docker) and pass it as vSwitchBinding, ` +
        "or choose another adapter"
    );
}

/**
 * Describes the external networks already on the adapter or its switch. The planned network itself
 * (the one being replaced) does not count. Neither does the transparent network HNS shows for an
 * adopted switch (named like the switch, without a subnet), because a new network reuses it.
 */
function networksOnUplink(
    planned: PlannedUplink,
    adapter: HostAdapter,
    vmSwitch: VmSwitch | undefined,
    host: UplinkHost,
): string[] {
    const replaced = host.networks.find((network) => network.name === planned.networkName);
    const found: string[] = [];
    for (const network of host.facts.hnsNetworks) {
        if (!needsUplink(network.type)) {
            continue;
        }
        const onAdapter =
            sameName(network.adapterName, adapter.name) ||
            (vmSwitch !== undefined && isOnSwitch(network, vmSwitch));
        const isPlanned =
            (replaced?.hnsId !== undefined && network.id === replaced.hnsId) ||
            sameName(network.name, planned.hnsNetworkName ?? planned.networkName);
        if (!onAdapter || isPlanned || isSwitchNetwork(network, host.facts)) {
            continue;
        }
        const docker = host.networks.find(
            (candidate) => candidate.hnsId === network.id || candidate.id === network.dockerNetworkId,
        );
        found.push(
            docker === undefined
                ? `the ${network.type} HNS network "${network.name}" (${network.id})`
                : `the ${docker.driver} network "${docker.name}"`,
        );
    }
    for (const network of host.networks) {
        const option = network.options[WindowsOptionKey.adapterName];
        const listed =
            network.hnsId !== undefined && host.facts.hnsNetworks.some((hns) => hns.id === network.hnsId);
        if (
            !listed &&
            needsUplink(network.driver) &&
            network.name !== planned.networkName &&
            sameName(option, adapter.name)
        ) {
            found.push(`the ${network.driver} network "${network.name}"`);
        }
    }
    return found;
}

/** True for the network HNS shows for a switch it did not create: named like the switch, without a subnet. */
export function isSwitchNetwork(network: HnsNetwork, facts: HostFacts): boolean {
    return (
        network.subnets.length === 0 &&
        (sameName(network.name, network.switchName) ||
            findSwitch(facts.vmSwitches, network.name) !== undefined)
    );
}

/**
 * Warns that Windows client editions (Windows 10 and 11) are known to reject transparent and
 * l2bridge networks with 0x57 where Windows Server accepts the same request.
 */
function clientEditionWarnings(planned: PlannedUplink, host: UplinkHost): string[] {
    const caption = host.facts.os.caption;
    if (caption === "" || /server/i.test(caption) || !["transparent", "l2bridge"].includes(planned.driver)) {
        return [];
    }
    return [
        `host ${host.hostName} runs "${caption}", a client edition of Windows, where ${planned.driver} networks are ` +
            'known to fail with "The parameter is incorrect. (0x57)" although the same request works on Windows Server. ' +
            "Use a Windows Server host for external networks, or a nat network",
    ];
}

/** Lists the wired physical adapters, for messages that ask the user to choose one. */
export function describeCandidates(facts: HostFacts): string {
    const wired = facts.adapters.filter((adapter) => adapter.kind === "physical");
    if (wired.length === 0) {
        return "The host has no wired physical adapter (Get-NetAdapter -Physical).";
    }
    const described = wired.map((adapter) =>
        adapter.boundSwitch === undefined
            ? `"${adapter.name}"`
            : `"${adapter.name}" (bound to switch "${adapter.boundSwitch.name}")`,
    );
    return `Its wired physical adapters are: ${described.join(", ")}.`;
}

function findAdapter(facts: HostFacts, name: string): HostAdapter | undefined {
    return facts.adapters.find((adapter) => sameName(adapter.name, name));
}

function findSwitch(switches: VmSwitch[], name: string): VmSwitch | undefined {
    return switches.find((vmSwitch) => sameName(vmSwitch.name, name));
}

/** Windows compares adapter, switch and HNS network names without regard to case. */
function sameName(left: string | undefined, right: string | undefined): boolean {
    return left !== undefined && right !== undefined && left.toLowerCase() === right.toLowerCase();
}

function unique(names: string[]): string[] {
    const seen = new Set<string>();
    return names.filter((name) => {
        const key = name.toLowerCase();
        if (seen.has(key)) {
            return false;
        }
        seen.add(key);
        return true;
    });
}

function quoteList(names: string[]): string {
    return names.map((name) => `"${name}"`).join(", ");
}

/**
 * Waits between the create attempts of an external network while HNS reports that the object
 * already exists, in milliseconds: three tries over 30 s, for HNS to let go of the switch of a
 * removed transparent network.
 * NOTE: an estimate, not a measured time; on hosts where the switch lingers until a reboot the
 * create fails after the last try anyway.
 */
export const EXTERNAL_CREATE_RETRY_DELAYS_MS: readonly number[] = [10_000, 20_000];

/** Number of create attempts that {@link EXTERNAL_CREATE_RETRY_DELAYS_MS} allows. */
export const EXTERNAL_CREATE_ATTEMPTS = EXTERNAL_CREATE_RETRY_DELAYS_MS.length + 1;

/** The last error of a retried call whose every try failed with an error worth retrying. */
export class RetriesExhaustedError extends Error {
    constructor(
        readonly lastError: unknown,
        readonly tries: number,
    ) {
        super(lastError instanceof Error ? lastError.message : String(lastError));
        this.name = "RetriesExhaustedError";
    }
}

/**
 * Runs `attempt` up to `delaysMs.length + 1` times while `isRetryable` accepts its error, waiting
 * `delaysMs[i]` before try i + 2. Returns the first result. An error `isRetryable` rejects is
 * thrown as it is; when every try failed with a retryable error, throws RetriesExhaustedError.
 */
export async function retryWithDelays<T>(
    attempt: () => Promise<T>,
    options: {
        delaysMs: readonly number[];
        isRetryable: (error: unknown) => boolean;
        sleep: (ms: number) => Promise<void>;
        onRetry?: (error: unknown, delayMs: number) => void;
    },
): Promise<T> {
    for (let index = 0; ; index++) {
        try {
            return await attempt();
        } catch (error) {
            if (!options.isRetryable(error)) {
                throw error;
            }
            const delay = options.delaysMs[index];
            if (delay === undefined) {
                throw new RetriesExhaustedError(error, index + 1);
            }
            options.onRetry?.(error, delay);
            await options.sleep(delay);
        }
    }
}
