/**
 * Normalized host facts: what the host-facts operation reports, in one shape whatever the
 * PowerShell edition printed. {@link normalizeHostFacts} accepts the layout variants described in
 * textFormats.ts even where they differ from the declared RawHostFacts types, because Windows
 * PowerShell 5.1 and PowerShell 7 print the same objects differently.
 */
import { normalizeCidr } from "../model/cidr";
import type { RawHostFacts } from "../powershell/facts";
import { type HnsNetwork, isNatNetwork, normalizeHnsNetworks } from "./hns";
import {
    isJsonObject,
    normalizeGuid,
    normalizeMac,
    readBoolean,
    readEnumName,
    readField,
    readList,
    readNumber,
    readString,
} from "./textFormats";

/** First Windows build (Windows Server 2019, 1809) on which container NAT lives in HNS, not in Get-NetNat. */
export const HNS_NAT_MIN_BUILD = 17763;

export interface HostFacts {
    os: OsFacts;
    powershell: PowerShellFacts;
    hypervPresent: boolean;
    /**
     * True when `Get-NetNat` lists the container NAT (builds before 17763). From Windows Server
     * 2019 on, an empty `netNat` is normal and is neither an error nor drift, because HNS keeps the NAT.
     */
    netNatAuthoritative: boolean;
    netNat: WinNat[];
    vmSwitches: VmSwitch[];
    adapters: HostAdapter[];
    ipAddresses: HostIpAddress[];
    hnsSource: RawHostFacts["hnsSource"];
    hnsNetworks: HnsNetwork[];
    daemonJson: DaemonJsonFacts;
    services: { hns?: ServiceState; docker?: ServiceState };
    /** Host states that break container networking, found while normalizing. */
    problems: HostProblem[];
}

export interface OsFacts {
    caption: string;
    /** For example `10.0.17763`. */
    version: string;
    /** Build number, for example 17763; undefined when the host printed none. */
    build?: number;
    /** Update build revision, when reported. */
    ubr?: number;
}

export interface PowerShellFacts {
    /** `Desktop` (Windows PowerShell 5.1) or `Core` (PowerShell 6 and later). */
    edition: string;
    /** For example `5.1.17763.1` or `7.6.0`. */
    version: string;
    major?: number;
}

/** A WinNAT instance from `Get-NetNat`. */
export interface WinNat {
    name: string;
    /** The internal prefix with host bits cleared; undefined when it is not IPv4 CIDR. */
    prefix?: string;
    /** The prefix as printed, which can carry host bits (`172.31.0.1/20`); for display. */
    reportedPrefix: string;
    active?: boolean;
}

export type SwitchType = "external" | "internal" | "private";

/** A Hyper-V virtual switch. */
export interface VmSwitch {
    name: string;
    /** Lower-case GUID. */
    id?: string;
    /** Lower case; another value when the host printed one this provider does not know. */
    switchType: SwitchType | string;
    allowManagementOS?: boolean;
    /** Interface descriptions of the bound adapters (several with SET teaming). */
    adapterDescriptions: string[];
    /** Names of the adapters in `adapterDescriptions`, where the host listed them. */
    adapterNames: string[];
    /** `Notes` of the switch; absent when empty. A binding's create writes its owner marker there. */
    notes?: string;
}

/**
 * Adapter kind. `physical` is wired hardware, and `host-vnic` a Hyper-V virtual Ethernet adapter
 * of the management OS, named `vEthernet (switch)`. `bridge-or-team` is the Network Adapter
 * Multiplexor driver, which both a Network Bridge and an LBFO team use. The others are `wifi`,
 * `bluetooth` and any other `virtual` adapter.
 */
export type AdapterKind = "physical" | "wifi" | "host-vnic" | "bridge-or-team" | "bluetooth" | "virtual";

export interface HostAdapter {
    /** Display name, which Windows localizes: the default `Ethernet 2` has another name on other display languages. */
    name: string;
    description: string;
    ifIndex?: number;
    /** MAC address in the form `00-15-5D-CD-BE-47`. */
    mac?: string;
    status?: string;
    kind: AdapterKind;
    /** For a host vNIC named `vEthernet (X)`: X, the switch name it was created for. */
    hostVnicSwitchName?: string;
    /** The external switch this adapter is bound to, and how that is known. */
    boundSwitch?: { name: string; evidence: "switch-binding" | "shared-mac" };
    /** Other adapters with the same MAC: a physical NIC and its host vNIC share one. */
    sharesMacWith: string[];
}

export interface HostIpAddress {
    interfaceAlias: string;
    ifIndex?: number;
    address: string;
    prefixLength: number;
    /** The network the address lies in, for example `172.25.16.0/20`. */
    prefix?: string;
}

export interface DaemonJsonFacts {
    path: string;
    exists: boolean;
    content: string | null;
    /** The parsed settings, when the content is a JSON object. */
    settings?: Record<string, unknown>;
    /** `"bridge": "none"`: the engine creates no default nat network, so `nat` is not expected. */
    defaultNatDisabled: boolean;
}

export interface ServiceState {
    /** Lower case: `running`, `stopped`, `startpending`, ... */
    status: string;
    /** Lower case: `automatic`, `manual`, `disabled`, ... */
    startType?: string;
}

export interface HostProblem {
    code: "nat-switch-not-internal" | "winnat-missing" | "daemon-json-invalid";
    /** The object concerned, for example the switch name or the daemon.json path. */
    subject: string;
    message: string;
}

/** ServiceControllerStatus names by value. */
const SERVICE_STATUSES = [
    "",
    "Stopped",
    "StartPending",
    "StopPending",
    "Running",
    "ContinuePending",
    "PausePending",
    "Paused",
];
/** ServiceStartMode names by value. */
const START_MODES = ["Boot", "System", "Automatic", "Manual", "Disabled"];
/** Hyper-V VMSwitchType names by value. */
const SWITCH_TYPES = ["Private", "Internal", "External"];

/**
 * Normalizes what the host-facts script printed: lists in every layout become arrays, GUIDs
 * lower case, MACs `XX-XX-...`, enums lower-case names, prefixes canonical, and HNS networks of
 * every generation one shape. Adapters are classified and bound to their switches, and host
 * states that break container networking are listed in `problems`. Throws FormattedTextError
 * when HNS data is text instead of JSON.
 */
export function normalizeHostFacts(raw: RawHostFacts): HostFacts {
    const os = normalizeOs(readField(raw, "os"));
    const netNatAuthoritative = os.build === undefined || os.build < HNS_NAT_MIN_BUILD;
    const vmSwitches = readList(readField(raw, "vmSwitches"), "Get-VMSwitch").map(normalizeSwitch);
    const adapters = bindAdapters(
        readList(readField(raw, "netAdapters"), "Get-NetAdapter").map(normalizeAdapter),
        vmSwitches,
    );
    const facts: HostFacts = {
        os,
        powershell: normalizePowerShell(readField(raw, "powershell")),
        hypervPresent: readBoolean(readField(raw, "hypervPresent")) ?? false,
        netNatAuthoritative,
        netNat: readList(readField(raw, "netNat"), "Get-NetNat").map(normalizeWinNat),
        vmSwitches,
        adapters,
        ipAddresses: readList(readField(raw, "ipAddresses"), "Get-NetIPAddress").flatMap(normalizeIpAddress),
        hnsSource: normalizeHnsSource(readField(raw, "hnsSource")),
        hnsNetworks: normalizeHnsNetworks(readField(raw, "hnsNetworks")),
        daemonJson: normalizeDaemonJson(readField(raw, "daemonJson")),
        services: normalizeServices(readField(raw, "services")),
        problems: [],
    };
    facts.problems = findProblems(facts);
    return facts;
}

const HNS_SOURCES: RawHostFacts["hnsSource"][] = ["Get-HnsNetwork", "Get-ContainerNetwork", "none"];

/** Reads which command listed the HNS networks; an unknown value reads as `none`. */
function normalizeHnsSource(value: unknown): RawHostFacts["hnsSource"] {
    const text = readString(value)?.toLowerCase();
    return HNS_SOURCES.find((source) => source.toLowerCase() === text) ?? "none";
}

function normalizeOs(raw: unknown): OsFacts {
    const version = readString(readField(raw, "version")) ?? "";
    const build = readNumber(readField(raw, "buildNumber")) ?? readNumber(version.split(".")[2]);
    const ubr = readNumber(readField(raw, "ubr"));
    return {
        caption: readString(readField(raw, "caption")) ?? "",
        version,
        ...(build === undefined ? {} : { build }),
        ...(ubr === undefined ? {} : { ubr }),
    };
}

/** Reads the version as text, or as the System.Version object a script printed without projecting it. */
function normalizePowerShell(raw: unknown): PowerShellFacts {
    const value = readField(raw, "version");
    const version = isJsonObject(value)
        ? ["Major", "Minor", "Build", "Revision"]
              .map((part) => readNumber(readField(value, part)))
              .filter((part): part is number => part !== undefined && part >= 0)
              .join(".")
        : (readString(value) ?? "");
    const major = readNumber(version.split(".")[0]);
    const edition =
        readString(readField(raw, "edition")) ?? (major !== undefined && major >= 6 ? "Core" : "Desktop");
    return major === undefined ? { edition, version } : { edition, version, major };
}

function normalizeWinNat(raw: unknown): WinNat {
    const reportedPrefix = readString(readField(raw, "InternalIPInterfaceAddressPrefix")) ?? "";
    const active = readBoolean(readField(raw, "Active"));
    return {
        name: readString(readField(raw, "Name")) ?? "",
        prefix: normalizeCidr(reportedPrefix)?.cidr,
        reportedPrefix,
        ...(active === undefined ? {} : { active }),
    };
}

function normalizeSwitch(raw: unknown): VmSwitch {
    const descriptions = [
        ...readList(readField(raw, "NetAdapterInterfaceDescriptions"), "NetAdapterInterfaceDescriptions"),
        readField(raw, "NetAdapterInterfaceDescription"),
    ]
        .map(readString)
        .filter((description): description is string => description !== undefined);
    const notes = readString(readField(raw, "Notes"));
    return {
        name: readString(readField(raw, "Name")) ?? "",
        id: normalizeGuid(readField(raw, "Id")),
        switchType: (readEnumName(readField(raw, "SwitchType"), SWITCH_TYPES) ?? "").toLowerCase(),
        allowManagementOS: readBoolean(readField(raw, "AllowManagementOS")),
        adapterDescriptions: [...new Set(descriptions)],
        adapterNames: [],
        ...(notes === undefined || notes === "" ? {} : { notes }),
    };
}

function normalizeAdapter(raw: unknown): HostAdapter {
    const name = readString(readField(raw, "Name")) ?? "";
    const description = readString(readField(raw, "InterfaceDescription")) ?? "";
    const vnicSwitch = /^vEthernet \((.*)\)$/.exec(name)?.[1];
    const adapter: HostAdapter = {
        name,
        description,
        ifIndex: readNumber(readField(raw, "InterfaceIndex", "ifIndex")),
        mac: normalizeMac(readField(raw, "MacAddress")),
        status: readString(readField(raw, "Status")),
        kind: classifyAdapter(name, description, raw),
        sharesMacWith: [],
    };
    if (vnicSwitch !== undefined) {
        adapter.hostVnicSwitchName = vnicSwitch;
    }
    return adapter;
}

/**
 * Classifies an adapter by its driver description and media type, and by the `vEthernet (...)`
 * name pattern that Hyper-V gives host vNICs, never by the localized display name.
 * NOTE: the description patterns are English driver names as seen on English hosts; no output
 * from a host with another display language was available to confirm them.
 */
function classifyAdapter(name: string, description: string, raw: unknown): AdapterKind {
    const media = readString(readField(raw, "PhysicalMediaType")) ?? "";
    if (/^Hyper-V Virtual Ethernet Adapter/i.test(description) || /^vEthernet \(.*\)$/.test(name)) {
        return "host-vnic";
    }
    if (/Network Adapter Multiplexor Driver|MAC Bridge Miniport/i.test(description)) {
        return "bridge-or-team";
    }
    if (/802\.11/.test(media) || /Wireless|Wi-?Fi|802\.11/i.test(description)) {
        return "wifi";
    }
    if (/bluetooth/i.test(media) || /Bluetooth/i.test(description)) {
        return "bluetooth";
    }
    return readBoolean(readField(raw, "Virtual")) === true ? "virtual" : "physical";
}

/**
 * Links adapters and switches: a switch lists its adapters by interface description, and a
 * physical NIC bound to an external switch shares its MAC with that switch's host vNIC.
 */
function bindAdapters(adapters: HostAdapter[], switches: VmSwitch[]): HostAdapter[] {
    for (const vmSwitch of switches) {
        for (const description of vmSwitch.adapterDescriptions) {
            const adapter = adapters.find(
                (candidate) => candidate.description.toLowerCase() === description.toLowerCase(),
            );
            if (adapter) {
                adapter.boundSwitch = { name: vmSwitch.name, evidence: "switch-binding" };
                vmSwitch.adapterNames.push(adapter.name);
            }
        }
    }
    for (const adapter of adapters) {
        const twins = adapters.filter(
            (other) => other !== adapter && adapter.mac !== undefined && other.mac === adapter.mac,
        );
        adapter.sharesMacWith = twins.map((twin) => twin.name);
        const vnic = twins.find((twin) => twin.kind === "host-vnic" && twin.hostVnicSwitchName !== undefined);
        if (adapter.kind !== "host-vnic" && adapter.boundSwitch === undefined && vnic?.hostVnicSwitchName) {
            adapter.boundSwitch = { name: vnic.hostVnicSwitchName, evidence: "shared-mac" };
        }
    }
    return adapters;
}

function normalizeIpAddress(raw: unknown): HostIpAddress[] {
    const address = readString(readField(raw, "IPAddress"));
    const prefixLength = readNumber(readField(raw, "PrefixLength"));
    if (address === undefined || prefixLength === undefined) {
        return [];
    }
    const ifIndex = readNumber(readField(raw, "InterfaceIndex"));
    return [
        {
            interfaceAlias: readString(readField(raw, "InterfaceAlias")) ?? "",
            ...(ifIndex === undefined ? {} : { ifIndex }),
            address,
            prefixLength,
            prefix: normalizeCidr(`${address}/${prefixLength}`)?.cidr,
        },
    ];
}

function normalizeDaemonJson(raw: unknown): DaemonJsonFacts {
    const content =
        typeof readField(raw, "content") === "string" ? (readField(raw, "content") as string) : null;
    const facts: DaemonJsonFacts = {
        path: readString(readField(raw, "path")) ?? "",
        exists: readBoolean(readField(raw, "exists")) ?? content !== null,
        content,
        defaultNatDisabled: false,
    };
    const settings = parseDaemonSettings(content);
    if (settings !== undefined) {
        facts.settings = settings;
        facts.defaultNatDisabled = settings.bridge === "none";
    }
    return facts;
}

function parseDaemonSettings(content: string | null): Record<string, unknown> | undefined {
    if (content === null || content.trim() === "") {
        return undefined;
    }
    try {
        const parsed = JSON.parse(content.replace(/^\uFEFF/, "")) as unknown;
        return isJsonObject(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

function normalizeServices(raw: unknown): HostFacts["services"] {
    const services: HostFacts["services"] = {};
    const hns = normalizeService(readField(raw, "hns"));
    const docker = normalizeService(readField(raw, "docker"));
    if (hns) {
        services.hns = hns;
    }
    if (docker) {
        services.docker = docker;
    }
    return services;
}

function normalizeService(raw: unknown): ServiceState | undefined {
    const status = readEnumName(readField(raw, "Status"), SERVICE_STATUSES);
    if (status === undefined) {
        return undefined;
    }
    const startType = readEnumName(readField(raw, "StartType"), START_MODES);
    return startType === undefined
        ? { status: status.toLowerCase() }
        : { status: status.toLowerCase(), startType: startType.toLowerCase() };
}

function findProblems(facts: HostFacts): HostProblem[] {
    return [...natSwitchProblems(facts), ...winNatProblems(facts), ...daemonJsonProblems(facts)];
}

/**
 * Reports NAT switches that are not Internal. A NAT switch must be Internal with the management
 * OS attached, and a `nat` switch that turned Private leaves containers without NAT. The provider
 * only reports it, because changing it is the user's decision.
 */
function natSwitchProblems(facts: HostFacts): HostProblem[] {
    const natSwitchNames = new Set(
        facts.hnsNetworks
            .filter(isNatNetwork)
            .flatMap((network) => (network.switchName ? [network.switchName.toLowerCase()] : [])),
    );
    natSwitchNames.add("nat");
    return facts.vmSwitches
        .filter(
            (vmSwitch) =>
                natSwitchNames.has(vmSwitch.name.toLowerCase()) && vmSwitch.switchType !== "internal",
        )
        .map((vmSwitch) => ({
            code: "nat-switch-not-internal",
            subject: vmSwitch.name,
            message:
                `Hyper-V switch "${vmSwitch.name}" carries container NAT but is ${vmSwitch.switchType || "of unknown type"} ` +
                `(AllowManagementOS ${String(vmSwitch.allowManagementOS ?? "unknown")}), so NAT networking is broken. ` +
                "It must be Internal with AllowManagementOS True; restarting the hns and docker services usually " +
                "re-creates it, and the provider does not change it",
        }));
}

/** Reports a missing WinNAT: before build 17763, a NAT network without a WinNAT instance means NAT is broken. */
function winNatProblems(facts: HostFacts): HostProblem[] {
    if (!facts.netNatAuthoritative || facts.netNat.length > 0 || !facts.hnsNetworks.some(isNatNetwork)) {
        return [];
    }
    return [
        {
            code: "winnat-missing",
            subject: "Get-NetNat",
            message:
                "The host has an HNS NAT network but Get-NetNat lists no WinNAT instance, so NAT networking is " +
                "broken on this Windows version. Restart the hns and docker services; do not create the WinNAT by hand",
        },
    ];
}

function daemonJsonProblems(facts: HostFacts): HostProblem[] {
    const { content, settings, path } = facts.daemonJson;
    if (content === null || content.trim() === "" || settings !== undefined) {
        return [];
    }
    return [
        {
            code: "daemon-json-invalid",
            subject: path,
            message: `${path} is not a JSON object, so the docker service fails to start or ignores it; fix the file`,
        },
    ];
}
