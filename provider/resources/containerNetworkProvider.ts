import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import { checkEngine, checkNetworkLayout } from "../docker/preflight";
import { hasPendingNatChange } from "../host/claims";
import { engineFor } from "../host/engines";
import { checkContainerNetwork, ContainerNetworkInputs } from "../model/containerNetwork";
import { FailureList, formatFailures } from "../model/failures";
import { checkPartition, natLayout, partitionWarnings } from "../model/nat";
import { diffContainerNetwork } from "../model/networkDiff";
import { containsUnknown } from "../model/unknown";
import { readNetworkProps, networkOutputs, NetworkOutputs } from "./containerNetworkState";
import { plainJson, warn } from "./common";
import { readFactsForApply, readHostView, type HostView } from "./hostView";
import {
    checkSiblings,
    createManagedNetwork,
    deleteManagedNetwork,
    findManagedNetwork,
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
    const { inputs, failures } = checkContainerNetwork(news);
    const known = (value: unknown) => !containsUnknown(value);
    if (failures.empty && known(inputs.host) && known(inputs.name) && known(inputs.driver)) {
        // A subnet that is not known yet is left out of the rules that compare subnets.
        const subnet = known(inputs.subnet) ? inputs.subnet : undefined;
        const typed = { ...inputs, subnet } as unknown as ContainerNetworkInputs;
        checkSiblings(typed.host, typed.owner, typed.name, typed.subnet, failures);
        await checkAgainstEngine(typed, failures);
    }
    return { inputs: plainJson(inputs), failures: failures.items };
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
        wantFacts: inputs.driver === "nat",
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
 * Compares states without I/O. Docker networks are immutable, so managed changes replace, and
 * always delete first: the old network keeps the name (and, for external-switch drivers, the adapter).
 */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const { replaces, updates } = diffContainerNetwork(olds, news);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        deleteBeforeReplace: true,
    };
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
        const view = {
            engine,
            info: await engine.info(),
            networks: await engine.listNetworks(),
            facts: typed.driver === "nat" ? await readFactsForApply(typed.host) : undefined,
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
 * really gone is reported gone; an unreachable engine fails the refresh instead.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as NetworkOutputs;
    const observed = await findManagedNetwork(id, stored);
    if (!observed) {
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
