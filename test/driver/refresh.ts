// Refresh as the engine's refresh step does it. Read gets the stored ID, outputs and inputs, and an empty ID in the
// reply means that the object is gone. Otherwise Diff runs with the refreshed outputs and inputs as "olds" and the
// pre-refresh inputs as "news". DIFF_SOME, or differing inputs after DIFF_UNKNOWN, is reported as drift.
import { EngineContext, errorMessage, refOf } from "./context";
import { annotateSecrets, changedKeys, toProviderMap } from "./properties";
import { ResourceState } from "./types";

export async function runRefresh(ctx: EngineContext): Promise<void> {
    for (const entry of ctx.snapshot.all()) {
        if (ctx.recorder.failed) {
            return;
        }
        if (entry.custom) {
            await refreshResource(ctx, entry);
        }
    }
}

async function refreshResource(ctx: EngineContext, entry: ResourceState): Promise<void> {
    const ref = refOf(entry);
    // Each reason names the provider call that failed, because the command line already names the operation.
    let call = "read";
    try {
        const read = await ctx.provider.read(
            ref,
            entry.id,
            toProviderMap(entry.outputs),
            toProviderMap(entry.inputs),
        );
        if (read.id === "") {
            ctx.snapshot.remove(entry);
            ctx.snapshot.save();
            ctx.recorder.step({ op: "read-gone", ...ref, detail: `read returned no ID for ${entry.id}` });
            return;
        }
        const refreshed: ResourceState = {
            ...entry,
            id: read.id,
            outputs: annotateSecrets(read.properties, entry.outputs),
            inputs: read.inputs === undefined ? entry.inputs : annotateSecrets(read.inputs, entry.inputs),
        };
        call = "diff";
        const drift = await driftKeys(ctx, refreshed, entry);
        ctx.snapshot.replace(entry, refreshed);
        ctx.snapshot.save();
        ctx.recorder.step(
            drift === undefined ? { op: "refresh", ...ref } : { op: "drift", ...ref, diffs: drift },
        );
    } catch (error) {
        const reason = `${call} failed: ${errorMessage(error)}`;
        ctx.recorder.fail({ urn: entry.urn, reason });
        ctx.recorder.step({ op: "failed", ...ref, detail: reason });
    }
}

/** Returns the drifted keys, or undefined when the provider (or the input comparison) finds no difference. */
async function driftKeys(
    ctx: EngineContext,
    refreshed: ResourceState,
    before: ResourceState,
): Promise<string[] | undefined> {
    const diff = await ctx.provider.diff(
        refOf(refreshed),
        refreshed.id,
        toProviderMap(refreshed.outputs),
        toProviderMap(refreshed.inputs),
        toProviderMap(before.inputs),
    );
    const inputChanges = changedKeys(refreshed.inputs, before.inputs);
    if (diff.changes === "none" || (diff.changes === "unknown" && inputChanges.length === 0)) {
        return undefined;
    }
    const keys = diff.diffs.length > 0 ? diff.diffs : inputChanges;
    return keys.length > 0 ? keys : changedKeys(before.outputs, refreshed.outputs);
}
