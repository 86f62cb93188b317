import type { DockerEngine, EngineInfo } from "../docker/engine";
import { classifyHnsMessage, EngineError } from "../docker/errors";
import { claimNetwork } from "../host/claims";
import { engineFor } from "../host/engines";
import { forgetHostFacts, hasPowerShellChannel, readHostFacts } from "../host/powershell";
import { MaterialError } from "../host/config";
import type { HostFacts } from "../host/facts";
import type { HostSpec } from "../host/spec";
import type { FailureList } from "../model/failures";
import { type ContainerNetworkInputs, MANAGED_BY_VALUE, OwnerLabel } from "../model/containerNetwork";
import type { ObservedNetwork } from "../model/networkInspect";
import { buildCreateBody, compareForAdoption, isOwnedBy } from "../model/networkSpec";
import {
    describeRemovedSwitch,
    EXTERNAL_CREATE_ATTEMPTS,
    EXTERNAL_CREATE_RETRY_DELAYS_MS,
    findRemovedSwitch,
    needsUplink,
    RemovedSwitch,
    RetriesExhaustedError,
    retryWithDelays,
    switchOfHnsNetwork,
} from "../model/uplink";
import { isUplinkRejection } from "../model/windowsErrors";
import { OperationError } from "../powershell/operation";
import { RunnerError } from "../powershell/runner";
import { describeAttachments, networkOutputs, type NetworkOutputs } from "./containerNetworkState";
import { warn } from "./common";

/**
 * The Docker side of every resource that is one Docker network (ContainerNetwork, NatPartition):
 * create with adoption and leftovers, read with the id-then-ownership fallback, and delete.
 */

/**
 * Builds the properties Pulumi records when create fails after the network was made and could not
 * be removed again, so that the next update or destroy can handle it.
 */
export type PartialState = (networkId: string) => Record<string, unknown>;

/**
 * Creates the network, or takes over an existing one with `adopt`. Nothing is left behind on
 * failure: a network created here is removed again if a later step fails, and if that removal
 * fails too the error carries its id and `partial(id)` so that Pulumi records it.
 */
export async function createManagedNetwork(
    inputs: ContainerNetworkInputs,
    partial: PartialState,
): Promise<{ id: string; outputs: NetworkOutputs }> {
    const engine = await engineFor(inputs.host);
    const info = await engine.info();

    const existing = await engine.findNetworkByName(inputs.name);
    if (existing && !(await removeNetworkOnRemovedSwitch(engine, inputs, existing))) {
        const taken = await takeOverExisting(engine, inputs, existing, info);
        if (taken) {
            return { id: existing.id, outputs: taken };
        }
    }

    const id = needsUplink(inputs.driver)
        ? await createExternalNetwork(engine, inputs)
        : await engine.createNetwork(buildCreateBody(inputs));
    try {
        const observed = await engine.inspectNetwork(id);
        if (!observed) {
            throw new Error(
                `network "${inputs.name}" (${id}) disappeared right after it was created on host ${engine.hostName}`,
            );
        }
        return { id, outputs: networkOutputs(inputs, observed, info, false) };
    } catch (error) {
        throw await undoCreate(engine, id, inputs, error as Error, partial);
    }
}

/**
 * Decides what to do with a network that already has the requested name. Returns the outputs when
 * the network is taken over, or undefined when it was removed so that create makes a new one.
 * A network is never taken from another pulumi-wcn resource, even with `adopt`, because two
 * resources managing one network would delete it under each other.
 */
async function takeOverExisting(
    engine: DockerEngine,
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
    info: EngineInfo,
): Promise<NetworkOutputs | undefined> {
    const where = `network "${inputs.name}" on host ${engine.hostName} (id ${existing.id.slice(0, 12)})`;
    const owner = ownerOf(existing);
    if (owner === inputs.owner) {
        return reuseLeftover(engine, inputs, existing, info, where);
    }
    if (owner !== undefined) {
        throw new Error(
            `${where} belongs to another pulumi-wcn resource, ${owner}. Two resources cannot manage one network: ` +
                "give this one another name, or remove the network from the other stack first",
        );
    }
    if (!inputs.adopt) {
        throw new Error(
            `${where} already exists and was not created by pulumi-wcn. ` +
                "Set adopt: true to take it over, or choose another name",
        );
    }
    const differences = compareForAdoption(inputs, existing);
    if (differences.length > 0) {
        throw new Error(
            `${where} cannot be adopted because it differs:\n` +
                differences.map((line) => `  - ${line}`).join("\n") +
                "\nChange the inputs to match it, or remove the network on the host first",
        );
    }
    return networkOutputs(inputs, existing, info, true);
}

/**
 * Handles a network this resource created in a run that did not finish (the owner label matches,
 * but the stack has no record of it). A matching one is kept; one that differs is removed so that
 * create makes it again, unless containers are attached.
 */
async function reuseLeftover(
    engine: DockerEngine,
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
    info: EngineInfo,
    where: string,
): Promise<NetworkOutputs | undefined> {
    const differences = compareForAdoption(inputs, existing);
    if (differences.length === 0) {
        return networkOutputs(inputs, existing, info, false);
    }
    if (existing.endpoints.length > 0) {
        throw new Error(
            `${where} is left over from an earlier run of this resource and differs (${differences.join("; ")}), ` +
                `but containers are attached: ${describeAttachments(existing)}. Disconnect them and run again`,
        );
    }
    warn(
        `${where} is left over from an earlier run of this resource and differs (${differences.join("; ")}); replacing it`,
    );
    await engine.removeNetwork(existing.id, `"${inputs.name}"`);
    return undefined;
}

/**
 * Removes a network of this resource that Docker still lists although the switch under it was
 * removed (a refresh reported it gone, see readRemovedSwitch). Docker drops such a network when
 * the docker service restarts, which the create of a VSwitchBinding does, but not before. Returns
 * true when the network was removed, and false when its switch exists or the facts cannot tell.
 * Throws when the network belongs to someone else or has containers attached.
 */
async function removeNetworkOnRemovedSwitch(
    engine: DockerEngine,
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
): Promise<boolean> {
    if (!needsUplink(existing.driver) || existing.hnsId === undefined || !hasPowerShellChannel(inputs.host)) {
        return false;
    }
    const removed = findRemovedSwitch(existing.hnsId, await readHostFacts(inputs.host));
    if (removed === undefined) {
        return false;
    }

    const where =
        `network "${inputs.name}" on host ${engine.hostName} (id ${existing.id.slice(0, 12)}) sits on ` +
        `${describeRemovedSwitch(removed)}, which no longer exists`;
    const owner = ownerOf(existing);
    if (owner !== inputs.owner) {
        const ownership = owner === undefined ? "was not created by pulumi-wcn" : `belongs to ${owner}`;
        throw new Error(
            `${where}, and it ${ownership}. Restart the hns and docker services (Restart-Service hns, docker) so that ` +
                "Docker drops it, or remove it with docker network rm, then run again",
        );
    }
    if (existing.endpoints.length > 0) {
        throw new Error(
            `${where}, but containers are attached: ${describeAttachments(existing)}. Disconnect them ` +
                "(docker network disconnect) and run again",
        );
    }

    warn(`${where}; removing it before the network is created again`);
    // NOTE: checked on the simulated host only. Whether HNS lets Docker remove a network whose
    // switch is gone before hns restarts is not known for a real Windows host.
    await engine.removeNetwork(existing.id, `"${inputs.name}"`);
    forgetHostFacts(inputs.host);
    return true;
}

/** Returns the owner recorded in a network's pulumi-wcn labels, or undefined for networks made elsewhere. */
export function ownerOf(network: ObservedNetwork): string | undefined {
    return network.labels[OwnerLabel.managedBy] === MANAGED_BY_VALUE
        ? network.labels[OwnerLabel.owner]
        : undefined;
}

async function undoCreate(
    engine: DockerEngine,
    id: string,
    inputs: ContainerNetworkInputs,
    cause: Error,
    partial: PartialState,
): Promise<Error> {
    try {
        await engine.removeNetwork(id, `"${inputs.name}"`);
        return cause;
    } catch (removeError) {
        const message =
            `${cause.message}. Removing the new network ${id.slice(0, 12)} also failed (${(removeError as Error).message}); ` +
            "it is recorded in the stack so that the next update or destroy can handle it";
        return Object.assign(new Error(message), { id, properties: partial(id), reasons: [message] });
    }
}

/**
 * Finds the network as it is now. The id can change when a Windows host re-creates networks after
 * a reboot, so a missing id falls back to the name and the ownership labels. Returns undefined only
 * for a network that is really gone; an unreachable engine throws.
 */
export async function findManagedNetwork(
    id: string,
    stored: NetworkOutputs,
): Promise<ObservedNetwork | undefined> {
    const engine = await engineFor(stored.host);
    const observed = await engine.inspectNetwork(id);
    if (observed) {
        return observed;
    }
    const candidate = await engine.findNetworkByName(stored.name);
    if (!candidate) {
        return undefined;
    }
    const ours = stored.adopted ? candidate.driver === stored.driver : isOwnedBy(candidate, stored.owner);
    return ours ? candidate : undefined;
}

/**
 * Returns the switch an external network was layered on when the host's facts show that switch
 * removed (see findRemovedSwitch), so that read can report the network gone. Undefined for other
 * drivers, without a PowerShell channel or an HNS id, and when the facts cannot be read, which
 * gives a warning because read then judges the network by Docker alone.
 */
export async function readRemovedSwitch(
    host: HostSpec,
    observed: ObservedNetwork,
): Promise<RemovedSwitch | undefined> {
    if (!needsUplink(observed.driver) || observed.hnsId === undefined || !hasPowerShellChannel(host)) {
        return undefined;
    }
    let facts: HostFacts;
    try {
        facts = await readHostFacts(host);
    } catch (error) {
        if (
            error instanceof MaterialError ||
            RunnerError.isInstance(error) ||
            OperationError.isInstance(error)
        ) {
            warn(
                `reading the facts of host ${host.name} failed (${(error as Error).message}); network ` +
                    `"${observed.name}" is read without checking that its switch still exists`,
            );
            return undefined;
        }
        throw error;
    }
    return findRemovedSwitch(observed.hnsId, facts);
}

/**
 * Removes the network. A network that is already gone counts as deleted. While containers are
 * attached it fails naming them, unless `disconnectContainersOnDelete` is set.
 */
export async function deleteManagedNetwork(id: string, stored: NetworkOutputs): Promise<void> {
    const engine = await engineFor(stored.host);
    const observed = await engine.inspectNetwork(id);
    if (!observed) {
        return;
    }
    const label = `"${observed.name}"`;
    const settle = needsUplink(observed.driver) ? await hnsObjectsOf(stored.host, observed.hnsId) : undefined;
    if (observed.endpoints.length > 0) {
        if (!stored.disconnectContainersOnDelete) {
            throw new Error(
                `network ${label} on host ${engine.hostName} still has containers attached: ${describeAttachments(observed)}. ` +
                    "Stop or disconnect them, or set disconnectContainersOnDelete: true to let the provider disconnect them",
            );
        }
        for (const endpoint of observed.endpoints) {
            await engine.disconnectContainer(id, endpoint.containerId, label);
        }
    }
    try {
        await engine.removeNetwork(id, label);
        if (settle !== undefined) {
            await waitUntilGone(stored.host, settle, label);
        }
    } catch (error) {
        if (EngineError.is(error, "in-use")) {
            const now = await engine.inspectNetwork(id);
            throw new Error(
                `${error.message}. Attached now: ${now ? describeAttachments(now) : "none"}. ` +
                    "Stop or disconnect them, or set disconnectContainersOnDelete: true",
            );
        }
        throw error;
    }
}

/**
 * Reports resources checked in the same operation that declare the same network name or an
 * overlapping subnet for the host, before either is created.
 */
export function checkSiblings(
    host: HostSpec,
    owner: string,
    name: string,
    subnet: string | undefined,
    failures: FailureList,
    subnetPath = "subnet",
): void {
    const conflicts = claimNetwork(host.docker.url, { owner, name, subnet });
    if (conflicts.sameName !== undefined) {
        failures.add(
            "name",
            `"${name}" is also declared by ${conflicts.sameName} for host ${host.name}; ` +
                "network names are unique on a host, so give each resource its own name",
        );
    }
    for (const other of conflicts.overlapping) {
        failures.add(
            subnetPath,
            `${subnet} overlaps ${other.subnet}, which ${other.owner} declares for host ${host.name}; ` +
                "give each network its own subnet",
        );
    }
}

/** How long delete waits for HNS to drop the network and the switch it made, in milliseconds. */
export const HNS_SETTLE_TIMEOUT_MS = 30_000;
const HNS_SETTLE_POLL_MS = 1_000;

/**
 * Creates an external-switch network. HNS can keep the switch of a transparent network that was
 * just removed, and the next create then fails with "The object already exists" (on some hosts
 * until a reboot). That error is retried with the waits of EXTERNAL_CREATE_RETRY_DELAYS_MS. An
 * invalid-parameter rejection names the adapter it was about.
 */
async function createExternalNetwork(engine: DockerEngine, inputs: ContainerNetworkInputs): Promise<string> {
    const adapter = inputs.windows?.adapterName;
    const uplink =
        inputs.vSwitch === undefined
            ? `adapter "${adapter}"`
            : `adapter "${adapter}" of switch "${inputs.vSwitch.switchName}"`;
    try {
        return await retryWithDelays(() => engine.createNetwork(buildCreateBody(inputs)), {
            delaysMs: EXTERNAL_CREATE_RETRY_DELAYS_MS,
            isRetryable: isHnsObjectExists,
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            onRetry: (error, delayMs) =>
                warn(
                    `network "${inputs.name}" on host ${engine.hostName}: HNS reported that the object already exists ` +
                        `(${(error as Error).message}); the switch of a removed network on ${uplink} may still be ` +
                        `going away, so create is retried in ${delayMs / 1000} s`,
                ),
        });
    } catch (error) {
        if (error instanceof RetriesExhaustedError) {
            const totalSeconds = EXTERNAL_CREATE_RETRY_DELAYS_MS.reduce((sum, ms) => sum + ms, 0) / 1000;
            throw new Error(
                `network "${inputs.name}" on host ${engine.hostName}: HNS still reports that the object already exists ` +
                    `after ${EXTERNAL_CREATE_ATTEMPTS} tries over ${totalSeconds} s (${(error.lastError as Error).message}). ` +
                    `A removed network's switch on ${uplink} is probably still on the host: check Get-VMSwitch and ` +
                    "Get-HnsNetwork, and reboot the host if it does not go away (restarting docker does not clear it)",
            );
        }
        if (EngineError.isInstance(error) && isUplinkRejection(error.engineMessage ?? error.message)) {
            throw new EngineError(
                error.kind,
                `network "${inputs.name}": HNS rejected the uplink ${uplink} on host ${engine.hostName} ` +
                    `("${error.engineMessage ?? error.message}"). The adapter must be a connected, wired physical ` +
                    "adapter that no other external network uses and that is not bound to a switch Docker does not see; " +
                    "the host's Windows edition and version must also accept the driver's options",
                { statusCode: error.statusCode, code: error.code, engineMessage: error.engineMessage },
            );
        }
        throw error;
    }
}

/** True for HNS's "already exists" failure, as opposed to the engine's own name conflict. */
function isHnsObjectExists(error: unknown): boolean {
    return (
        EngineError.is(error, "conflict") &&
        error.engineMessage !== undefined &&
        classifyHnsMessage(error.engineMessage) !== undefined
    );
}

/** The HNS network of a Docker network and the switch HNS made for it, by name. */
interface HnsObjects {
    hnsId: string;
    /** Set when the switch carries only this network, so that HNS removes it with the network. */
    switchName?: string;
}

/**
 * Returns what delete waits for after removing an external network: its HNS network and, when no
 * other HNS network uses it, its switch. Undefined without a PowerShell channel or an HNS id.
 */
async function hnsObjectsOf(host: HostSpec, hnsId: string | undefined): Promise<HnsObjects | undefined> {
    if (hnsId === undefined || !hasPowerShellChannel(host)) {
        return undefined;
    }
    const facts = await readFreshFacts(host);
    const network = facts?.hnsNetworks.find((candidate) => candidate.id === hnsId.toLowerCase());
    if (facts === undefined || network === undefined) {
        return undefined;
    }
    const vmSwitch = switchOfHnsNetwork(network, facts);
    const shared =
        vmSwitch !== undefined &&
        facts.hnsNetworks.some(
            (other) => other.id !== network.id && switchOfHnsNetwork(other, facts)?.name === vmSwitch.name,
        );
    return { hnsId: network.id, switchName: shared ? undefined : vmSwitch?.name };
}

/**
 * Waits, up to HNS_SETTLE_TIMEOUT_MS, until the host's facts no longer list the HNS network and its
 * switch, so that a replacement created right after does not collide with them. Gives up with a
 * warning, because create retries that collision anyway.
 */
async function waitUntilGone(host: HostSpec, objects: HnsObjects, label: string): Promise<void> {
    const deadline = Date.now() + HNS_SETTLE_TIMEOUT_MS;
    for (;;) {
        const facts = await readFreshFacts(host);
        if (facts === undefined) {
            return;
        }
        const network = facts.hnsNetworks.some((candidate) => candidate.id === objects.hnsId);
        const vmSwitch =
            objects.switchName !== undefined &&
            facts.vmSwitches.some(
                (candidate) => candidate.name.toLowerCase() === objects.switchName?.toLowerCase(),
            );
        if (!network && !vmSwitch) {
            return;
        }
        if (Date.now() >= deadline) {
            const left = network ? `HNS network ${objects.hnsId}` : `switch "${objects.switchName}"`;
            warn(
                `network ${label} on host ${host.name} was removed, but ${left} was still on the host after ` +
                    `${HNS_SETTLE_TIMEOUT_MS / 1000} s; a replacement created now may fail until it goes`,
            );
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, HNS_SETTLE_POLL_MS));
    }
}

/**
 * Reads the host's facts again, bypassing the cache. A failed read gives a warning and undefined,
 * because waiting for HNS is a courtesy to the next create and must not fail a delete.
 */
async function readFreshFacts(host: HostSpec): Promise<HostFacts | undefined> {
    forgetHostFacts(host);
    try {
        return await readHostFacts(host);
    } catch (error) {
        warn(
            `reading the facts of host ${host.name} failed (${(error as Error).message}); not waiting for HNS to ` +
                "drop the removed network",
        );
        return undefined;
    } finally {
        forgetHostFacts(host);
    }
}
