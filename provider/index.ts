export { ContainerNetwork, ContainerNetworkArgs } from "./resources/containerNetwork";
export type { HostSpec, DockerEndpointSpec, DockerTlsSpec, DockerSshSpec } from "./host/spec";
export type { WindowsNetworkOptions, MacPool } from "./model/windowsOptions";
