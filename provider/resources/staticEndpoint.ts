import * as pulumi from "@pulumi/pulumi";

// Placeholder replaced by the StaticEndpoint implementation.
export type StaticEndpointArgs = Record<string, never>;
export class StaticEndpoint extends pulumi.CustomResource {}
