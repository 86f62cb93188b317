import type * as pulumi from "@pulumi/pulumi";
import type { DockerEngine } from "../docker/engine";
import { engineFor } from "../host/engines";
import type { HostFacts, VmSwitch } from "../host/facts";
import { findManagementAddresses } from "../host/managementAddress";
import { forgetHostFacts, hostOperations, readHostFacts } from "../host/powershell";
import type { HostSpec } from "../host/spec";
import { FailureList, formatFailures } from "../model/failures";
import type { ObservedNetwork } from "../model/networkInspect";
import { containsUnknown } from "../model/unknown";
import {
    checkBindingAgainstHost,
    checkManagementCutoff,
    checkVSwitchBindingInputs,
    describeSwitch,
    diffBindingInputs,
    findSwitch,
    findSwitchDockerNetwork,
    markedOwner,
    ownerMarker,
    type SwitchRef,
    userNetworksOnSwitch,
    VSWITCH_BINDING_INPUT_KEYS,
    type VSwitchBindingInputs,
} from "../model/vSwitchBinding";
import type { RawVmSwitchState } from "../powershell/operations";
import { pickDefined, plainJson, warn } from "./common";
import { readHostView } from "./hostView";

/** The inputs echoed back plus the switch as the host reports it. */
export interface VSwitchBindingOutputs extends VSwitchBindingInputs {
    /** Hyper-V switch id, a lower-case GUID. */
    switchId: string;
    /** `external`, or the type the switch has now. */
    switchType: string;
    adapterDescriptions: string[];
    embeddedTeaming: boolean;
    /** True when the switch existed before create; delete then leaves it unless removeAdoptedOnDelete is set. */
    adopted: boolean;
    /** The transparent Docker network for the switch; empty when Docker lists none. */
    dockerNetworkName: string;
    /** `project/stack/name` of the resource, which the resource class adds to the inputs. */
    owner?: string;
}

/** Settings check accepts: the inputs, the owner the resource class adds, and the serialized provider. */
const KNOWN_KEYS = new Set<string>([...VSWITCH_BINDING_INPUT_KEYS, "owner", "__provider"]);

export const vSwitchBindingProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/** A switch name and adapters that one binding declared for a host during this provider process. */
interface BindingClaim {
    owner: string;
    switchName: string;
    adapterNames: string[];
}

const bindingClaims = new Map<string, BindingClaim[]>();

/**
 * Records the switch and adapters `claim.owner` declares on the host and returns failures for
 * siblings of the same stack that declare the same switch name or an adapter in common. One
 * provider process serves one Pulumi operation, so the claims are those checked in it.
 */
function claimBinding(hostKey: string, claim: BindingClaim, failures: FailureList): void {
    const others = (bindingClaims.get(hostKey) ?? []).filter((existing) => existing.owner !== claim.owner);
    bindingClaims.set(hostKey, [...others, claim]);
    const sameName = others.find(
        (other) => other.switchName.toLowerCase() === claim.switchName.toLowerCase(),
    );
    if (sameName !== undefined) {
        failures.add(
            "switchName",
            `switch "${claim.switchName}" is also declared by ${sameName.owner} on this host; declare each switch once`,
        );
    }
    claim.adapterNames.forEach((name, index) => {
        const owner = others.find((other) =>
            other.adapterNames.some((otherName) => otherName.toLowerCase() === name.toLowerCase()),
        );
        if (owner !== undefined) {
            failures.add(
                `adapterNames[${index}]`,
                `adapter "${name}" is also bound by ${owner.owner} (switch "${owner.switchName}") on this host; ` +
                    "an adapter carries one external switch, so choose another adapter",
            );
        }
    });
}

/** Forgets every binding claim; for tests that check several stacks in one process. */
export function resetBindingClaims(): void {
    bindingClaims.clear();
    replacedSwitches.clear();
}

/** A switch that a replacement deletes first, as the first check of the replacement saw it. */
interface ReplacedSwitch {
    hostUrl: string;
    name: string;
    id?: string;
}

/**
 * The switch each binding's replacement deletes first, by owner. The engine checks a replacement
 * twice in one provider process: first with the old inputs, then without them. The second check
 * must still count the old switch as going away.
 */
const replacedSwitches = new Map<string, ReplacedSwitch>();

/**
 * Returns the switch that the delete step of this binding's replacement removes before create
 * runs, as it is on the host. With old inputs it is the switch named in them, which is then
 * remembered for `owner`. Without old inputs (the engine's second check of a replacement) it is
 * the remembered switch, while the host still has it with the same id.
 */
function switchReplacedBy(
    owner: string,
    olds: Record<string, unknown>,
    news: VSwitchBindingInputs,
    facts: HostFacts,
): VmSwitch | undefined {
    if (Object.keys(olds).length > 0) {
        const old =
            typeof olds.switchName === "string" && sameHost(olds, news) && deleteRemovesSwitch(olds)
                ? findSwitch(facts, olds.switchName)
                : undefined;
        if (owner !== "") {
            if (old === undefined) {
                replacedSwitches.delete(owner);
            } else {
                replacedSwitches.set(owner, { hostUrl: news.host.docker.url, name: old.name, id: old.id });
            }
        }
        return old;
    }
    const remembered = owner === "" ? undefined : replacedSwitches.get(owner);
    if (remembered === undefined || remembered.hostUrl !== news.host.docker.url) {
        return undefined;
    }
    const current = findSwitch(facts, remembered.name);
    return current !== undefined && current.id === remembered.id ? current : undefined;
}

/**
 * True unless the old inputs adopt a switch and keep it on delete.
 * NOTE: old inputs do not tell whether `adopt: true` found a switch or created one, so a
 * replacement of such a binding is checked as if its switch stayed on the host.
 */
function deleteRemovesSwitch(olds: Record<string, unknown>): boolean {
    return olds.adopt !== true || olds.removeAdoptedOnDelete === true;
}

/**
 * Validates the inputs and, when the host's facts can be read, checks them against the host: the
 * adapters, a switch of that name, and the management cutoff. A binding that already exists is
 * only checked for the cutoff of an update. For a replacement, the switch that the replacement
 * deletes first counts as gone.
 */
async function check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures } = checkVSwitchBindingInputs(news);
    for (const key of Object.keys(news)) {
        if (!KNOWN_KEYS.has(key)) {
            failures.add(
                key,
                "is not a VSwitchBinding setting; use host, switchName, adapterNames, allowManagementOS, adopt, " +
                    "removeAdoptedOnDelete, confirmManagementCutoff or nestedHost",
            );
        }
    }
    if (!failures.empty || containsUnknown(inputs)) {
        return { inputs: plainJson(inputs), failures: failures.items };
    }
    const typed = inputs as unknown as VSwitchBindingInputs;
    const owner = String(news.owner ?? "");
    claimBinding(
        typed.host.docker.url,
        { owner, switchName: typed.switchName, adapterNames: typed.adapterNames },
        failures,
    );
    if (!failures.empty) {
        return { inputs: plainJson(inputs), failures: failures.items };
    }
    const view = await readHostView(typed.host, subjectOf(typed), failures, { wantFacts: true });
    if (view?.facts) {
        const management = await findManagementAddresses(typed.host);
        const existing = sameBinding(olds, typed);
        if (existing) {
            if (turnsManagementOff(olds, typed)) {
                checkManagementCutoff(typed, view.facts, management, view.engine.hostName, failures);
            }
        } else {
            const replaced = switchReplacedBy(owner, olds, typed, view.facts);
            const facts = replaced === undefined ? view.facts : withoutSwitch(view.facts, replaced);
            checkHyperV(facts, view.engine.hostName, failures);
            checkBindingAgainstHost(typed, facts, management, view.engine.hostName, failures, view.networks);
        }
    }
    return { inputs: plainJson(inputs), failures: failures.items };
}

function subjectOf(inputs: { switchName: string; host: HostSpec }): string {
    return `VSwitchBinding "${inputs.switchName}" of host ${inputs.host.name}`;
}

/** True when `olds` are the inputs of a binding that stays in place (same host, switch and adapters). */
function sameBinding(olds: Record<string, unknown>, news: VSwitchBindingInputs): boolean {
    return (
        Object.keys(olds).length > 0 &&
        diffBindingInputs(olds, news as unknown as Record<string, unknown>).replaces.length === 0
    );
}

function sameHost(olds: Record<string, unknown>, news: VSwitchBindingInputs): boolean {
    return (olds.host as HostSpec | undefined)?.docker?.url === news.host.docker.url;
}

function turnsManagementOff(olds: Record<string, unknown>, news: VSwitchBindingInputs): boolean {
    return olds.allowManagementOS !== false && !news.allowManagementOS;
}

/**
 * Returns the facts as they are after the binding being replaced is deleted. Replacement deletes
 * the old switch first, so its adapters count as free. The addresses of its host vNIC go back to
 * its first adapter, because Windows moves them there when the switch is removed.
 */
function withoutSwitch(facts: HostFacts, gone: VmSwitch): HostFacts {
    const name = gone.name.toLowerCase();
    const vnicName = `vEthernet (${gone.name})`.toLowerCase();
    const firstAdapter = gone.adapterNames[0];
    return {
        ...facts,
        vmSwitches: facts.vmSwitches.filter((vmSwitch) => vmSwitch !== gone),
        adapters: facts.adapters
            .filter((adapter) => !(adapter.kind === "host-vnic" && adapter.name.toLowerCase() === vnicName))
            .map((adapter) =>
                adapter.boundSwitch?.name.toLowerCase() === name
                    ? { ...adapter, boundSwitch: undefined }
                    : adapter,
            ),
        ipAddresses:
            firstAdapter === undefined
                ? facts.ipAddresses
                : facts.ipAddresses.map((entry) =>
                      entry.interfaceAlias.toLowerCase() === vnicName
                          ? { ...entry, interfaceAlias: firstAdapter, ifIndex: undefined }
                          : entry,
                  ),
    };
}

function checkHyperV(facts: HostFacts, hostName: string, failures: FailureList): void {
    if (!facts.hypervPresent) {
        failures.add(
            "host",
            `host ${hostName} does not have the Hyper-V role or its PowerShell module, which external switches need; ` +
                "install it with Install-WindowsFeature Hyper-V -IncludeManagementTools and restart the host",
        );
    }
}

async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const { changes, replaces } = diffBindingInputs(olds, news);
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

function validated(raw: Record<string, unknown>): VSwitchBindingInputs {
    const { inputs, failures } = checkVSwitchBindingInputs(raw);
    if (!failures.empty) {
        throw new Error(`VSwitchBinding has invalid inputs:\n${formatFailures(failures.items)}`);
    }
    return inputs as unknown as VSwitchBindingInputs;
}

/** Reads the host's facts again, because an earlier step may have changed the host. */
async function freshFacts(host: HostSpec): Promise<HostFacts> {
    forgetHostFacts(host);
    return readHostFacts(host);
}

/**
 * Makes the switch (or adopts the existing one) after checking the inputs against the host as it
 * is now, then makes Docker see it and turns on MAC address spoofing on a nested host's parent.
 * A new switch gets the owner marker in its Notes, so that when the run stops before the state
 * records the switch, the next create takes it over as its own (plan `resume`, not adopted). A
 * switch this call made is removed again when a later step fails, but a resumed switch is left.
 */
async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = validated(raw);
    const host = inputs.host;
    const engine = await engineFor(host);
    const facts = await freshFacts(host);
    const failures = new FailureList();
    checkHyperV(facts, engine.hostName, failures);
    const plan = checkBindingAgainstHost(
        inputs,
        facts,
        await findManagementAddresses(host),
        engine.hostName,
        failures,
        await engine.listNetworks(),
    );
    if (!failures.empty) {
        throw new Error(`${subjectOf(inputs)} cannot be created:\n${formatFailures(failures.items)}`);
    }

    let made: RawVmSwitchState | undefined;
    if (plan.action === "create") {
        const result = await hostOperations(host).run("new-vswitch", {
            name: inputs.switchName,
            adapterNames: inputs.adapterNames,
            allowManagementOS: inputs.allowManagementOS,
            ...(typeof inputs.owner === "string" ? { notes: ownerMarker(inputs.owner) } : {}),
        });
        made = result.switch;
        forgetHostFacts(host);
    }
    let seen: SeenSwitch | undefined;
    try {
        seen = await ensureDockerSeesSwitch(inputs, engine);
        await enableMacSpoofing(inputs);
        const vmSwitch = findSwitch(seen.facts, inputs.switchName);
        if (vmSwitch === undefined) {
            throw new Error(
                `switch "${inputs.switchName}" is not on host ${engine.hostName} after it was created`,
            );
        }
        const outputs = outputsOf(inputs, vmSwitch, seen.network, {
            adopted: plan.action === "adopt",
            embeddedTeaming: made?.EmbeddedTeamingEnabled,
        });
        return { id: `${host.name}:vswitch:${vmSwitch.id ?? inputs.switchName}`, outs: plainJson(outputs) };
    } catch (error) {
        if (made === undefined) {
            throw error;
        }
        throw await undoNewSwitch(inputs, made, seen !== undefined, engine.hostName, error as Error);
    }
}

/**
 * Removes a switch create made, after a later step failed, and returns the error to report: the
 * failure, with what was undone or what could not be. When Docker already listed the switch's
 * network, hns and docker restart again so that Docker drops it.
 */
async function undoNewSwitch(
    inputs: VSwitchBindingInputs,
    made: RawVmSwitchState,
    dockerSawSwitch: boolean,
    hostName: string,
    failure: Error,
): Promise<Error> {
    try {
        await hostOperations(inputs.host).run("remove-vswitch", {
            name: made.Name,
            id: made.Id.toLowerCase(),
            removeSwitchNetworks: true,
        });
        forgetHostFacts(inputs.host);
        if (dockerSawSwitch) {
            await restartKeepingContainers(inputs.host);
        }
        forgetHostFacts(inputs.host);
        return new Error(
            `${failure.message}. The new switch "${made.Name}" was removed again, so nothing was created`,
        );
    } catch (undoError) {
        forgetHostFacts(inputs.host);
        return new Error(
            `${failure.message}. Removing the new switch "${made.Name}" (id ${made.Id}) from host ${hostName} also failed ` +
                `(${(undoError as Error).message}); remove it with Remove-VMSwitch -Name "${made.Name}" before running the update again`,
        );
    }
}

/** The facts and the Docker network after Docker was made to see the switch. */
interface SeenSwitch {
    facts: HostFacts;
    network: ObservedNetwork;
}

/**
 * Returns the transparent Docker network of the switch: one whose HNS network is on this switch
 * (same switch id), so that a stale network of a removed switch of the same name does not count.
 * When Docker does not list one yet, as for a switch made outside Docker, restarts hns and docker
 * (which makes HNS pick the switch up and Docker list it) and fails when Docker still does not
 * list one.
 */
async function ensureDockerSeesSwitch(
    inputs: VSwitchBindingInputs,
    engine: DockerEngine,
): Promise<SeenSwitch> {
    const facts = await freshFacts(inputs.host);
    const network = findSwitchDockerNetwork(switchRefOf(inputs, facts), await engine.listNetworks(), facts);
    if (network !== undefined) {
        return { facts, network };
    }
    await restartKeepingContainers(inputs.host);
    const after = await freshFacts(inputs.host);
    const listed = await engine.listNetworks();
    const visible = findSwitchDockerNetwork(switchRefOf(inputs, after), listed, after);
    if (visible === undefined) {
        const transparent = listed
            .filter((candidate) => candidate.driver === "transparent")
            .map((n) => n.name);
        throw new Error(
            `Docker on host ${engine.hostName} does not list a transparent network for switch "${inputs.switchName}" ` +
                `after the hns and docker services restarted (transparent networks: ${transparent.join(", ") || "none"}). ` +
                "Check Get-HnsNetwork and the docker service's event log on the host",
        );
    }
    return { facts: after, network: visible };
}

/**
 * Restarts hns and docker, then starts again the containers that were running before, because
 * stopping the docker service stops every container. A container that does not start again gives
 * a warning, not a failure: the switch change itself succeeded.
 */
async function restartKeepingContainers(host: HostSpec): Promise<void> {
    const engine = await engineFor(host);
    const running = await engine.listRunningContainers();
    await hostOperations(host).run("restart-container-services", {});
    const notStarted: string[] = [];
    for (const container of running) {
        try {
            await engine.startContainer(container.id, container.name);
        } catch (error) {
            notStarted.push(`${container.name} (${(error as Error).message})`);
        }
    }
    if (notStarted.length > 0) {
        warn(
            `host ${host.name}: these containers were running before hns and docker restarted and did not start again: ` +
                `${notStarted.join("; ")}. Start them with docker start`,
        );
    }
}

/** Returns the switch of the binding as the facts list it, or only its name when they do not. */
function switchRefOf(inputs: { switchName: string }, facts: HostFacts): SwitchRef {
    return findSwitch(facts, inputs.switchName) ?? { name: inputs.switchName };
}

/** Turns on MAC address spoofing for the VM of a nested host on its Hyper-V parent. */
async function enableMacSpoofing(inputs: VSwitchBindingInputs): Promise<void> {
    if (inputs.nestedHost === undefined) {
        return;
    }
    const { parent, vmName } = inputs.nestedHost;
    try {
        await hostOperations(parent).run("set-vm-mac-spoofing", { vmName, enabled: true });
    } catch (error) {
        throw new Error(
            `turning on MAC address spoofing for VM "${vmName}" on Hyper-V host ${parent.name} (nestedHost.parent) failed: ` +
                `${(error as Error).message}`,
        );
    }
}

function outputsOf(
    inputs: VSwitchBindingInputs & { owner?: unknown },
    vmSwitch: VmSwitch,
    network: ObservedNetwork | undefined,
    extra: { adopted: boolean; embeddedTeaming?: boolean },
): VSwitchBindingOutputs {
    return {
        ...pickInputs(inputs),
        // The requested spelling: Hyper-V switch names ignore case, and the host's spelling would
        // show as a change against the inputs on every run.
        switchName: inputs.switchName,
        switchId: vmSwitch.id ?? "",
        switchType: vmSwitch.switchType,
        adapterNames: adapterNamesOf(vmSwitch, inputs.adapterNames),
        allowManagementOS: vmSwitch.allowManagementOS ?? inputs.allowManagementOS,
        adapterDescriptions: vmSwitch.adapterDescriptions,
        embeddedTeaming: extra.embeddedTeaming ?? vmSwitch.adapterDescriptions.length > 1,
        adopted: extra.adopted,
        dockerNetworkName: network?.name ?? "",
        ...(typeof inputs.owner === "string" ? { owner: inputs.owner } : {}),
    };
}

/**
 * Returns the bound adapters in the order of the inputs when they are the same set, so that an
 * unchanged switch shows no difference. Otherwise returns them as the host lists them.
 */
function adapterNamesOf(vmSwitch: VmSwitch, requested: string[]): string[] {
    const bound = vmSwitch.adapterNames;
    const lower = (names: string[]) => names.map((name) => name.toLowerCase()).sort();
    return JSON.stringify(lower(bound)) === JSON.stringify(lower(requested)) ? requested : bound;
}

/**
 * Applies a new allowManagementOS with set-vswitch (after the cutoff check) and a new nestedHost
 * with set-vm-mac-spoofing. Other changes only update the state.
 */
async function update(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
    const stored = olds as unknown as VSwitchBindingOutputs;
    const inputs = validated(news);
    const engine = await engineFor(inputs.host);
    let facts = await freshFacts(inputs.host);
    const current = findSwitch(facts, inputs.switchName);
    if (current === undefined || (stored.switchId && current.id !== stored.switchId)) {
        throw new Error(
            `switch "${inputs.switchName}" (id ${stored.switchId}) is no longer on host ${engine.hostName}; ` +
                "run `pulumi refresh` so that the next update creates it again",
        );
    }
    if ((current.allowManagementOS ?? stored.allowManagementOS) !== inputs.allowManagementOS) {
        if (!inputs.allowManagementOS) {
            const failures = new FailureList();
            checkManagementCutoff(
                inputs,
                facts,
                await findManagementAddresses(inputs.host),
                engine.hostName,
                failures,
            );
            if (!failures.empty) {
                throw new Error(`${subjectOf(inputs)} cannot be updated:\n${formatFailures(failures.items)}`);
            }
        }
        await hostOperations(inputs.host).run("set-vswitch", {
            name: current.name,
            id: current.id ?? stored.switchId,
            allowManagementOS: inputs.allowManagementOS,
        });
        facts = await freshFacts(inputs.host);
    }
    if (JSON.stringify(stored.nestedHost ?? null) !== JSON.stringify(inputs.nestedHost ?? null)) {
        await enableMacSpoofing(inputs);
    }
    const vmSwitch = findSwitch(facts, inputs.switchName) ?? current;
    const network = findSwitchDockerNetwork(vmSwitch, await engine.listNetworks(), facts);
    const outputs = outputsOf(inputs, vmSwitch, network, {
        adopted: stored.adopted ?? false,
        embeddedTeaming: stored.embeddedTeaming,
    });
    return { outs: plainJson(outputs) };
}

/**
 * Reports the switch as it is now: gone when no switch of that name and id exists, otherwise its
 * type, adapters and management OS access, so that a rebind or a changed setting shows as drift.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as VSwitchBindingOutputs;
    const facts = await freshFacts(stored.host);
    const vmSwitch = findSwitch(facts, stored.switchName);
    if (vmSwitch === undefined || (stored.switchId && vmSwitch.id !== stored.switchId)) {
        return {};
    }
    const engine = await engineFor(stored.host);
    const network = findSwitchDockerNetwork(vmSwitch, await engine.listNetworks(), facts);
    const next: VSwitchBindingOutputs = {
        ...stored,
        ...outputsOf(stored, vmSwitch, network, {
            adopted: stored.adopted,
            embeddedTeaming: stored.embeddedTeaming,
        }),
    };
    if (vmSwitch.switchType !== "external") {
        warn(
            `${subjectOf(stored)}: the switch is now ${describeSwitch(vmSwitch)}, so transparent networks on it ` +
                "do not reach the physical network. The provider does not change it back; replace the binding or fix the switch by hand",
        );
    }
    const inputs = next.owner === undefined ? pickInputs(next) : { ...pickInputs(next), owner: next.owner };
    return { id, props: plainJson(next), inputs: plainJson(inputs) };
}

/**
 * Removes a switch this resource created (or an adopted one with removeAdoptedOnDelete), with the
 * HNS network HNS made for it, then restarts hns and docker so that Docker drops its network.
 * Rejects while user Docker networks are on the switch. An adopted switch is left on the host.
 */
async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
    const stored = props as unknown as VSwitchBindingOutputs;
    if (stored.adopted && !stored.removeAdoptedOnDelete) {
        return;
    }
    const host = stored.host;
    const engine = await engineFor(host);
    const facts = await freshFacts(host);
    const vmSwitch = findSwitch(facts, stored.switchName);
    if (vmSwitch === undefined) {
        return;
    }
    if (stored.switchId && vmSwitch.id !== stored.switchId) {
        warn(
            `${subjectOf(stored)}: the switch of that name now has id ${vmSwitch.id ?? "unknown"}, not ${stored.switchId}, ` +
                "so it was made by someone else and is left on the host",
        );
        return;
    }
    const marked = markedOwner(vmSwitch.notes);
    if (stored.adopted && marked !== undefined && marked !== stored.owner) {
        warn(
            `${subjectOf(stored)}: switch "${vmSwitch.name}" is managed by pulumi-wcn for ${marked}, as its Notes say, ` +
                "so it is released and left on the host for that stack to remove",
        );
        return;
    }
    const networks = await engine.listNetworks();
    const users = userNetworksOnSwitch(vmSwitch, networks, facts);
    if (users.length > 0) {
        throw new Error(
            `switch "${stored.switchName}" on host ${engine.hostName} still carries Docker networks ` +
                `${users.map((network) => `"${network.name}"`).join(", ")}; delete them first, or keep this binding ` +
                "while they use the switch (declare them with vSwitchBinding so Pulumi deletes them before the binding)",
        );
    }
    const hadNetwork = findSwitchDockerNetwork(vmSwitch, networks, facts) !== undefined;
    await hostOperations(host).run("remove-vswitch", {
        name: vmSwitch.name,
        id: vmSwitch.id ?? stored.switchId,
        removeSwitchNetworks: true,
    });
    forgetHostFacts(host);
    if (hadNetwork) {
        await restartKeepingContainers(host);
        forgetHostFacts(host);
    }
}

function pickInputs(source: VSwitchBindingInputs): VSwitchBindingInputs {
    return pickDefined(source, VSWITCH_BINDING_INPUT_KEYS);
}
