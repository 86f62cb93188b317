export { ContainerNetwork, ContainerNetworkArgs } from "./resources/containerNetwork";
export { HostNatConfig, HostNatConfigArgs } from "./resources/hostNatConfig";
export { NatPartition, NatPartitionArgs } from "./resources/natPartition";
export { StaticEndpoint, StaticEndpointArgs } from "./resources/staticEndpoint";
export { VSwitchBinding, VSwitchBindingArgs } from "./resources/vSwitchBinding";
export type {
    HostSpec,
    DockerEndpointSpec,
    DockerTlsSpec,
    DockerSshSpec,
    PowerShellEndpointSpec,
    WinRmPowerShellSpec,
    SshPowerShellSpec,
    LocalPowerShellSpec,
    SimulatedPowerShellSpec,
} from "./host/spec";
export type { WindowsNetworkOptions, MacPool } from "./model/windowsOptions";
