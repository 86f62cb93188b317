import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import { checkEngine, checkNetworkLayout } from "../docker/preflight";
import { claimedSubnets, hasPendingNatChange } from "../host/claims";
import { engineFor } from "../host/engines";
import { hasPowerShellChannel } from "../host/powershell";
import { FailureList, formatFailures } from "../model/failures";
import {
    allocatePartition,
    allocationPool,
    checkPartition,
    type NatLayout,
    natLayout,
    partitionWarnings,
} from "../model/nat";
import { normalizeCidr, containsPrefix } from "../model/cidr";
import { isOwnedBy } from "../model/networkSpec";
import {
    checkNatPartition,
    NAT_PARTITION_INPUT_KEYS,
    type NatPartitionInputs,
    partitionNetwork,
    partitionSubnet,
} from "../model/natPartition";
import { diffContainerNetwork } from "../model/networkDiff";
import { containsUnknown } from "../model/unknown";
import { type NetworkOutputs, readNetworkProps } from "./containerNetworkState";
import { pickDefined, plainJson, warn } from "./common";
import { readFactsForApply, readHostView, type HostView } from "./hostView";
import {
    checkSiblings,
    createManagedNetwork,
    deleteManagedNetwork,
    findManagedNetwork,
} from "./networkLifecycle";

/** The inputs echoed back plus what the engine reports. */
export interface NatPartitionOutputs extends NatPartitionInputs {
    networkId: string;
    hnsId?: string;
    effectiveSubnet?: string;
    effectiveGateway?: string;
    engineOsType: string;
    engineOperatingSystem: string;
    engineVersion: string;
    adopted: boolean;
}

export const natPartitionProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/**
 * Validates inputs and settles the partition's subnet. The host-aware rules (WinNAT containment,
 * overlaps with NAT networks, other subnets and host addresses, one-NAT hosts) run when the host
 * responds. Otherwise preview goes on with a warning, and create checks them again. An allocated
 * block is kept from the previous state, or taken from the partition's own network on the host,
 * so that a partition never moves once it exists.
 */
async function check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures } = checkNatPartition(news);
    delete inputs.allocatedSubnet;
    const known = (key: string) => !containsUnknown(inputs[key]);
    if (!failures.empty || !["host", "name", "subnet", "prefixLength", "pool"].every(known)) {
        return { inputs: plainJson(inputs), failures: failures.items };
    }
    const typed = inputs as unknown as NatPartitionInputs;
    const subject = `NAT partition "${typed.name}"`;
    let view: HostView | undefined;
    if (hasPendingNatChange(typed.host.docker.url)) {
        warn(
            `${subject}: a HostNatConfig in this stack changes the default NAT network of host ${typed.host.name} first, ` +
                "so the host's NAT rules are checked when the partition is created",
        );
    } else {
        view = await readHostView(typed.host, subject, failures, { wantFacts: true });
    }
    if (!failures.empty) {
        return { inputs: plainJson(inputs), failures: failures.items };
    }
    // No await from here on: the allocation and the sibling claim happen in one step, so that
    // partitions checked side by side in one operation see each other's blocks.
    const layout = view ? layoutOf(typed, view) : undefined;
    // A host whose facts exist but could not be read gets its block at create, from its full layout.
    const canAllocate =
        layout !== undefined && (view?.facts !== undefined || !hasPowerShellChannel(typed.host));
    if (typed.prefixLength !== undefined) {
        typed.allocatedSubnet =
            keptAllocation(olds, typed, view, layout) ??
            (canAllocate ? allocateOrFail(typed, layout, failures) : undefined);
    }
    const subnet = partitionSubnet(typed);
    checkSiblings(typed.host, typed.owner, typed.name, subnet, failures, sizingPath(typed));
    if (view && layout && subnet !== undefined) {
        addPartitionFailures(typed, subnet, view, layout, failures, "warn");
    }
    return { inputs: plainJson(typed), failures: failures.items };
}

function sizingPath(inputs: NatPartitionInputs): string {
    return inputs.subnet !== undefined ? "subnet" : "prefixLength";
}

function layoutOf(inputs: NatPartitionInputs, view: HostView): NatLayout {
    return natLayout({
        hostName: view.engine.hostName,
        info: view.info,
        networks: view.networks,
        facts: view.facts,
        exclude: inputs.name,
    });
}

/**
 * Returns the block this partition already has. That is the one in the previous state when the
 * sizing did not change. Otherwise it is the subnet of the partition's own network on the host
 * (found by name and owner label), if that network has the requested size and pool.
 */
function keptAllocation(
    olds: Record<string, unknown>,
    inputs: NatPartitionInputs,
    view: HostView | undefined,
    layout: NatLayout | undefined,
): string | undefined {
    const previous = olds as Partial<NatPartitionInputs>;
    if (
        typeof previous.allocatedSubnet === "string" &&
        previous.prefixLength === inputs.prefixLength &&
        previous.pool === inputs.pool &&
        previous.name === inputs.name &&
        previous.host?.docker?.url === inputs.host.docker.url
    ) {
        // A block the host no longer takes (the WinNAT prefix moved, or the default network now
        // covers it) is allocated again, which replaces the partition.
        if (layout === undefined || !layout.factsAvailable) {
            return previous.allocatedSubnet;
        }
        const pool = normalizeCidr(allocationPool(layout, inputs.pool));
        const block = normalizeCidr(previous.allocatedSubnet);
        const rejected = new FailureList();
        checkPartition(layout, { name: inputs.name, subnet: previous.allocatedSubnet }, rejected);
        const fits = pool === undefined || block === undefined || containsPrefix(pool, block);
        return fits && rejected.empty ? previous.allocatedSubnet : undefined;
    }
    const own = view?.networks.find(
        (network) => network.name === inputs.name && isOwnedBy(network, inputs.owner),
    );
    const prefix = own?.subnet === undefined ? undefined : normalizeCidr(own.subnet);
    if (prefix === undefined || prefix.prefixLength !== inputs.prefixLength) {
        return undefined;
    }
    const pool = inputs.pool === undefined ? undefined : normalizeCidr(inputs.pool);
    return pool === undefined || containsPrefix(pool, prefix) ? prefix.cidr : undefined;
}

function allocateOrFail(
    inputs: NatPartitionInputs,
    layout: NatLayout,
    failures: FailureList,
): string | undefined {
    const pool = allocationPool(layout, inputs.pool);
    const poolPrefix = normalizeCidr(pool);
    if (poolPrefix !== undefined && (inputs.prefixLength as number) < poolPrefix.prefixLength) {
        failures.add(
            "prefixLength",
            `${inputs.prefixLength} asks for a block larger than the pool ${pool}; use ${poolPrefix.prefixLength} or more`,
        );
        return undefined;
    }
    const winNat =
        layout.generation === "winnat" && layout.winNat ? normalizeCidr(layout.winNat.prefix) : undefined;
    if (
        inputs.pool !== undefined &&
        poolPrefix !== undefined &&
        winNat !== undefined &&
        !containsPrefix(winNat, poolPrefix)
    ) {
        failures.add(
            "pool",
            `${pool} lies outside the WinNAT internal prefix ${layout.winNat?.reportedPrefix} of host ${layout.hostName}, ` +
                `where every NAT partition must be; use a pool inside ${winNat.cidr}, or leave pool out`,
        );
        return undefined;
    }
    if (layout.singleNatNetwork && layout.natNetworks.length > 0) {
        // The host takes no second NAT network at all; that rule explains it better than a full pool.
        const single = new FailureList();
        checkPartition(layout, { name: inputs.name }, single);
        single.items.forEach((item) => failures.add("prefixLength", item.reason));
        return undefined;
    }
    const reserved = claimedSubnets(inputs.host.docker.url, inputs.owner);
    const block = allocatePartition(layout, inputs.prefixLength as number, pool, reserved);
    if (block === undefined) {
        failures.add(
            "prefixLength",
            `no free /${inputs.prefixLength} block is left in ${pool} on host ${layout.hostName}, after the NAT networks, ` +
                "other subnets, host addresses and partitions declared beside this one; " +
                "use a longer prefixLength, another pool, or remove a partition",
        );
    }
    return block;
}

/** Adds the failures that depend on the engine and on the host's NAT layout. */
function addPartitionFailures(
    inputs: NatPartitionInputs,
    subnet: string,
    view: HostView,
    layout: NatLayout,
    failures: FailureList,
    warnings: "warn" | "quiet",
): void {
    const { engine, info } = view;
    const apiVersion = inputs.host.docker.apiVersion ?? DEFAULT_API_VERSION;
    checkEngine(info, engine.hostName, { driver: "nat", windows: inputs.windows, apiVersion }, failures);
    if (!failures.empty) {
        return;
    }
    const network = partitionNetwork(inputs, subnet);
    const path = sizingPath(inputs);
    const layoutFailures = new FailureList();
    if (info.osType !== "windows") {
        checkNetworkLayout(
            info,
            engine.hostName,
            { name: inputs.name, driver: "nat", subnet },
            view.networks,
            layoutFailures,
        );
    }
    const planned = { name: inputs.name, subnet, gateway: network.gateway };
    checkPartition(layout, planned, layoutFailures);
    for (const item of layoutFailures.items) {
        // A block the provider allocated is reported at prefixLength, which is what the user set.
        failures.add(item.property === "subnet" ? path : item.property, item.reason);
    }
    // Check already printed the warnings; create repeats the rules, not the warnings.
    if (warnings === "warn") {
        for (const message of partitionWarnings(layout, planned)) {
            warn(`NAT partition "${inputs.name}": ${message}`);
        }
    }
}

/**
 * Compares states without I/O. The partition is a Docker network, so a change of its effective
 * subnet, gateway, options or labels replaces it (deleting first, because names are unique).
 * Changing how the subnet is chosen (prefixLength, pool) without moving it is an update.
 */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const asNetwork = (fields: Record<string, unknown>) => ({
        ...fields,
        driver: "nat",
        subnet: fields.subnet ?? fields.allocatedSubnet,
    });
    const { replaces, updates } = diffContainerNetwork(asNetwork(olds), asNetwork(news));
    for (const key of ["prefixLength", "pool"]) {
        if (containsUnknown(news[key]) || JSON.stringify(olds[key]) !== JSON.stringify(news[key])) {
            updates.push(key);
        }
    }
    const oldHost = (olds.host ?? {}) as Record<string, unknown>;
    const newHost = (news.host ?? {}) as Record<string, unknown>;
    if (
        containsUnknown(newHost.powershell) ||
        JSON.stringify(oldHost.powershell) !== JSON.stringify(newHost.powershell)
    ) {
        updates.push("host.powershell");
    }
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
}

/** Creates the partition's network after checking the host again. Nothing is left behind on failure. */
async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = await validateForApply(raw);
    const subnet = partitionSubnet(inputs) as string;
    const { id, outputs } = await createManagedNetwork(partitionNetwork(inputs, subnet), (networkId) =>
        plainJson({ ...inputs, networkId, __provider: raw.__provider }),
    );
    return { id, outs: plainJson(partitionOutputs(inputs, outputs)) };
}

/**
 * Runs every rule again with the host's current state, allocating the block now when check could
 * not, and throws listing all failures. Returns the inputs with the subnet settled.
 */
async function validateForApply(raw: Record<string, unknown>): Promise<NatPartitionInputs> {
    const { inputs, failures } = checkNatPartition(raw);
    const typed = inputs as unknown as NatPartitionInputs;
    if (failures.empty) {
        const engine = await engineFor(typed.host);
        const view: HostView = {
            engine,
            info: await engine.info(),
            networks: await engine.listNetworks(),
            facts: await readFactsForApply(typed.host),
        };
        const layout = layoutOf(typed, view);
        if (typed.prefixLength !== undefined && typed.allocatedSubnet === undefined) {
            typed.allocatedSubnet = allocateOrFail(typed, layout, failures);
        }
        const subnet = partitionSubnet(typed);
        if (subnet !== undefined) {
            addPartitionFailures(typed, subnet, view, layout, failures, "quiet");
        }
    }
    if (!failures.empty) {
        throw new Error(
            `NAT partition "${String(raw.name)}" has invalid inputs:\n${formatFailures(failures.items)}`,
        );
    }
    return typed;
}

function partitionOutputs(inputs: NatPartitionInputs, network: NetworkOutputs): NatPartitionOutputs {
    const outputs: NatPartitionOutputs = {
        ...pickInputs(inputs),
        networkId: network.networkId,
        engineOsType: network.engineOsType,
        engineOperatingSystem: network.engineOperatingSystem,
        engineVersion: network.engineVersion,
        adopted: network.adopted,
    };
    for (const key of ["hnsId", "effectiveSubnet", "effectiveGateway"] as const) {
        if (network[key] !== undefined) {
            outputs[key] = network[key];
        }
    }
    return outputs;
}

/** Converts the stored partition to the network state the shared Docker functions take. */
function asNetworkOutputs(stored: NatPartitionOutputs): NetworkOutputs {
    const subnet = partitionSubnet(stored) ?? stored.effectiveSubnet ?? "";
    return {
        ...partitionNetwork(stored, subnet),
        networkId: stored.networkId,
        hnsId: stored.hnsId,
        effectiveSubnet: stored.effectiveSubnet,
        effectiveGateway: stored.effectiveGateway,
        engineOsType: stored.engineOsType,
        engineOperatingSystem: stored.engineOperatingSystem,
        engineVersion: stored.engineVersion,
        adopted: stored.adopted ?? false,
    };
}

/**
 * Reads the partition as it is now. A subnet changed on the host shows as a difference from the
 * declared or allocated one; a gateway only when the user set one.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as NatPartitionOutputs;
    const networkState = asNetworkOutputs(stored);
    const observed = await findManagedNetwork(id, networkState);
    if (!observed) {
        return { id: "" };
    }
    const refreshed = readNetworkProps(networkState, observed).props;
    const next: NatPartitionOutputs = { ...partitionOutputs(stored, refreshed) };
    if (refreshed.subnet !== undefined) {
        if (stored.subnet !== undefined) {
            next.subnet = refreshed.subnet;
        } else {
            next.allocatedSubnet = refreshed.subnet;
        }
    }
    if (stored.gateway !== undefined && refreshed.gateway !== undefined) {
        next.gateway = refreshed.gateway;
    }
    if (refreshed.windows !== undefined) {
        next.windows = refreshed.windows;
    }
    if (refreshed.labels !== undefined) {
        next.labels = refreshed.labels;
    }
    return { id: observed.id, props: plainJson(next), inputs: plainJson(pickInputs(next)) };
}

/** Applies changes that need no new network: connection settings, sizing and the provider's own flags. */
async function update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = await validateForApply(news);
    const engine = await engineFor(inputs.host);
    const observed = await engine.inspectNetwork(id);
    if (!observed) {
        throw new Error(
            `NAT partition "${inputs.name}" (${id.slice(0, 12)}) no longer exists on host ${engine.hostName}; ` +
                "run `pulumi refresh` so that the next `pulumi up` creates it again",
        );
    }
    const stored = olds as unknown as NatPartitionOutputs;
    const refreshed = readNetworkProps(asNetworkOutputs({ ...stored, ...inputs }), observed).props;
    const outputs = partitionOutputs(inputs, {
        ...refreshed,
        engineVersion: (await engine.info()).serverVersion,
    });
    return { outs: plainJson(outputs) };
}

/** Removes the partition's network; one already gone counts as deleted. */
async function remove(id: string, props: Record<string, unknown>): Promise<void> {
    await deleteManagedNetwork(id, asNetworkOutputs(props as unknown as NatPartitionOutputs));
}

function pickInputs(source: NatPartitionInputs): NatPartitionInputs {
    return pickDefined(source, NAT_PARTITION_INPUT_KEYS);
}
