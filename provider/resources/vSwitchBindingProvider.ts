import type * as pulumi from "@pulumi/pulumi";

// Placeholder replaced by the VSwitchBinding implementation.
export const vSwitchBindingProvider: pulumi.dynamic.ResourceProvider = {
    create: async () => {
        throw new Error("not implemented");
    },
};
