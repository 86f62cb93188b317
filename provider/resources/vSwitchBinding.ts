import * as pulumi from "@pulumi/pulumi";

// Placeholder replaced by the VSwitchBinding implementation.
export type VSwitchBindingArgs = Record<string, never>;
export class VSwitchBinding extends pulumi.CustomResource {}
