// State shared by the phases of one run, and URN helpers.
import { ProviderClient, ResourceRef } from "./provider-client";
import { Recorder } from "./recorder";
import { Snapshot } from "./snapshot";
import { ResourceState } from "./types";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Type-token prefix of every resource that `pulumi.dynamic.Resource` registers (`pulumi-nodejs:dynamic[/module]:Type`). */
export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";

export interface EngineContext {
    provider: ProviderClient;
    snapshot: Snapshot;
    recorder: Recorder;
    /** True during `preview`: the provider gets Check and Diff calls only. */
    dryRun: boolean;
    project: string;
    stack: string;
}

export function stackUrn(project: string, stack: string): string {
    return makeUrn(project, stack, ROOT_STACK_TYPE, `${project}-${stack}`, "");
}

/**
 * Builds a URN the way the engine does: a parent's qualified type is prefixed with `$`, except for the root stack,
 * whose children get the bare type.
 */
export function makeUrn(
    project: string,
    stack: string,
    type: string,
    name: string,
    parentUrn: string,
): string {
    const parentType = parentUrn === "" ? "" : parentUrn.split("::")[2];
    const qualifiedType =
        parentType === "" || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

export function refOf(resource: Pick<ResourceState, "urn" | "name" | "type">): ResourceRef {
    return { urn: resource.urn, name: resource.name, type: resource.type };
}

export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
