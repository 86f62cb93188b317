/**
 * Host generations the simulator can model. Each profile fixes what the Docker engine reports
 * about the OS and which Windows networking rules apply.
 */
export type ProfileName = "ws2016-rtm" | "ws2016" | "ws2019" | "ws2022" | "ws2025";

export const PROFILE_NAMES: readonly ProfileName[] = ["ws2016-rtm", "ws2016", "ws2019", "ws2022", "ws2025"];

export const DEFAULT_PROFILE: ProfileName = "ws2022";

/**
 * How a host generation keeps NAT state, which decides the rules for a new NAT network.
 * * `winnat-single`: WS2016 with Docker before 1.13. HNS backs the one NAT network with a WinNAT,
 *   and a new NAT network fails with "Unspecified error" while a NAT network or a WinNAT exists.
 * * `winnat-partitions`: WS2016 with a current engine. Every NAT network is a partition of the
 *   one active WinNAT's internal prefix and must not overlap another partition.
 * * `hns`: WS2019 and later. HNS keeps NAT state itself and `Get-NetNat` stays empty, so NAT
 *   networks only have to stay clear of each other, of other HNS subnets and of host addresses.
 */
export type NatModel = "winnat-single" | "winnat-partitions" | "hns";

/** One host generation, as the Docker Engine API and HNS show it. */
export interface HostProfile {
    name: ProfileName;
    /** Windows build number, for example 20348. */
    build: number;
    /** `/info` `OperatingSystem`. */
    operatingSystem: string;
    /** `/info` and `/version` `KernelVersion`: the build lab string of the release build. */
    kernelVersion: string;
    /** Docker engine version the simulated host runs. NOTE: a representative release per generation, not a survey. */
    serverVersion: string;
    /** Highest Docker Engine API version the engine accepts. */
    apiVersion: string;
    /** Lowest Docker Engine API version the engine accepts; 1.24 for Windows engines. */
    minApiVersion: string;
    /** `/info` `Plugins.Network`, sorted as the engine sorts it. */
    networkDrivers: readonly string[];
    /** NAT rules of the generation. */
    natModel: NatModel;
    /** True when HNS keeps NAT networks across a reboot; WS2019 and later drop them. */
    natSurvivesReboot: boolean;
    /**
     * True when the engine re-creates custom NAT networks missing from HNS at start, with the same
     * Docker id (engine 23 and later, https://github.com/moby/moby/pull/43836). Older engines drop them.
     */
    recreatesMissingNatNetworks: boolean;
    /** True when the engine honours `CheckDuplicate: false`; engines with API 1.44 or later always reject duplicates. */
    honoursCheckDuplicate: boolean;
    /** `IPAM.Driver` in network inspect output: `windows` on older engines, `default` on 2025 engines. */
    ipamDriverName: string;
    /** `IPAM.Options` in inspect output: null on older engines, `{}` on newer ones. */
    ipamOptionsEmptyObject: boolean;
    /** True when inspect output carries `EnableIPv4` (2025 engines). */
    reportsEnableIpv4: boolean;
    /**
     * Wording of HNS failures. `legacy` hosts write `HNS failed with error : ...`. `win32` hosts
     * write Win32 failures as `hnsCall failed in Win32: ... (0xNN)`.
     */
    hnsErrorStyle: "legacy" | "win32";
    /** Images present on the host, as `repository:tag`. */
    images: readonly string[];
}

/**
 * Drivers moby's Windows daemon registers: null, overlay and the HNS-backed local drivers. A posted
 * `docker info` from Windows 10 1709 lists all of them except internal and private.
 */
const MODERN_DRIVERS = [
    "ics",
    "internal",
    "l2bridge",
    "l2tunnel",
    "nat",
    "null",
    "overlay",
    "private",
    "transparent",
];

/** NOTE: inferred: ICS shows up in posted output from build 16299 but not from build 14393. */
const WS2016_DRIVERS = ["l2bridge", "l2tunnel", "nat", "null", "overlay", "transparent"];

/** `Network:` plugins of the posted `docker info` of Docker 1.12.2-cs2-ws-beta on build 14393.447. */
const WS2016_RTM_DRIVERS = ["nat", "null", "overlay"];

const PROFILES: Record<ProfileName, HostProfile> = {
    "ws2016-rtm": {
        name: "ws2016-rtm",
        build: 14393,
        // The posted `docker info` of this engine shows the product name only, without version and build.
        operatingSystem: "Windows Server 2016 Datacenter",
        kernelVersion: "10.0 14393 (14393.447.amd64fre.rs1_release_inmarket.161102-0100)",
        serverVersion: "1.12.2-cs2-ws-beta",
        apiVersion: "1.24",
        minApiVersion: "1.24",
        networkDrivers: WS2016_RTM_DRIVERS,
        natModel: "winnat-single",
        natSurvivesReboot: true,
        recreatesMissingNatNetworks: false,
        honoursCheckDuplicate: true,
        ipamDriverName: "windows",
        ipamOptionsEmptyObject: false,
        reportsEnableIpv4: false,
        hnsErrorStyle: "legacy",
        // Base images of this release were published on Docker Hub under microsoft/.
        images: ["microsoft/windowsservercore:10.0.14393.447", "microsoft/nanoserver:10.0.14393.447"],
    },
    ws2016: {
        name: "ws2016",
        build: 14393,
        operatingSystem: "Windows Server 2016 Datacenter Version 1607 (OS Build 14393.6796)",
        kernelVersion: "10.0 14393 (14393.0.amd64fre.rs1_release.160715-1616)",
        serverVersion: "19.03.18",
        apiVersion: "1.40",
        minApiVersion: "1.24",
        networkDrivers: WS2016_DRIVERS,
        natModel: "winnat-partitions",
        natSurvivesReboot: true,
        recreatesMissingNatNetworks: false,
        honoursCheckDuplicate: true,
        ipamDriverName: "windows",
        ipamOptionsEmptyObject: false,
        reportsEnableIpv4: false,
        hnsErrorStyle: "legacy",
        images: [
            "mcr.microsoft.com/windows/servercore:ltsc2016",
            "mcr.microsoft.com/windows/nanoserver:10.0.14393.2430",
        ],
    },
    ws2019: {
        name: "ws2019",
        build: 17763,
        operatingSystem: "Windows Server 2019 Datacenter Version 1809 (OS Build 17763.5576)",
        kernelVersion: "10.0 17763 (17763.1.amd64fre.rs5_release.180914-1434)",
        serverVersion: "19.03.18",
        apiVersion: "1.40",
        minApiVersion: "1.24",
        networkDrivers: MODERN_DRIVERS,
        natModel: "hns",
        natSurvivesReboot: false,
        recreatesMissingNatNetworks: false,
        honoursCheckDuplicate: true,
        ipamDriverName: "windows",
        ipamOptionsEmptyObject: false,
        reportsEnableIpv4: false,
        hnsErrorStyle: "win32",
        images: [
            "mcr.microsoft.com/windows/servercore:ltsc2019",
            "mcr.microsoft.com/windows/nanoserver:1809",
        ],
    },
    ws2022: {
        name: "ws2022",
        build: 20348,
        operatingSystem: "Windows Server 2022 Datacenter Version 21H2 (OS Build 20348.2340)",
        kernelVersion: "10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)",
        serverVersion: "24.0.7",
        apiVersion: "1.43",
        minApiVersion: "1.24",
        networkDrivers: MODERN_DRIVERS,
        natModel: "hns",
        natSurvivesReboot: false,
        recreatesMissingNatNetworks: true,
        honoursCheckDuplicate: true,
        ipamDriverName: "windows",
        ipamOptionsEmptyObject: true,
        reportsEnableIpv4: false,
        hnsErrorStyle: "win32",
        images: [
            "mcr.microsoft.com/windows/servercore:ltsc2022",
            "mcr.microsoft.com/windows/nanoserver:ltsc2022",
        ],
    },
    ws2025: {
        name: "ws2025",
        build: 26100,
        operatingSystem: "Windows Server 2025 Datacenter Version 24H2 (OS Build 26100.2605)",
        kernelVersion: "10.0 26100 (26100.1.amd64fre.ge_release.240331-1435)",
        serverVersion: "28.3.3",
        apiVersion: "1.51",
        minApiVersion: "1.24",
        networkDrivers: MODERN_DRIVERS,
        natModel: "hns",
        natSurvivesReboot: false,
        recreatesMissingNatNetworks: true,
        honoursCheckDuplicate: false,
        ipamDriverName: "default",
        ipamOptionsEmptyObject: true,
        reportsEnableIpv4: true,
        hnsErrorStyle: "win32",
        images: [
            "mcr.microsoft.com/windows/servercore:ltsc2025",
            "mcr.microsoft.com/windows/nanoserver:ltsc2025",
        ],
    },
};

export function isProfileName(value: string): value is ProfileName {
    return (PROFILE_NAMES as readonly string[]).includes(value);
}

/** Returns the profile with that name, or throws naming the valid ones. */
export function getProfile(name: string): HostProfile {
    if (!isProfileName(name)) {
        throw new Error(`unknown simulated host profile "${name}": use one of ${PROFILE_NAMES.join(", ")}`);
    }
    return PROFILES[name];
}

/** Compares two Docker API versions such as `1.40` and `1.9`; returns a negative, zero or positive number. */
export function compareApiVersions(a: string, b: string): number {
    const [aMajor, aMinor] = a.split(".").map(Number);
    const [bMajor, bMinor] = b.split(".").map(Number);
    return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}
