// The engine's handling of one `RegisterResource` call: Check, then Create for a new resource, or Diff followed by
// same, Update or replacement for an existing one. Resources are handled one at a time in registration order.
import { isDeepStrictEqual } from "util";

import { DYNAMIC_TYPE_PREFIX, EngineContext, errorMessage, makeUrn, refOf, ROOT_STACK_TYPE } from "./context";
import { ProviderCallError, ResourceRef } from "./provider-client";
import {
    annotateSecrets,
    applyIgnoreChanges,
    changedKeys,
    markSecretKeys,
    removeUnknownPaths,
    toProviderMap,
} from "./properties";
import { DriverStep, PropertyMap, RegistrationRequest, RegistrationResponse, ResourceState } from "./types";

/** An error whose step and failure are already recorded; it is passed on to the program only. */
export class RecordedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RecordedError";
    }
}

interface Plan {
    op: "same" | "update" | "replace";
    diffs: string[];
    deleteBeforeReplace: boolean;
    detail?: string;
}

export class Deployment {
    private readonly seen = new Set<string>();

    constructor(private readonly ctx: EngineContext) {}

    async register(request: RegistrationRequest): Promise<RegistrationResponse> {
        const { project, stack, recorder } = this.ctx;
        const urn = makeUrn(project, stack, request.type, request.name, request.parent);
        if (recorder.failed) {
            throw new Error(`${urn} was not registered because an earlier step failed`);
        }
        const ref = { urn, name: request.name, type: request.type };
        try {
            if (this.seen.has(urn)) {
                throw new Error(`duplicate resource URN ${urn}; give the resource a unique name`);
            }
            this.seen.add(urn);
            if (request.type === ROOT_STACK_TYPE) {
                return { urn, id: "", outputs: {}, final: true };
            }
            if (!request.custom) {
                return this.registerComponent(ref, request);
            }
            assertSupported(request);
            return await this.registerCustom(ref, request);
        } catch (error) {
            if (!(error instanceof RecordedError)) {
                this.recordFailure(ref, errorMessage(error));
            }
            throw error;
        }
    }

    /**
     * Stores outputs that the program registered for a component resource or for the stack. In preview, the
     * stack outputs at `absentPaths` are left out: the program host found them to be absent properties, which
     * the SDK serializes as unknown.
     */
    registerOutputs(urn: string, outputs: PropertyMap, absentPaths: string[][] = []): void {
        const { snapshot } = this.ctx;
        const entry = snapshot.all().find((resource) => resource.urn === urn && !resource.delete);
        if (entry === undefined) {
            snapshot.outputs = this.ctx.dryRun ? removeUnknownPaths(outputs, absentPaths) : outputs;
        } else if (!entry.custom) {
            snapshot.replace(entry, { ...entry, outputs });
        }
        snapshot.save();
    }

    private registerComponent(ref: ResourceRef, request: RegistrationRequest): RegistrationResponse {
        const prior = this.ctx.snapshot.prior(ref.urn);
        const entry = { ...this.describe(ref, request, "", request.inputs), outputs: prior?.outputs ?? {} };
        const op =
            prior === undefined
                ? "create"
                : isDeepStrictEqual(prior.inputs, request.inputs)
                  ? "same"
                  : "update";
        this.commit(entry);
        this.ctx.recorder.step({ op, ...ref });
        return { urn: ref.urn, id: "", outputs: {}, final: true };
    }

    private async registerCustom(
        ref: ResourceRef,
        request: RegistrationRequest,
    ): Promise<RegistrationResponse> {
        const prior = this.ctx.snapshot.prior(ref.urn);
        const news = prior
            ? applyIgnoreChanges(request.inputs, prior.inputs, request.ignoreChanges)
            : request.inputs;
        const checked = await this.check(ref, prior?.inputs ?? {}, news);
        if (prior === undefined) {
            return this.create(ref, request, checked);
        }
        const plan = await this.plan(ref, prior, checked, request);
        switch (plan.op) {
            case "same":
                return this.same(ref, request, prior, checked);
            case "update":
                return this.update(ref, request, prior, checked, plan);
            case "replace":
                return this.replace(ref, request, prior, news, plan);
        }
    }

    private async check(ref: ResourceRef, olds: PropertyMap, news: PropertyMap): Promise<PropertyMap> {
        const result = await this.ctx.provider.check(ref, toProviderMap(olds), toProviderMap(news));
        if (result.failures.length === 0) {
            return annotateSecrets(result.inputs, news);
        }
        for (const failure of result.failures) {
            this.ctx.recorder.fail({
                urn: ref.urn,
                property: failure.property || undefined,
                reason: failure.reason,
            });
        }
        const detail = result.failures
            .map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason))
            .join("; ");
        this.ctx.recorder.step({ op: "check-failed", ...ref, detail });
        throw new RecordedError(`resource ${ref.urn} has check errors: ${detail}`);
    }

    /** Diffs like the engine: DIFF_UNKNOWN falls back to comparing the old and new inputs, `__provider` included. */
    private async plan(
        ref: ResourceRef,
        prior: ResourceState,
        checked: PropertyMap,
        request: RegistrationRequest,
    ): Promise<Plan> {
        const diff = await this.ctx.provider.diff(
            ref,
            prior.id,
            toProviderMap(prior.outputs),
            toProviderMap(prior.inputs),
            toProviderMap(checked),
        );
        let changes = diff.changes;
        let diffKeys = diff.diffs;
        if (changes === "unknown") {
            diffKeys = changedKeys(prior.inputs, checked);
            changes = diffKeys.length > 0 ? "some" : "none";
        }
        const forced = diffKeys.filter((key) =>
            request.replaceOnChanges.some((path) => path === "*" || path === key),
        );
        const replaces = [...diff.replaces, ...forced];
        const plan: Plan = {
            op: "same",
            diffs: diffKeys.length > 0 ? diffKeys : changedKeys(prior.inputs, checked),
            deleteBeforeReplace: request.deleteBeforeReplace ?? diff.deleteBeforeReplace,
        };
        if (changes === "some") {
            plan.op = replaces.length > 0 ? "replace" : "update";
            plan.detail = replaces.length > 0 ? `replaces: ${replaces.join(", ")}` : undefined;
        } else if ((prior.initErrors ?? []).length > 0) {
            plan.op = "update";
            plan.detail = "retrying a resource with initialization errors";
        }
        return plan;
    }

    private create(ref: ResourceRef, request: RegistrationRequest, checked: PropertyMap) {
        return this.createAndCommit(ref, request, checked, undefined, { op: "create", ...ref });
    }

    private same(ref: ResourceRef, request: RegistrationRequest, prior: ResourceState, checked: PropertyMap) {
        // The engine stores the new inputs even when nothing changed, but keeps the old outputs.
        const entry = { ...this.describe(ref, request, prior.id, checked), outputs: prior.outputs };
        this.commit(entry);
        this.ctx.recorder.step({ op: "same", ...ref });
        return { urn: ref.urn, id: prior.id, outputs: prior.outputs, final: true };
    }

    private async update(
        ref: ResourceRef,
        request: RegistrationRequest,
        prior: ResourceState,
        checked: PropertyMap,
        plan: Plan,
    ): Promise<RegistrationResponse> {
        const step = { op: "update" as const, ...ref, diffs: plan.diffs, detail: plan.detail };
        if (this.ctx.dryRun) {
            return this.previewResult(ref, request, prior.id, checked, step);
        }
        let entry: ResourceState;
        try {
            const properties = await this.ctx.provider.update(
                ref,
                prior.id,
                toProviderMap(prior.outputs),
                toProviderMap(prior.inputs),
                toProviderMap(checked),
            );
            entry = this.describe(ref, request, prior.id, checked, properties);
        } catch (error) {
            const describeFailed = (_id: string, properties: PropertyMap) =>
                this.describe(ref, request, prior.id, checked, properties);
            throw this.commitInitFailure(ref, error, describeFailed, () => undefined);
        }
        this.commit(entry);
        this.ctx.recorder.step(step);
        return { urn: ref.urn, id: entry.id, outputs: entry.outputs, final: true };
    }

    private async replace(
        ref: ResourceRef,
        request: RegistrationRequest,
        prior: ResourceState,
        news: PropertyMap,
        plan: Plan,
    ): Promise<RegistrationResponse> {
        if (prior.protect && request.protect) {
            throw new Error(`unable to replace resource ${ref.urn} as it is currently marked for protection`);
        }
        // The engine checks the program inputs again without the old inputs, because defaults are recomputed.
        const checked = await this.check(ref, {}, news);
        const order = plan.deleteBeforeReplace ? "delete-before-replace" : "create-before-delete";
        const detail = [order, plan.detail].filter(Boolean).join("; ");
        const step = { op: "replace" as const, ...ref, diffs: plan.diffs, detail };
        if (this.ctx.dryRun) {
            return this.previewResult(ref, request, "", checked, step);
        }
        if (plan.deleteBeforeReplace) {
            await this.deleteObject(prior);
            return this.createAndCommit(ref, request, checked, undefined, step);
        }
        return this.createAndCommit(ref, request, checked, prior, step);
    }

    /** Creates the object; with `replaced`, marks that earlier object for deletion after all other steps. */
    private async createAndCommit(
        ref: ResourceRef,
        request: RegistrationRequest,
        checked: PropertyMap,
        replaced: ResourceState | undefined,
        step: { op: "create" | "replace" } & ResourceRef,
    ): Promise<RegistrationResponse> {
        if (this.ctx.dryRun) {
            return this.previewResult(ref, request, "", checked, step);
        }
        const markReplaced = () => replaced && this.ctx.snapshot.markPendingDelete(replaced);
        let entry: ResourceState;
        try {
            const created = await this.ctx.provider.create(ref, toProviderMap(checked));
            if (created.id === "") {
                throw new Error(`the provider returned an empty ID from create for ${ref.urn}`);
            }
            entry = this.describe(ref, request, created.id, checked, created.properties);
        } catch (error) {
            const describeFailed = (id: string, properties: PropertyMap) =>
                this.describe(ref, request, id, checked, properties);
            throw this.commitInitFailure(ref, error, describeFailed, markReplaced);
        }
        markReplaced();
        this.commit(entry);
        this.ctx.recorder.step(step);
        return { urn: ref.urn, id: entry.id, outputs: entry.outputs, final: true };
    }

    /** During preview the engine returns the checked inputs as outputs, because the provider cannot preview. */
    private previewResult(
        ref: ResourceRef,
        request: RegistrationRequest,
        id: string,
        checked: PropertyMap,
        step: DriverStep,
    ): RegistrationResponse {
        this.commit(this.describe(ref, request, id, checked, checked));
        this.ctx.recorder.step(step);
        return { urn: ref.urn, id, outputs: checked, final: false };
    }

    /**
     * Records an object that the provider reported as created but not initialized (an error carrying `id`), as
     * the engine does, and returns the error to throw. Other errors are returned unchanged.
     */
    private commitInitFailure(
        ref: ResourceRef,
        error: unknown,
        describeFailed: (id: string, properties: PropertyMap) => ResourceState,
        beforeCommit: () => void,
    ): Error {
        if (!(error instanceof ProviderCallError) || error.initFailure === undefined) {
            return error instanceof Error ? error : new Error(String(error));
        }
        const failure = error.initFailure;
        beforeCommit();
        this.commit({ ...describeFailed(failure.id, failure.properties), initErrors: failure.reasons });
        const reasons = failure.reasons.length > 0 ? `; reasons: ${failure.reasons.join("; ")}` : "";
        this.recordFailure(
            ref,
            `${error.message}${reasons}`,
            `object ${failure.id} was created but failed to initialize`,
        );
        return new RecordedError(error.message);
    }

    private async deleteObject(entry: ResourceState): Promise<void> {
        await this.ctx.provider.delete(
            refOf(entry),
            entry.id,
            toProviderMap(entry.outputs),
            toProviderMap(entry.inputs),
        );
        this.ctx.snapshot.remove(entry);
        this.ctx.snapshot.save();
    }

    private commit(entry: ResourceState): void {
        this.ctx.snapshot.register(entry);
        this.ctx.snapshot.save();
    }

    private recordFailure(ref: ResourceRef, reason: string, detail?: string): void {
        this.ctx.recorder.fail({ urn: ref.urn, reason });
        this.ctx.recorder.step({ op: "failed", ...ref, detail: detail ?? reason });
    }

    private describe(
        ref: ResourceRef,
        request: RegistrationRequest,
        id: string,
        inputs: PropertyMap,
        rawOutputs: PropertyMap = {},
    ): ResourceState {
        const outputs = markSecretKeys(annotateSecrets(rawOutputs, inputs), request.additionalSecretOutputs);
        return {
            ...ref,
            custom: request.custom,
            id,
            inputs,
            outputs,
            parent: request.parent || undefined,
            dependencies: request.dependencies,
            protect: request.protect,
            retainOnDelete: request.retainOnDelete,
            additionalSecretOutputs:
                request.additionalSecretOutputs.length > 0 ? request.additionalSecretOutputs : undefined,
        };
    }
}

/** Rejects registrations that need engine features the driver does not have. */
function assertSupported(request: RegistrationRequest): void {
    if (!request.type.startsWith(DYNAMIC_TYPE_PREFIX)) {
        throw new Error(
            `resource type ${request.type} needs a provider plugin; the driver runs only dynamic resources ` +
                `(type tokens starting with ${DYNAMIC_TYPE_PREFIX})`,
        );
    }
    if (request.remote) {
        throw new Error("remote component resources are not supported by the driver");
    }
    if (request.importId !== "") {
        throw new Error(
            "the import resource option is not supported: the dynamic provider cannot import objects",
        );
    }
    if (request.providerRef !== "") {
        throw new Error("explicit provider resources are not supported by the driver");
    }
    const nested = request.ignoreChanges.filter((path) => /[.[\]]/.test(path));
    if (nested.length > 0) {
        throw new Error(`ignoreChanges supports top-level property names only, not ${nested.join(", ")}`);
    }
}
