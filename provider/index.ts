export { ContainerNetwork, ContainerNetworkArgs } from "./resources/containerNetwork";
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
