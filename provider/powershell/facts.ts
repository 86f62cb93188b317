/**
 * Host facts as the host-facts operation script prints them, before normalization. The script
 * projects every property to plain strings, numbers and booleans, so these shapes hold on Windows
 * PowerShell 5.1 and PowerShell 7 alike. Lists are always arrays, also with one or no item.
 */
export interface RawHostFacts {
    os: { caption: string; version: string; buildNumber: string; ubr?: number | null };
    powershell: { edition: string; version: string };
    hypervPresent: boolean;
    /** `Get-NetNat`; empty on Windows Server 2019 and later, where NAT lives in HNS. */
    netNat: RawNetNat[];
    /** `Get-VMSwitch`; empty when Hyper-V is absent. */
    vmSwitches: RawVmSwitch[];
    /** `Get-NetAdapter`. */
    netAdapters: RawNetAdapter[];
    /** `Get-NetIPAddress -AddressFamily IPv4`. */
    ipAddresses: RawIpAddress[];
    /** Command that produced `hnsNetworks`: HNS on current hosts, the Containers module on old ones. */
    hnsSource: "Get-HnsNetwork" | "Get-ContainerNetwork" | "none";
    /** HNS networks as the command's JSON shows them, any generation; normalized later. */
    hnsNetworks: unknown[];
    daemonJson: { path: string; exists: boolean; content: string | null };
    services: { hns: RawService | null; docker: RawService | null };
}

export interface RawNetNat {
    Name: string;
    InternalIPInterfaceAddressPrefix: string;
    Active?: boolean | null;
}

export interface RawVmSwitch {
    Name: string;
    Id: string;
    /** `External`, `Internal` or `Private`. */
    SwitchType: string;
    AllowManagementOS: boolean;
    NetAdapterInterfaceDescription: string | null;
    NetAdapterInterfaceDescriptions: string[];
    /** Free text of the switch, empty when unset. Older versions of the script do not print it. */
    Notes?: string | null;
}

export interface RawNetAdapter {
    Name: string;
    InterfaceDescription: string;
    InterfaceIndex: number;
    MacAddress: string;
    Status: string;
    /** True for virtual adapters (host vNICs and the like). */
    Virtual: boolean;
    /** For example `802.3` or `Native 802.11`. */
    PhysicalMediaType: string | null;
}

export interface RawIpAddress {
    InterfaceAlias: string;
    InterfaceIndex: number;
    IPAddress: string;
    PrefixLength: number;
}

export interface RawService {
    /** `Running`, `Stopped`, ... */
    Status: string;
    /** `Automatic`, `Manual`, `Disabled`. */
    StartType: string;
}
