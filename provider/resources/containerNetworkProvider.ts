import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import { checkEngine, checkNetworkLayout } from "../docker/preflight";
import { claimUplink, hasPendingNatChange } from "../host/claims";
import { engineFor } from "../host/engines";
import { forgetHostFacts } from "../host/powershell";
import { checkContainerNetwork, ContainerNetworkInputs } from "../model/containerNetwork";
import { FailureList, formatFailures } from "../model/failures";
import { checkPartition, natLayout, partitionWarnings } from "../model/nat";
import { diffContainerNetwork } from "../model/networkDiff";
import { containsUnknown } from "../model/unknown";
import { checkUplink, describeRemovedSwitch, needsUplink } from "../model/uplink";
import { readNetworkProps, networkOutputs, NetworkOutputs } from "./containerNetworkState";
import { plainJson, warn } from "./common";
import { readFactsForApply, readHostView, type HostView } from "./hostView";
import {
    checkSiblings,
    createManagedNetwork,
    deleteManagedNetwork,
    findManagedNetwork,
    readRemovedSwitch,
} from "./networkLifecycle";

export const containerNetworkProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/**
 * Validates inputs. Syntax and per-driver rules always run. The rules that depend on the engine
 * (drivers offered, OS type, API version, networks already there) and, for nat networks, on the
 * host's NAT layout run when the host responds; otherwise preview goes on with a warning because
 * create checks them again before it changes anything.
 */
async function check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures: syntax } = checkContainerNetwork(news);
    const known = (value: unknown) => !containsUnknown(value);
    const hostVnicOnly = isOnlyHostVnicFailure(syntax);
    if (
        (!syntax.empty && !hostVnicOnly) ||
        !known(inputs.host) ||
        !known(inputs.name) ||
        !known(inputs.driver)
    ) {
        return { inputs: plainJson(inputs), failures: syntax.items };
    }
    // A subnet that is not known yet is left out of the rules that compare subnets.
    const subnet = known(inputs.subnet) ? inputs.subnet : undefined;
    const typed = { ...inputs, subnet } as unknown as ContainerNetworkInputs;
    const failures = new FailureList();
    checkSiblings(typed.host, typed.owner, typed.name, typed.subnet, failures);
    checkSiblingUplinks(typed, failures);
    await checkAgainstEngine(typed, failures);
    // The host's facts explain a host vNIC better (its switch, and the physical adapter with its
    // MAC), so the input rule's message stays only when the host rules did not report the adapter.
    const explained = failures.items.some((failure) => failure.property === ADAPTER_PATH);
    const items = hostVnicOnly && !explained ? [...syntax.items, ...failures.items] : failures.items;
    return { inputs: plainJson(inputs), failures: items };
}

const ADAPTER_PATH = "windows.adapterName";

/** True when the one input failure is the rule that rejects a `vEthernet (...)` adapter name. */
function isOnlyHostVnicFailure(failures: FailureList): boolean {
    const [first] = failures.items;
    return failures.items.length === 1 && first.property === ADAPTER_PATH && /host vNIC/.test(first.reason);
}

/**
 * Reports other external-switch networks checked in the same operation on the same adapter or on
 * the same VSwitchBinding's switch, before either is created. Values not known yet are left out.
 */
function checkSiblingUplinks(inputs: ContainerNetworkInputs, failures: FailureList): void {
    if (!needsUplink(inputs.driver)) {
        return;
    }
    const adapterName = knownString(inputs.windows?.adapterName);
    const switchName = knownString(inputs.vSwitch?.switchName);
    if (adapterName === undefined && switchName === undefined) {
        return;
    }
    const conflicts = claimUplink(inputs.host.docker.url, { owner: inputs.owner, adapterName, switchName });
    for (const other of conflicts) {
        const shared =
            adapterName !== undefined && other.adapterName?.toLowerCase() === adapterName.toLowerCase()
                ? `adapter "${adapterName}"`
                : `switch "${switchName}"`;
        failures.add(
            adapterName !== undefined ? ADAPTER_PATH : "vSwitchBinding",
            `${shared} is also used by ${other.owner} on host ${inputs.host.name}; each transparent, l2bridge or ` +
                "l2tunnel network needs its own adapter, so give each network another adapter",
        );
    }
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" && !containsUnknown(value) ? value : undefined;
}

async function checkAgainstEngine(inputs: ContainerNetworkInputs, failures: FailureList): Promise<void> {
    if (inputs.driver === "nat" && hasPendingNatChange(inputs.host.docker.url)) {
        warn(
            `network "${inputs.name}": a HostNatConfig in this stack changes the default NAT network of host ` +
                `${inputs.host.name} first, so the host's rules are checked when the network is created`,
        );
        return;
    }
    const view = await readHostView(inputs.host, `network "${inputs.name}"`, failures, {
        wantFacts: inputs.driver === "nat" || needsUplink(inputs.driver),
    });
    if (view) {
        addHostFailures(inputs, view, failures, "warn");
    }
}

/**
 * Adds the failures that depend on what the engine offers, on the networks the host already has,
 * and for nat networks on the host's NAT layout (WinNAT prefix, host addresses).
 */
function addHostFailures(
    inputs: ContainerNetworkInputs,
    view: HostView,
    failures: FailureList,
    warnings: "warn" | "quiet",
): void {
    const { engine, info } = view;
    const apiVersion = inputs.host.docker.apiVersion ?? DEFAULT_API_VERSION;
    checkEngine(
        info,
        engine.hostName,
        { driver: inputs.driver, windows: inputs.windows, apiVersion },
        failures,
    );
    if (!failures.empty) {
        return;
    }
    if (inputs.driver !== "nat" || info.osType !== "windows") {
        const planned = { name: inputs.name, driver: inputs.driver, subnet: inputs.subnet };
        checkNetworkLayout(info, engine.hostName, planned, view.networks, failures);
        addUplinkFailures(inputs, view, failures, warnings);
    } else {
        // The NAT rules cover overlaps with every network, with the exceptions Windows makes.
        const layout = natLayout({
            hostName: engine.hostName,
            info,
            networks: view.networks,
            facts: view.facts,
            exclude: inputs.name,
        });
        const partition = { name: inputs.name, subnet: inputs.subnet, gateway: inputs.gateway };
        checkPartition(layout, partition, failures);
        // Check already printed the warnings; create repeats the rules, not the warnings.
        if (warnings === "warn") {
            for (const message of partitionWarnings(layout, partition)) {
                warn(`network "${inputs.name}": ${message}`);
            }
        }
    }
}

/**
 * Adds the uplink rules of an external-switch network (see model/uplink.ts) when the host's facts
 * were read and the adapter is known.
 */
function addUplinkFailures(
    inputs: ContainerNetworkInputs,
    view: HostView,
    failures: FailureList,
    warnings: "warn" | "quiet",
): void {
    const adapterName = knownString(inputs.windows?.adapterName);
    if (!needsUplink(inputs.driver) || view.facts === undefined || adapterName === undefined) {
        return;
    }
    const bindingPending = inputs.vSwitch !== undefined && containsUnknown(inputs.vSwitch);
    const planned = {
        networkName: inputs.name,
        driver: inputs.driver,
        adapterName,
        hnsNetworkName: knownString(inputs.windows?.hnsNetworkName),
        vSwitch: bindingPending ? undefined : inputs.vSwitch,
        bindingPending,
    };
    const host = { hostName: view.engine.hostName, facts: view.facts, networks: view.networks };
    for (const message of checkUplink(planned, host, failures)) {
        if (warnings === "warn") {
            warn(`network "${inputs.name}": ${message}`);
        }
    }
}

/**
 * Compares states without I/O. Docker networks are immutable, so managed changes replace, and
 * always delete first: the old network keeps the name (and, for external-switch drivers, the adapter).
 */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const { replaces, updates } = diffContainerNetwork(olds, news);
    diffVSwitch(olds.vSwitch, news.vSwitch, replaces, updates);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        deleteBeforeReplace: true,
    };
}

/**
 * Compares the binding's switch: another switch means another network. A binding added or removed
 * and a change in the binding's adapters alone only change what is stored, because
 * `windows.adapterName` (compared with the other Windows options) is the adapter the network
 * really uses.
 */
function diffVSwitch(olds: unknown, news: unknown, replaces: string[], updates: string[]): void {
    const switchOf = (value: unknown) =>
        containsUnknown(value)
            ? value
            : ((value as { switchName?: string } | undefined)?.switchName?.toLowerCase() ?? null);
    const adaptersOf = (value: unknown) =>
        containsUnknown(value)
            ? value
            : ((value as { adapterNames?: string[] } | undefined)?.adapterNames ?? null);
    const differs = (left: unknown, right: unknown) =>
        containsUnknown(left) || containsUnknown(right) || JSON.stringify(left) !== JSON.stringify(right);
    const addedOrRemoved = (olds === undefined || olds === null) !== (news === undefined || news === null);
    if (addedOrRemoved) {
        updates.push("vSwitch");
    } else if (differs(switchOf(olds), switchOf(news))) {
        replaces.push("vSwitch.switchName");
    } else if (differs(adaptersOf(olds), adaptersOf(news))) {
        updates.push("vSwitch.adapterNames");
    }
}

/**
 * Creates the network, or takes over an existing one with `adopt`. Nothing is left behind on
 * failure (see createManagedNetwork).
 */
async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = await validateForApply(raw);
    // The dynamic-provider server stores partial properties as they are, and later Read and Delete
    // calls load the provider code from them, so the serialized provider must be among them.
    const { id, outputs } = await createManagedNetwork(inputs, (networkId) =>
        plainJson({ ...inputs, networkId, __provider: raw.__provider }),
    );
    return { id, outs: plainJson(outputs) };
}

async function validateForApply(raw: Record<string, unknown>): Promise<ContainerNetworkInputs> {
    const { inputs, failures } = checkContainerNetwork(raw);
    const typed = inputs as unknown as ContainerNetworkInputs;
    if (failures.empty) {
        const engine = await engineFor(typed.host);
        if (needsUplink(typed.driver)) {
            // Check read the facts before the binding this network sits on was created, and the
            // uplink rules must judge the switches as they are now.
            forgetHostFacts(typed.host);
        }
        const view = {
            engine,
            info: await engine.info(),
            networks: await engine.listNetworks(),
            facts:
                typed.driver === "nat" || needsUplink(typed.driver)
                    ? await readFactsForApply(typed.host)
                    : undefined,
        };
        addHostFailures(typed, view, failures, "quiet");
    }
    if (!failures.empty) {
        throw new Error(
            `network "${String(raw.name)}" has invalid inputs:\n${formatFailures(failures.items)}`,
        );
    }
    return typed;
}

/**
 * Reads the network as it is now. The id can change when a Windows host re-creates networks after a
 * reboot, so a missing id falls back to the name and the ownership labels. Only a network that is
 * really gone is reported gone; an unreachable engine fails the refresh instead. An external-switch
 * network whose switch was removed also counts as gone when the host's facts show it, although
 * Docker lists it until the docker service restarts, so that the next up creates it again.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as NetworkOutputs;
    const observed = await findManagedNetwork(id, stored);
    if (!observed) {
        return { id: "" };
    }
    const removedSwitch = await readRemovedSwitch(stored.host, observed);
    if (removedSwitch !== undefined) {
        warn(
            `network "${observed.name}" on host ${stored.host.name} sits on ${describeRemovedSwitch(removedSwitch)}, ` +
                "which no longer exists, so it is reported gone and the next up creates it again",
        );
        return { id: "" };
    }
    const refreshed = readNetworkProps(stored, observed);
    return { id: observed.id, props: plainJson(refreshed.props), inputs: plainJson(refreshed.inputs) };
}

/** Applies changes that need no new network: connection settings and the provider's own flags. */
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
            `network "${inputs.name}" (${id.slice(0, 12)}) no longer exists on host ${engine.hostName}; ` +
                "run `pulumi refresh` so that the next `pulumi up` creates it again",
        );
    }
    const adopted = (olds as unknown as NetworkOutputs).adopted ?? false;
    return { outs: plainJson(networkOutputs(inputs, observed, await engine.info(), adopted)) };
}

/**
 * Removes the network. A network that is already gone counts as deleted. While containers are
 * attached it fails naming them, unless `disconnectContainersOnDelete` is set.
 */
async function remove(id: string, props: Record<string, unknown>): Promise<void> {
    await deleteManagedNetwork(id, props as unknown as NetworkOutputs);
}
