import type * as pulumi from "@pulumi/pulumi";
import { setProviderConfig } from "../host/config";
import { containerNetworkProvider } from "../resources/containerNetworkProvider";
import { hostNatConfigProvider } from "../resources/hostNatConfigProvider";
import { natPartitionProvider } from "../resources/natPartitionProvider";
import { staticEndpointProvider } from "../resources/staticEndpointProvider";
import { vSwitchBindingProvider } from "../resources/vSwitchBindingProvider";

type Handler = pulumi.dynamic.ResourceProvider;

const providers: Record<string, Handler> = {
    ContainerNetwork: containerNetworkProvider,
    NatPartition: natPartitionProvider,
    HostNatConfig: hostNatConfigProvider,
    VSwitchBinding: vSwitchBindingProvider,
    StaticEndpoint: staticEndpointProvider,
};

/**
 * Returns the implementation of one resource kind, with a `configure` that keeps the stack
 * configuration for reading secrets named by host settings. Called by the serialized shell.
 */
export function providerFor(kind: string): Handler {
    const provider = providers[kind];
    if (!provider) {
        throw new Error(
            `pulumi-wcn: no provider for resource kind "${kind}"; the installed package may be older than the state`,
        );
    }
    return {
        ...provider,
        configure: async (req: pulumi.dynamic.ConfigureRequest) => {
            setProviderConfig({ get: (key) => req.config.get(key) });
        },
    };
}
