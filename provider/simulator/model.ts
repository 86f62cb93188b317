import type { ProfileName } from "./profiles";

/**
 * The whole simulated Windows container host as plain JSON. Every face of the simulator (the
 * Docker Engine API, the PowerShell cmdlets, WinRM) reads and writes this one document, so field
 * names follow the Windows object each record stands for.
 */
export interface HostState {
    schemaVersion: 1;
    profile: ProfileName;
    /** Computer name, reported by `/info` `Name`. */
    hostName: string;
    /** Number of simulated reboots since the state was seeded. */
    bootCount: number;
    adapters: HostAdapter[];
    vmSwitches: VmSwitch[];
    winNats: WinNat[];
    hnsNetworks: HnsNetwork[];
    hnsEndpoints: HnsEndpoint[];
    dockerNetworks: DockerNetwork[];
    containers: Container[];
    images: Image[];
    /** Text of `C:\ProgramData\Docker\config\daemon.json`, or null when the file does not exist. */
    daemonJson: string | null;
    services: Record<ServiceName, ServiceState>;
    /** Virtual machines, for a host that is a Hyper-V parent. State files written before VMs were modelled lack it. */
    virtualMachines?: VirtualMachine[];
    /** Failures that tests make HNS return. Absent when none are set. */
    hnsFaults?: HnsFaults;
}

/** A Hyper-V virtual machine (`Get-VM`), reduced to its network adapters. */
export interface VirtualMachine {
    name: string;
    networkAdapters: VmNetworkAdapter[];
}

/** A network adapter of a virtual machine (`Get-VMNetworkAdapter -VMName`). */
export interface VmNetworkAdapter {
    name: string;
    macAddressSpoofing: "On" | "Off";
}

export interface HnsFaults {
    /**
     * Adapters on which HNS keeps a removed transparent network's switch for a while, as some
     * Windows Server 2016 and Windows 10 hosts do. Creates of an external network on the adapter
     * then fail with "The object already exists." until the switch is gone.
     */
    lingeringSwitches: LingeringSwitchFault[];
}

export interface LingeringSwitchFault {
    adapterName: string;
    /** Number of creates that fail after each removal of an external network on the adapter. */
    failuresPerRemoval: number;
    /** Creates that still fail since the last removal. */
    remainingFailures: number;
}

export type ServiceName = "docker" | "hns";

export interface ServiceState {
    status: "Running" | "Stopped";
    /** Message of the last failed start, as the service would log it; null after a clean start. */
    lastError: string | null;
}

/** A `Get-NetAdapter` row together with its IPv4 addresses (`Get-NetIPAddress`). */
export interface HostAdapter {
    name: string;
    interfaceDescription: string;
    ifIndex: number;
    /** `00-00-5E-00-53-01` form. A host vNIC shares the MAC of the physical adapter under its switch. */
    macAddress: string;
    /** `physical` for NICs, `virtual` for Hyper-V host vNICs (`vEthernet (...)`). */
    kind: "physical" | "virtual";
    /** `802.3` for wired NICs, `Native 802.11` for Wi-Fi. */
    physicalMediaType: "802.3" | "Native 802.11" | "Unspecified";
    status: "Up" | "Disconnected";
    ipv4Addresses: Ipv4Assignment[];
    /** For a host vNIC, the switch it belongs to. */
    vmSwitchName?: string;
}

export interface Ipv4Assignment {
    address: string;
    prefixLength: number;
}

/** A Hyper-V virtual switch (`Get-VMSwitch`). */
export interface VmSwitch {
    /** Lower-case GUID, as `Get-VMSwitch` prints it. */
    id: string;
    name: string;
    switchType: "External" | "Internal" | "Private";
    /** Names of the bound adapters (more than one for a SET team). Empty for Internal and Private. */
    netAdapterNames: string[];
    allowManagementOS: boolean;
    embeddedTeamingEnabled: boolean;
    /** Creator of the switch: HNS for a Docker network, or an administrator out of band. */
    createdBy: "hns" | "admin";
    /**
     * False for a switch created out of band since HNS last started: HNS and Docker do not see it
     * until both services restart.
     */
    hnsVisible: boolean;
    /** `Notes` given to New-VMSwitch; absent when none were given. */
    notes?: string;
}

/** A WinNAT object (`Get-NetNat`). */
export interface WinNat {
    name: string;
    /** May carry host bits, as real hosts show (`172.31.0.1/20`). */
    internalIPInterfaceAddressPrefix: string;
    active: boolean;
}

/** An HNS network (`Get-HnsNetwork`), reduced to the fields the provider reads. */
export interface HnsNetwork {
    /** Upper-case GUID. */
    id: string;
    /** The Docker network id for networks Docker made, unless `networkname` was given. */
    name: string;
    /** Lower-case HNS type: `nat`, `transparent`, `l2bridge`, `l2tunnel`, `ics`, `internal`, `private`. */
    type: string;
    subnets: HnsSubnet[];
    /** Adapter bound through the external switch, for transparent, l2bridge and l2tunnel. */
    networkAdapterName: string | null;
    /** Switch the network is layered on. */
    switchName: string | null;
    /**
     * Upper-case id of the switch the network was layered on when it was made, as HNS prints it in
     * `SwitchGuid`. It stays after that switch is removed. Absent in older state files, where the
     * switch of that name counts.
     */
    switchGuid?: string | null;
    /** `NAT<GUID>` for NAT networks on WS2019 and later, null otherwise. */
    natName: string | null;
    dnsServerList: string | null;
    dnsSuffix: string | null;
    vlanId: number | null;
    vsid: number | null;
    macPools: MacPool[];
    /**
     * Test switch: a DHCP server on this segment overrides static container addresses, so the HNS
     * endpoint gets another address than the one Docker reports.
     */
    dhcpOverridesStatic: boolean;
    /**
     * True for the transparent network HNS makes at its start for an external switch created out
     * of band. It does not make the switch busy: a Docker network on the switch's adapter reuses
     * the switch. Absent in older state files.
     */
    createdForSwitch?: boolean;
}

export interface HnsSubnet {
    addressPrefix: string;
    gatewayAddress: string | null;
}

export interface MacPool {
    startMacAddress: string;
    endMacAddress: string;
}

/** An HNS endpoint (`Get-HnsEndpoint`). */
export interface HnsEndpoint {
    id: string;
    name: string;
    /** Id of the HNS network the endpoint is on. */
    virtualNetwork: string;
    virtualNetworkName: string;
    /** Address the endpoint really has, empty while DHCP has not run. */
    ipAddress: string;
    prefixLength: number;
    gatewayAddress: string;
    macAddress: string;
    dnsServerList: string;
    dnsSuffix: string;
    /** Container the endpoint is attached to. */
    containerId: string;
    isStatic: boolean;
}

/** A Docker network as the engine stores it. */
export interface DockerNetwork {
    id: string;
    name: string;
    created: string;
    driver: string;
    /** IPAM configuration as the engine reports it (after HNS picked a subnet where none was given). */
    ipamConfig: IpamConfig[];
    /** True when the create request named a subnet; static container addresses need one. */
    subnetRequested: boolean;
    attachable: boolean;
    /** Driver options as `inspect` reports them. */
    options: Record<string, string>;
    /** Driver options as the create request sent them, kept to re-create the HNS side. */
    requestedOptions: Record<string, string>;
    labels: Record<string, string>;
    /** Linked HNS network, or null for the `none` network. */
    hnsNetworkId: string | null;
    /** HNS name the engine asked for (the Docker id unless `networkname` was given). */
    hnsName: string | null;
    /** True for `nat` made by the engine and for `none`: they cannot be removed through the API. */
    predefined: boolean;
}

export interface IpamConfig {
    subnet: string;
    gateway?: string;
}

export interface Image {
    id: string;
    repoTags: string[];
}

export type ContainerStatus = "created" | "running" | "exited";

export interface Container {
    id: string;
    name: string;
    image: string;
    imageId: string;
    created: string;
    status: ContainerStatus;
    startedAt: string;
    finishedAt: string;
    exitCode: number;
    hostname: string;
    cmd: string[];
    labels: Record<string, string>;
    networkMode: string;
    isolation: "process" | "hyperv";
    portBindings: PortBinding[];
    attachments: Attachment[];
}

export interface PortBinding {
    /** `80/tcp`. */
    containerPort: string;
    hostIp: string;
    hostPort: string;
}

/** A container's membership of one network. The endpoint exists while the attachment is live. */
export interface Attachment {
    networkId: string;
    networkName: string;
    /** Address requested in `IPAMConfig.IPv4Address`, or null. */
    requestedIpv4: string | null;
    requestedMac: string | null;
    endpoint: DockerEndpoint | null;
}

export interface DockerEndpoint {
    endpointId: string;
    hnsEndpointId: string;
    /** Address Docker reports; for a static endpoint this is the requested one. */
    ipv4Address: string;
    prefixLength: number;
    gateway: string;
    /** `00:15:5d:..` form, as Docker prints it. */
    macAddress: string;
}
