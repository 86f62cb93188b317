import type * as pulumi from "@pulumi/pulumi";

// Placeholder replaced by the StaticEndpoint implementation.
export const staticEndpointProvider: pulumi.dynamic.ResourceProvider = {
    create: async () => {
        throw new Error("not implemented");
    },
};
