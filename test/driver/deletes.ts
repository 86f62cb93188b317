// Delete steps: resources the program no longer declares (after all creates and updates), old objects of
// create-before-delete replacements, and everything during destroy. Deletes run in reverse state order, which is
// reverse dependency order (see snapshot.ts), and use the stored outputs, whose `__provider` is the serialized
// provider that created or last updated the object.
import { EngineContext, errorMessage, refOf } from "./context";
import { toProviderMap } from "./properties";
import { ResourceState } from "./types";

/** Deletes what the program did not register; runs only after the program finished without failures. */
export async function runDeletePhase(ctx: EngineContext): Promise<void> {
    for (const entry of ctx.snapshot.unregistered().reverse()) {
        if (ctx.recorder.failed) {
            return;
        }
        if (entry.delete && ctx.dryRun) {
            continue;
        }
        await deleteResource(ctx, entry);
    }
}

/** Deletes every resource in the state, then clears the stack outputs. */
export async function runDestroy(ctx: EngineContext): Promise<void> {
    for (const entry of ctx.snapshot.all().reverse()) {
        if (ctx.recorder.failed) {
            return;
        }
        await deleteResource(ctx, entry);
    }
    ctx.snapshot.outputs = {};
    ctx.snapshot.save();
}

async function deleteResource(ctx: EngineContext, entry: ResourceState): Promise<void> {
    const ref = refOf(entry);
    if (entry.protect && !entry.delete) {
        const reason = `resource ${entry.urn} cannot be deleted because it is protected; remove the protect option first`;
        ctx.recorder.fail({ urn: entry.urn, reason });
        ctx.recorder.step({ op: "failed", ...ref, detail: reason });
        return;
    }
    if (!ctx.dryRun) {
        try {
            await deleteObject(ctx, entry);
        } catch (error) {
            const reason = `delete failed: ${errorMessage(error)}`;
            ctx.recorder.fail({ urn: entry.urn, reason });
            ctx.recorder.step({ op: "failed", ...ref, detail: reason });
            return;
        }
    }
    if (entry.delete) {
        // The replace step already reported this object; the engine shows this delete as part of the replacement.
        ctx.recorder.log(`deleted ${entry.id}, the object that ${entry.urn} replaced`);
        return;
    }
    ctx.recorder.step({
        op: "delete",
        ...ref,
        detail: entry.retainOnDelete ? "retained, removed from state only" : undefined,
    });
}

async function deleteObject(ctx: EngineContext, entry: ResourceState): Promise<void> {
    if (entry.custom && !entry.retainOnDelete) {
        const properties = toProviderMap(entry.outputs);
        await ctx.provider.delete(refOf(entry), entry.id, properties, toProviderMap(entry.inputs));
    }
    ctx.snapshot.remove(entry);
    ctx.snapshot.save();
}
